"""Terminal-Bench-2.x-shaped tasks offline in real containers: the uv/uvx pattern with pinned
wheels, a Debian 13 base, a `COPY --from=` uv stage; oracle 1, null 0, nothing from the network.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
import yaml
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.terminal import hosts, sample_env, standins
from longcat_evals.evals.terminal import image_map as imap
from longcat_evals.evals.terminal.loader import load_task
from longcat_evals.evals.terminal.task import terminal_bench
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.lazy_dataset import LazyDataset, unprepared

FIXTURES = Path(__file__).parent / "fixtures"
TB2 = FIXTURES / "tb2"
pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _run(tmp_path, agent, **task_args):
    [log] = inspect_eval(
        terminal_bench(path=str(TB2), agent=agent, network=False, **task_args),
        model="mockllm/model",
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    return {sample.id: sample for sample in log.samples}


def _score(sample):
    return next(iter(sample.scores.values()))


@pytest.mark.parametrize("agent, expected", [("oracle", 1.0), ("null", 0.0)])
def test_tb2_shaped_fixtures_offline(docker_engine, tmp_path, agent, expected):
    samples = _run(tmp_path, agent)
    assert {i: _score(s).value for i, s in samples.items()} == {
        "tb2-uv-pytest": expected,
        "tb2-uv-stage": expected,
    }
    plain, stage = samples["tb2-uv-pytest"], samples["tb2-uv-stage"]
    for sample in (plain, stage):
        meta = sample.metadata
        assert meta["offline"] is True and meta["network_needs"] == []
        assert meta["environment_source"]["kind"] == "build"  # prebuilt image not to be had
        assert "no registry answers" in meta["environment_source"]["instead_of"]
        assert any("requirements cached at build" in s for s in meta["offline_standins"])
        tail = _score(sample).metadata["test_output_tail"]
        assert "Python 3.13" in tail and "pytest-8.4.1" in tail and "json-ctrf-0.3.5" in tail
    assert plain.metadata["image_substitutions"][0]["from"] == "python:3.13-slim-bookworm"
    assert (
        "downloading uv 0.9.5 (longcat-evals offline stand-in"
        in (_score(plain).metadata["test_output_tail"])
    )
    froms = [s["from"] for s in stage.metadata["image_substitutions"]]
    assert froms == ["debian:13-slim", "debian:13-slim", "ghcr.io/astral-sh/uv:0.9.5"]
    if agent == "oracle":  # the ctrf report the test script asked for was written
        ctrf = subprocess.run(
            ["docker", "run", "--rm", "--network", "none", plain.metadata["image"], "sh", "-c",
             "ls /etc/uv/uv.toml /opt/longcat-evals/uv/0.9.5/uv"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert ctrf.returncode == 0, ctrf.stderr


def _in(image: str, script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "run", "--rm", "--network", "none", image, "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_curl_shim_and_offline_uv_are_honest(docker_engine, tmp_path):
    """The shim answers only uv's installer; everything else is the real curl, offline."""
    _run(tmp_path, "null")  # builds (or reuses) the images
    task = load_task(TB2 / "tb2-uv-pytest")
    resolver = imap.Resolver([(imap.load_map(imap.BUILTIN_MAP), "built-in")], "auto")
    image = sample_env.prepare(task, resolver, offline=True, log=lambda _: None).image
    other = _in(image, "curl -sS https://example.org/ ; echo rc=$?")
    assert "Could not resolve host: example.org" in other.stderr and "rc=6" in other.stdout
    missing = _in(image, "curl -LsSf https://astral.sh/uv/0.1.0/install.sh | sh; echo rc=$?")
    assert "stand-in has no uv 0.1.0, only: 0.9.5" in missing.stderr
    installed = _in(
        image,
        "curl -LsSf https://astral.sh/uv/0.9.5/install.sh -o /tmp/i.sh && UV_INSTALL_DIR=/opt/u "
        "sh /tmp/i.sh >/dev/null && . /opt/u/env && uv --version && command -v uv "
        "&& cat /var/log/longcat-evals/substitutions.log",
    )
    assert installed.returncode == 0, installed.stderr
    assert "uv 0.9.5" in installed.stdout and "/opt/u/uv" in installed.stdout
    assert "https://astral.sh/uv/0.9.5/install.sh -> /opt/longcat-evals/uv/install.sh" in (
        installed.stdout
    )
    # Only what the build cached resolves: anything else fails, saying the network is off.
    unwarmed = _in(image, "/opt/longcat-evals/uv/0.9.5/uvx -p 3.13 -w requests pytest --version")
    assert unwarmed.returncode != 0 and "network was disabled" in unwarmed.stderr


def test_java_21_stand_in(docker_engine):
    tag = standins.toolchain("java", "trixie", log=lambda _: None)
    out = _in(tag, "java -version 2>&1; python3 --version")
    assert 'version "21' in out.stdout and "Python 3.13" in out.stdout


def test_prebuilt_image_first_when_here(docker_engine, tmp_path):
    """A local copy of the task's docker_image is used (thin offline layer on top), as Harbor
    uses the prebuilt image; removing it falls back to the Dockerfile build."""
    task = load_task(TB2 / "tb2-uv-pytest")
    resolver = imap.Resolver([(imap.load_map(imap.BUILTIN_MAP), "built-in")], "auto")
    built = sample_env.prepare(task, resolver, offline=True, log=lambda _: None)
    ref = task.docker_image
    subprocess.run(["docker", "tag", built.image, ref], check=True)
    try:
        env = sample_env.prepare(task, resolver, offline=True, log=lambda _: None)
        assert env.source == {"kind": "prebuilt", "image": ref, "how": "local copy"}
        assert env.image.startswith("longcat-evals/tb-tb2-uv-pytest-prebuilt:")
        assert env.network_needs == [] and env.workdir == "/app"
    finally:
        subprocess.run(["docker", "rmi", ref], capture_output=True)
    again = sample_env.prepare(task, resolver, offline=True, log=lambda _: None)
    assert again.source["kind"] == "build" and again.image == built.image


def test_tb1_compose_beside_dockerfile_is_honoured(docker_engine, tmp_path):
    task_dir = tmp_path / "tb1"
    shutil.copytree(FIXTURES / "tb1-count-words", task_dir)
    compose = task_dir / "docker-compose.yaml"
    text = compose.read_text().replace(
        '[ "sh", "-c", "sleep infinity" ]', '["sh", "-c", "touch /tmp/up && sleep infinity"]'
    )
    compose.write_text(
        text.replace(
            "    environment:\n", "    mem_limit: 1536m\n    environment:\n      - MODE=tb1\n"
        )
    )
    task = load_task(task_dir)
    resolver = imap.Resolver([(imap.load_map(imap.BUILTIN_MAP), "built-in")], "auto")
    env = sample_env.prepare(task, resolver, offline=True, log=lambda _: None)
    assert env.source["kind"] == "compose" and "client.volumes" in env.source["dropped"]
    assert env.environment == {"TEST_DIR": "/tests", "MODE": "tb1"}
    spec = sample_env.sandbox_spec(task, env, offline=True, memory_mb=None)
    default = yaml.safe_load(Path(spec.config).read_text())["services"]["default"]
    assert default["mem_limit"] == "1536m" and default["environment"]["MODE"] == "tb1"
    assert default["entrypoint"] == [
        "sh",
        "-c",
        "(touch /tmp/up && sleep infinity) & exec sleep infinity",
    ]


def test_interrupt_stops_image_builds(docker_engine, base_image, tmp_path):
    """Ctrl-C while images are being prepared leaves no `docker build` running."""
    context = Path(tempfile.mkdtemp(dir=tmp_path))
    (context / "Dockerfile").write_text(f"FROM {base_image}\nRUN sleep 300 # {time.time()}\n")
    started = threading.Event()

    def prepare(item):
        if item == "slow":
            started.set()
            images.build_image(f"longcat-evals/test-interrupt:{int(time.time())}", context,
                               log=lambda _: None)  # fmt: skip
        else:
            assert started.wait(30)
            for _ in range(60):  # until the docker CLI child is really there
                if any(p.cmdline()[:2] == ["docker", "build"]
                       for p in psutil.Process().children(recursive=True)):  # fmt: skip
                    break
                time.sleep(0.5)
            raise KeyboardInterrupt

    dataset = LazyDataset(["interrupt", "slow"], str, lambda i: unprepared(i, "x", {}), prepare,
                          name="interrupt", workers=2)  # fmt: skip
    with pytest.raises(KeyboardInterrupt):
        list(dataset[:])
    time.sleep(2)
    left = [p for p in psutil.Process().children(recursive=True) if p.is_running()
            and p.cmdline()[:2] == ["docker", "build"]]  # fmt: skip
    assert left == []


def test_dockerfile_fetching_uv_installer_builds_here(docker_engine, tmp_path):
    """A Dockerfile's own `RUN curl … astral.sh/uv/<v>/install.sh | sh` builds where astral.sh
    does not answer (the kit answers it), and unchanged where it does."""
    task_dir = tmp_path / "uv-at-build"
    shutil.copytree(TB2 / "tb2-uv-stage", task_dir)
    (task_dir / "environment" / "Dockerfile").write_text(
        "FROM debian:13-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        "RUN curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh\n"
        'ENV PATH="/root/.local/bin:${PATH}"\n'
        "WORKDIR /app\n"
    )
    task = load_task(task_dir)
    resolver = imap.Resolver([(imap.load_map(imap.BUILTIN_MAP), "built-in")], "map")
    env = sample_env.prepare(task, resolver, offline=True, log=lambda _: None)
    out = _in(env.image, "uv --version && command -v uv")
    assert out.returncode == 0, out.stderr
    assert "uv 0.9.5" in out.stdout and "/root/.local/bin/uv" in out.stdout
    if not hosts.answers("astral.sh"):
        assert env.offline_standins[0].startswith("Dockerfile's uv installer 0.9.5: answered")
