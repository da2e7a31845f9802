"""The shared agents on a built-in instance with a scripted model (no API): the agent's edits in
its container become the graded patch. mockllm gets usage in each output because its default
token counting needs a tiktoken download these machines cannot make."""

from __future__ import annotations

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

from longcat_evals.evals.agents.mini import COMPLETE_MARKER
from longcat_evals.evals.swe.task import swe_local

pytestmark = [pytest.mark.docker, pytest.mark.slow]

USAGE = ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)


def _reply(text: str) -> ModelOutput:
    output = ModelOutput.from_content(model="mockllm", content=text)
    output.usage = USAGE
    return output


@pytest.mark.parametrize("solve", [True, False])
def test_mini_agent_edits_are_graded(solve, builtin, tmp_path):
    instance = builtin["longcat__semver-44"]
    fix = f"git apply <<'PATCH'\n{instance.patch}PATCH" if solve else "echo '// no-op' >> README.md"
    script = [
        _reply("THOUGHT: look around.\n```bash\ngit log --oneline | head -3 && ls\n```"),
        _reply(f"THOUGHT: change the code.\n```bash\n{fix}\n```"),
        _reply(f"THOUGHT: done.\n```bash\necho {COMPLETE_MARKER}\n```"),
    ]
    model = get_model("mockllm/model", custom_outputs=script)
    log = inspect_eval(
        swe_local(agent="mini", memory_mb=2048), sample_id=instance.instance_id,
        model=model, log_dir=str(tmp_path), display="none",
    )[0]  # fmt: skip
    sample = log.samples[0]
    assert sample.error is None, sample.error
    score = next(iter(sample.scores.values()))
    assert score.value == (1.0 if solve else 0.0), score.explanation
    # The agent saw base_commit's history and nothing after it.
    first_observation = sample.messages[3].text
    assert instance.base_commit[:7] in first_observation
    assert "pre-releases" not in first_observation.lower()


def _call(tool: str, **arguments) -> ModelOutput:
    output = ModelOutput.for_tool_call(model="mockllm", tool_name=tool, tool_arguments=arguments)
    output.usage = USAGE
    return output


def test_default_agent_edits_are_graded(builtin, tmp_path):
    instance = builtin["longcat__inikit-12"]
    script = [
        _call("bash", command="git status --short && ls inikit"),
        _call("bash", command=f"git apply <<'PATCH'\n{instance.patch}PATCH"),
        _call("submit", answer="Inline comments are now stripped."),
    ]
    model = get_model("mockllm/model", custom_outputs=script)
    log = inspect_eval(
        swe_local(agent="default", memory_mb=2048), sample_id=instance.instance_id,
        model=model, log_dir=str(tmp_path), display="none",
    )[0]  # fmt: skip
    sample = log.samples[0]
    assert sample.error is None, sample.error
    score = next(iter(sample.scores.values()))
    assert score.value == 1.0, score.explanation
