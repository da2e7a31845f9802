"""Interruption in real containers: SIGTERM is like Ctrl-C; after SIGKILL, `cleanup` removes
exactly what the run left (and neither a live run's nor an unrelated compose project's)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai.log import list_eval_logs, read_eval_log

from longcat_evals.sandboxes import ownership

pytestmark = [pytest.mark.docker]

TASKS = Path(__file__).parent / "sandbox_tasks.py"
BIN = Path(sys.executable).parent
SLOW_SEC_ENV = "LONGCAT_TEST_SLOW_SEC"  # as in sandbox_tasks.interruptible
UNRELATED_COMPOSE = """services:
  app:
    image: {image}
    command: ["sleep", "infinity"]
    init: true
"""


def _owned_by(owner: str, kind: str = "container") -> set[str]:
    """Names of our labelled containers (or networks) whose owner label is OWNER."""
    listing = ["docker", "ps", "--all"] if kind == "container" else ["docker", "network", "ls"]
    out = subprocess.run(
        [*listing, "--filter", f"label={ownership.OWNER_LABEL}={owner}", "--format", "{{.Name}}"
         if kind == "network" else "{{.Names}}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return set(out.stdout.split())


def _start_interruptible(tmp_path: Path) -> tuple[subprocess.Popen, str]:
    """Start the eval; return once the quick samples are done and only `slow` still runs."""
    process = subprocess.Popen(
        [str(BIN / "inspect"), "eval", f"{TASKS}@interruptible", "--model", "mockllm/model",
         "--display", "plain", "--log-dir", str(tmp_path / "logs")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, SLOW_SEC_ENV: "300"},
    )  # fmt: skip
    owner = ownership.owner_id(process.pid)  # recorded now: a killed pid has no start time
    seen: set[str] = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        now = _owned_by(owner)
        seen |= now
        if len(seen) >= 3 and len(now) == 1:
            break
        time.sleep(0.5)
    else:
        process.kill()
        pytest.fail(f"the quick samples did not finish (containers seen: {sorted(seen)})")
    time.sleep(2)  # the quick samples are recorded; `slow` is inside its sleep
    return process, owner


def _samples(tmp_path: Path):
    [info] = list_eval_logs(str(tmp_path / "logs"))
    return read_eval_log(info)


def test_sigterm_removes_containers_and_keeps_finished_samples(docker_engine, tmp_path):
    process, owner = _start_interruptible(tmp_path)
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert _owned_by(owner) == set() and _owned_by(owner, "network") == set(), output
    log = _samples(tmp_path)
    assert log.status == "cancelled", output
    finished = {s.id for s in log.samples if s.scores}
    assert {"quick1", "quick2"} <= finished, output

    # Retrying finishes the run: the quick samples are kept, only `slow` runs again.
    retry = subprocess.run(
        [str(BIN / "inspect"), "eval-retry", log.location, "--display", "plain",
         "--log-dir", str(tmp_path / "retry")],
        capture_output=True, text=True, timeout=300, env={**os.environ, SLOW_SEC_ENV: "1"},
    )  # fmt: skip
    assert retry.returncode == 0, retry.stdout + retry.stderr
    [info] = list_eval_logs(str(tmp_path / "retry"))
    retried = read_eval_log(info)
    assert retried.status == "success"
    assert sorted(s.id for s in retried.samples) == ["quick1", "quick2", "slow"]
    assert all(s.scores["returncode_zero"].value == 1.0 for s in retried.samples)


def test_sigkill_then_cleanup_removes_exactly_what_the_run_left(
    docker_engine, base_image, tmp_path
):
    project = f"lce-test-unrelated-{os.getpid()}"
    compose_file = tmp_path / "unrelated.yaml"
    # FROM our base image: its containers inherit the image's labels, yet are not ours to remove.
    compose_file.write_text(UNRELATED_COMPOSE.format(image=base_image))
    unrelated = ["docker", "compose", "-p", project, "-f", str(compose_file)]
    subprocess.run([*unrelated, "up", "--detach"], check=True, capture_output=True, timeout=120)
    cleanup_cmd = [str(BIN / "longcat-evals"), "cleanup"]
    try:
        process, owner = _start_interruptible(tmp_path)
        try:
            # While the run lives, cleanup keeps its sandbox.
            live = subprocess.run(cleanup_cmd, capture_output=True, text=True, timeout=120)
            assert f"owned by a live run (pid {process.pid})" in live.stderr, live.stderr
            assert len(_owned_by(owner)) == 1
        finally:
            process.kill()
            process.wait()
        left = _owned_by(owner)
        assert len(left) == 1  # SIGKILL: nothing could tear it down
        result = subprocess.run(cleanup_cmd, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert _owned_by(owner) == set() and _owned_by(owner, "network") == set(), result.stderr
        assert all(name in result.stderr for name in left)
        running = subprocess.run(
            [*unrelated, "ps", "--status", "running", "--quiet"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert len(running) == 1, "the unrelated compose project was touched"
    finally:
        subprocess.run([*unrelated, "down", "--timeout", "1"], capture_output=True, timeout=120)


def test_cleanup_removes_scratch_folders_of_dead_owners_only(tmp_path, monkeypatch):
    from longcat_evals.sandboxes.cleanup import cleanup

    monkeypatch.setenv("LONGCAT_STATE_DIR", str(tmp_path))
    code = (
        "import os, sys; from pathlib import Path\n"
        "from longcat_evals.sandboxes.ownership import scratch_dir\n"
        "t = scratch_dir('ctx-', Path(sys.argv[1])); d = t.name\n"
        "Path(d, 'Dockerfile').write_text('FROM x')\n"
        "os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)])
    [dead] = [p for p in tmp_path.iterdir() if p.name.startswith("ctx-")]
    with ownership.scratch_dir("ctx-", tmp_path) as live:
        (tmp_path / "compose").mkdir()
        old_unowned = tmp_path / "tb-context-abc"
        old_unowned.mkdir()
        os.utime(old_unowned, (time.time() - 5 * 3600,) * 2)
        recent_unowned = tmp_path / "swe-ctx-abc"
        recent_unowned.mkdir()
        report = cleanup(dry_run=True, engine=False)
        assert sorted(report.folders) == sorted([str(dead), str(old_unowned)])
        assert dead.exists()
        report = cleanup(engine=False)
        assert not dead.exists() and not old_unowned.exists()
        assert Path(live).exists() and recent_unowned.exists() and (tmp_path / "compose").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_raise_what_ctrl_c_raises(signum):
    code = (
        "import os, signal, time\n"
        "from longcat_evals.sandboxes import interrupt\n"
        "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
        "assert interrupt.forward_to_sigint() == [signal.SIGTERM, signal.SIGHUP]\n"
        "try:\n"
        f"    os.kill(os.getpid(), {int(signum)}); time.sleep(5)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "interrupted", out.stderr


def test_a_chosen_disposition_is_kept():
    code = (
        "import signal\n"
        "from longcat_evals.sandboxes import interrupt\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup\n"
        "print(interrupt.forward_to_sigint(), signal.getsignal(signal.SIGHUP) is signal.SIG_IGN)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == f"[{signal.SIGTERM!r}] True", out.stderr


def test_sigterm_still_stops_a_run_whose_sigint_is_ignored():
    """Started in the background by a non-interactive shell, a run has SIGINT ignored."""
    code = (
        "import os, signal, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "from longcat_evals.sandboxes import interrupt\n"
        "interrupt.forward_to_sigint()\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGTERM); time.sleep(5)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "interrupted", out.stderr
