"""End to end in real containers: isolation, limits, cleanup, per-sample build failures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from longcat_evals.results.scoring import headline

pytestmark = [pytest.mark.docker]

TASKS = Path(__file__).parent / "sandbox_tasks.py"
INSPECT = str(Path(sys.executable).parent / "inspect")


def _eval(task: str, tmp_path: Path, **task_args):
    [log] = inspect_eval(
        f"{TASKS}@{task}",
        model="mockllm/model",
        task_args=task_args,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    return read_eval_log(log.location)


def _inspect_leftovers(task: str) -> set[str]:
    """Containers and networks of Inspect's compose projects for TASK right now.

    Only TASK's: other runs on a shared engine start and stop projects of their own meanwhile.
    """
    containers = subprocess.run(
        ["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True
    ).stdout.split()
    networks = subprocess.run(
        ["docker", "network", "ls", "--format", "{{.Name}}"], capture_output=True, text=True
    ).stdout.split()
    prefix = f"inspect-{task[:12].rstrip('_')}-"  # Inspect's: inspect-<task[:12]>-i<random>
    return {name for name in containers + networks if name.startswith(prefix)}


def test_smoke_oracle_scores_100_and_null_scores_0(docker_engine, tmp_path):
    oracle = headline(_eval_smoke(tmp_path, "oracle"))
    null = headline(_eval_smoke(tmp_path, "null"))
    assert (oracle.samples, oracle.score, oracle.errors) == (4, 100.0, 0)
    assert (null.samples, null.score, null.errors) == (4, 0.0, 0)


def test_image_with_bash_entrypoint_starts(docker_engine, tmp_path):
    result = headline(_eval("bash_entrypoint", tmp_path))
    assert (result.samples, result.score, result.errors) == (1, 100.0, 0)


def _eval_smoke(tmp_path: Path, agent: str):
    [log] = inspect_eval(
        "longcat_evals/sandbox_smoke",
        model="mockllm/model",
        task_args={"agent": agent},
        log_dir=str(tmp_path / agent),
        display="none",
    )
    return read_eval_log(log.location)


def test_default_sandbox_has_no_network_and_opt_in_has(docker_engine, tmp_path):
    closed = _eval("network_probe", tmp_path, network=False).samples[0]
    explanation = closed.scores["returncode_zero"].explanation
    assert closed.scores["returncode_zero"].value == 0.0
    assert "eth0" not in explanation and "lo:" in explanation  # loopback only: no route anywhere
    assert "refused" in explanation
    opened = _eval("network_probe", tmp_path, network=True).samples[0]
    assert opened.scores["returncode_zero"].value == 1.0
    assert "pong" in opened.scores["returncode_zero"].explanation


def test_fork_bomb_is_stopped_by_the_pids_limit_and_the_run_goes_on(docker_engine, tmp_path):
    pids = 64
    log = _eval("fork_bomb", tmp_path, pids=pids)
    by_id = {sample.id: sample for sample in log.samples}
    assert log.status == "success"
    explanation = by_id["bomb"].scores["returncode_zero"].explanation
    peak = int(explanation.strip().splitlines()[-1].removeprefix("peak="))
    assert pids / 2 < peak <= pids, explanation  # the bomb really ran into the limit
    assert by_id["bomb"].scores["returncode_zero"].value == 1.0  # and the sandbox still works
    assert by_id["honest"].scores["returncode_zero"].value == 1.0


def test_finished_eval_leaves_no_container_or_network(docker_engine, tmp_path):
    before = _inspect_leftovers("fork_bomb")
    _eval("fork_bomb", tmp_path)
    assert _inspect_leftovers("fork_bomb") - before == set()


def test_interrupted_eval_leaves_no_container_or_network(docker_engine, tmp_path):
    before = _inspect_leftovers("sleepy")
    process = subprocess.Popen(
        [INSPECT, "eval", f"{TASKS}@sleepy", "--model", "mockllm/model", "--display", "plain",
         "--log-dir", str(tmp_path / "logs")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (_inspect_leftovers("sleepy") - before):
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.5)
    assert _inspect_leftovers("sleepy") - before, "the sample's container never started"
    time.sleep(2)  # inside the sample's `sleep 300` now
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert _inspect_leftovers("sleepy") - before == set()


def test_broken_dockerfile_errors_its_sample_only(docker_engine, tmp_path):
    log = _eval("broken_build", tmp_path)
    by_id = {sample.id: sample for sample in log.samples}
    assert by_id["good"].scores["returncode_zero"].value == 1.0
    error = by_id["bad"].error.message
    assert "sample bad" in error and "about-to-fail" in error and "\n" not in error.strip()
    row = headline(log)
    assert (row.samples, row.errors, row.score) == (2, 1, 50.0)


def test_missing_compose_file_is_one_line_without_traceback(docker_engine, tmp_path):
    result = subprocess.run(
        [INSPECT, "eval", f"{TASKS}@missing_compose", "--model", "mockllm/model",
         "--log-dir", str(tmp_path / "logs")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "task missing_compose: compose file /nonexistent/compose.yaml not found" in output
    assert "Traceback" not in output


def test_setup_with_an_unreachable_docker_host_says_why_in_one_line(tmp_path):
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/nothing.sock"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "longcat-evals"), "setup", "--no-images"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "DOCKER_HOST" in lines[0] and "Traceback" not in result.stderr


def test_default_agent_acts_in_the_sandbox(docker_engine, tmp_path):
    """The ReAct agent's bash calls run in the sample's container and the scorer sees the result.

    A scripted mockllm stands in for the model; each output carries usage because mockllm's own
    token counting needs a tiktoken download that offline machines cannot make.
    """
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    def call(tool: str, **arguments) -> ModelOutput:
        output = ModelOutput.for_tool_call("mockllm", tool_name=tool, tool_arguments=arguments)
        output.usage = ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)
        return output

    script = [
        call("bash", command="wc -l < /data/input.txt > /workspace/answer.txt"),
        call("submit", answer="done"),
    ]
    [log] = inspect_eval(
        "longcat_evals/sandbox_smoke",
        model=get_model("mockllm/model", custom_outputs=script),
        sample_id="count_lines",
        log_dir=str(tmp_path),
        display="none",
    )
    sample = read_eval_log(log.location).samples[0]
    assert sample.error is None, sample.error
    assert sample.scores["answer_file"].value == 1.0, sample.scores["answer_file"].explanation
