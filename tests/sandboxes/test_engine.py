"""Engine detection, the private engine's start/stop, and its failure messages (real dockerd)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from longcat_evals.sandboxes import engine
from longcat_evals.sandboxes.errors import SandboxSetupError


@pytest.mark.parametrize(
    ("text", "expected"),
    [("26.1.5+dfsg1", (26, 1, 5)), ("v2.40.3", (2, 40, 3)), ("24.0", (24, 0, 0)), ("?", (0, 0, 0))],
)
def test_parse_version(text, expected):
    assert engine.parse_version(text) == expected


def test_versions_below_inspects_floor_are_not_ready():
    status = engine.EngineStatus(server="20.10.24", compose="2.40.3")
    assert not status.server_ok and status.compose_ok and not status.ready
    assert engine.EngineStatus(server="24.0.6", compose="2.20.0").compose_ok is False


def test_debian_mirror_is_read_from_apt_sources():
    mirror = engine.debian_mirror()
    assert mirror.startswith("http") and mirror.endswith("/debian")


@pytest.mark.docker
def test_ensure_engine_is_idempotent(docker_engine):
    first = engine.ensure_engine()
    second = engine.ensure_engine()
    assert first.ready and second.ready
    assert second.private_pid == first.private_pid  # no second engine was started


THROWAWAY_ARGS = ("--bridge=none", "--iptables=false", "--ip6tables=false")
NETNS = ("unshare", "--net")


def _docker0() -> str | None:
    try:
        return Path("/sys/class/net/docker0/address").read_text()
    except OSError:
        return None


def _private_prefix() -> Path:
    prefix = engine.engine_dir() / "prefix"
    if not (prefix / "usr/sbin/dockerd").exists():
        pytest.skip("no private engine installed here (this machine runs its own Docker)")
    return prefix


@pytest.mark.docker
def test_private_engine_stop_stops_exactly_our_dockerd(docker_engine, tmp_path, monkeypatch):
    prefix = _private_prefix()
    # A second, throw-away private engine in its own state dir, socket AND network namespace:
    # dockerd started with --bridge=none deletes the host's docker0, which the engine the other
    # tests use needs (seen here: every later build failed).
    bridge = _docker0()
    monkeypatch.setenv("LONGCAT_STATE_DIR", str(tmp_path / "state"))
    own = engine.engine_dir()
    socket = f"/tmp/lce-{os.getpid()}.sock"
    pid = engine.launch_dockerd(
        prefix,
        data_root=own / "data",
        exec_root=Path(f"/tmp/lce-{os.getpid()}"),
        socket=socket,
        pid_file=own / "dockerd.pid",
        log_file=own / "dockerd.log",
        extra_args=THROWAWAY_ARGS,
        wrapper=NETNS,
    )
    try:
        assert engine.private_engine_pid() == pid
        assert engine.stop_private_engine(log=lambda _: None) is True
        assert not Path(f"/proc/{pid}").exists() or engine._is_zombie(pid)
        assert engine.private_engine_pid() is None
        assert engine.stop_private_engine(log=lambda _: None) is False  # nothing of ours left
    finally:
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, 9)
    assert docker_engine.ready and engine.probe().server_ok  # the main engine is untouched
    assert _docker0() == bridge  # and so is its bridge


@pytest.mark.docker
def test_dockerd_that_cannot_start_says_why(docker_engine, tmp_path):
    prefix = _private_prefix()
    bridge = _docker0()
    not_a_directory = tmp_path / "data-root"
    not_a_directory.write_text("a file where dockerd wants its data-root\n")
    with pytest.raises(SandboxSetupError) as failure:
        engine.launch_dockerd(
            prefix,
            data_root=not_a_directory,
            exec_root=Path(f"/tmp/lce-bad-{os.getpid()}"),
            socket=f"/tmp/lce-bad-{os.getpid()}.sock",
            pid_file=tmp_path / "dockerd.pid",
            log_file=tmp_path / "dockerd.log",
            extra_args=THROWAWAY_ARGS,
            wrapper=NETNS,
        )
    message = str(failure.value)
    assert "exited during start-up" in message and str(tmp_path / "dockerd.log") in message
    assert "\n" not in message
    assert not (tmp_path / "dockerd.pid").exists()
    assert _docker0() == bridge
