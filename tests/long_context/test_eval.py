"""Real Inspect evals (mockllm/model): oracle scores 100, null 0, every family; controls; 1M."""

from __future__ import annotations

import pytest
from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import includes
from inspect_ai.solver import solver

from longcat_evals.evals.long_context.task import mrcr, niah, repo_retrieval, ruler
from longcat_evals.results.scoring import headline

SMALL = "4k,16k"


def run(task, tmp_path, **kwargs):
    (log,) = inspect_eval(
        task, model="mockllm/model", log_dir=str(tmp_path), display="none", **kwargs
    )
    assert log.status == "success", log.error
    return log


TASKS = {
    "niah": lambda **kw: niah(depths="0,50,100", **kw),
    "ruler": ruler,
    "mrcr": mrcr,
    "repo_retrieval": repo_retrieval,
}


@pytest.mark.parametrize("name", list(TASKS))
def test_oracle_scores_100_and_null_0(name, tmp_path):
    oracle = run(TASKS[name](agent="oracle", lengths=SMALL), tmp_path)
    assert headline(oracle.location).score == 100.0
    # `-T agent=null` reaches the task as None (YAML): both spellings must give the null agent.
    for agent in ("null", None):
        null = run(TASKS[name](agent=agent, lengths=SMALL), tmp_path)
        row = headline(null.location)
        assert row.score == 0.0 and row.errors == 0 and row.samples == oracle.results.total_samples


def test_default_agent_is_plain_generation(tmp_path):
    calls = []

    def reply(messages, tools, tool_choice, config):
        calls.append((len(messages), len(tools), config.max_tokens))
        # Usage given: mockllm would otherwise count tokens with tiktoken, which downloads.
        output = ModelOutput.from_content("mockllm", "I could not find it.")
        output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return output

    model = get_model("mockllm/model", custom_outputs=reply)
    (log,) = inspect_eval(
        niah(lengths="4k", depths="50"), model=model, log_dir=str(tmp_path), display="none"
    )
    assert log.status == "success"
    (sample,) = log.samples
    assert sample.error is None
    # One model call, no tools, the answer allowance as the generation limit.
    assert calls == [(1, 0, 128)]
    assert [m.role for m in sample.messages] == ["user", "assistant"]
    assert headline(log.location).score == 0.0


@pytest.mark.parametrize("name", list(TASKS))
def test_no_context_control_gives_the_oracle_nothing(name, tmp_path):
    log = run(TASKS[name](agent="oracle", lengths="4k", control=True), tmp_path)
    assert all(s.metadata["control"] for s in log.samples)
    assert headline(log.location).score == 0.0


@solver
def half_answer():
    """Answers with the first half of the reference values only."""

    async def solve(state, generate):
        answers = state.metadata["answers"]
        state.output = ModelOutput.from_content("partial", ", ".join(answers[: len(answers) // 2]))
        return state

    return solve


def test_all_match_fails_a_partial_answer_where_includes_passes(tmp_path):
    task = ruler(
        agent="oracle", families="niah_multivalue,niah_multiquery", lengths="4k", match="all"
    )
    task.solver = half_answer()
    assert headline(run(task, tmp_path).location).score == 0.0
    task = ruler(
        agent="oracle", families="niah_multivalue,niah_multiquery", lengths="4k", match="fraction"
    )
    task.solver = half_answer()
    assert headline(run(task, tmp_path).location).score == 50.0
    # Inspect's includes() would have passed the same partial answers.
    task.scorer = [includes()]
    assert headline(run(task, tmp_path).location).score == 100.0


@pytest.mark.slow
def test_one_million_token_niah_oracle_and_null(tmp_path):
    task = niah(agent="oracle", lengths="1m", depths="75")
    assert headline(run(task, tmp_path).location).score == 100.0
    task = niah(agent="null", lengths="1m", depths="75")
    assert headline(run(task, tmp_path).location).score == 0.0
