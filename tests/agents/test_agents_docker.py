"""The shared agents driven by scripted models in real containers (a terminal fixture task)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

from longcat_evals.evals.terminal.task import terminal_bench

FIXTURE = Path(__file__).parents[1] / "terminal" / "fixtures" / "hello-harbor"
MODEL = "mockllm/model"
pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _usage(output: ModelOutput) -> ModelOutput:
    # With usage given, mockllm does not count tokens with tiktoken (which downloads encodings).
    output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return output


def _text(content: str) -> ModelOutput:
    return _usage(ModelOutput.from_content(MODEL, content))


def _bash(command: str) -> ModelOutput:
    return _text(f"THOUGHT: next step.\n```bash\n{command}\n```")


def _eval(tmp_path, outputs, path=FIXTURE, **task_args):
    model = get_model(MODEL, custom_outputs=outputs)
    task = terminal_bench(path=str(path), network=False, **task_args)
    [log] = inspect_eval(task, model=model, log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    [sample] = log.samples
    assert sample.error is None, sample.error
    user_texts = [m.text for m in sample.messages if m.role in ("user", "tool")]
    return sample, next(iter(sample.scores.values())), user_texts


def test_mini_agent_solves_with_timeouts_truncation_and_format_errors(docker_engine, tmp_path):
    outputs = [
        _text("I think I should look around first."),  # no block: format error
        _bash("ls -d /tests /solution 2>&1; pwd"),  # tests and solution are not there
        _bash("sleep 5"),  # killed by the per-command timeout
        _bash("head -c 50000 /dev/zero | tr '\\0' a"),  # truncated
        _bash("echo 'Hello, world!' > /app/hello.txt"),
        _bash("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"),
    ]
    sample, score, texts = _eval(
        tmp_path, outputs, agent="mini", command_timeout_sec=2, max_output_chars=1000
    )
    assert score.value == 1.0
    assert "exactly ONE ```bash block (found 0)" in texts[1]
    assert "'/tests': No such file" in texts[2] and "'/solution': No such file" in texts[2]
    assert "/app" in texts[2]  # commands run in the image's WORKDIR
    assert "<returncode>timeout</returncode>" in texts[3]
    assert "characters truncated" in texts[4] and len(texts[4]) < 1300
    assert len(texts) == 6  # the completion command ends the loop without another turn


def test_default_agent_bash_python_editor(docker_engine, tmp_path):
    outputs = [
        ModelOutput.for_tool_call(MODEL, "bash", {"command": "yes x | head -c 40000"}),
        ModelOutput.for_tool_call(MODEL, "python", {"code": "import os; print(os.getcwd())"}),
        ModelOutput.for_tool_call(
            MODEL,
            "text_editor",
            {"command": "create", "path": "/app/hello.txt", "file_text": "Hello, world!\n"},
        ),
        ModelOutput.for_tool_call(MODEL, "submit", {"answer": "done"}),
    ]
    outputs = [_usage(output) for output in outputs]
    sample, score, texts = _eval(tmp_path, outputs, agent="default", max_output_chars=2000)
    assert score.value == 1.0, score.explanation
    tools = [m for m in sample.messages if m.role == "tool"]
    assert "characters truncated" in tools[0].text and len(tools[0].text) < 2300
    assert tools[1].text.strip() == "/app"
    assert tools[2].error is None, tools[2].error


def test_agent_timeout_still_verifies(docker_engine, tmp_path):
    task_dir = tmp_path / "tasks" / "hello-harbor"
    shutil.copytree(FIXTURE, task_dir)
    toml = (task_dir / "task.toml").read_text()
    (task_dir / "task.toml").write_text(toml.replace("timeout_sec = 300.0", "timeout_sec = 4.0"))

    def forever():
        while True:
            yield _bash("sleep 1")

    sample, score, _ = _eval(tmp_path, forever(), path=task_dir, agent="mini")
    assert sample.metadata["agent_timed_out"] is True
    assert score.value == 0.0 and score.explanation.endswith("(agent timed out)")
    assert score.metadata["test_exit_code"] == 0  # the verifier ran to the end
