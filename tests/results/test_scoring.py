"""The scoring rule on real Inspect logs: errors and unscored samples count as 0, shown apart."""

from __future__ import annotations

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.scorer import Score, Target, mean, scorer
from inspect_ai.solver import Generate, TaskState, solver

from longcat_evals.results.scoring import headline
from longcat_evals.results.table import markdown_table

VALUES = {"one": 1.0, "half": 0.5, "correct": "C", "weird": "maybe", "named": {"a": 1.0}, "over": 3}


@solver
def explode_on(sample_id: str):
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if state.sample_id == sample_id:
            raise RuntimeError("sandbox died")
        return state

    return solve


@scorer(metrics=[mean()])
def fixed_values():
    async def score(state: TaskState, target: Target) -> Score:
        return Score(value=VALUES[state.sample_id])

    return score


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    samples = [Sample(id=key, input="x") for key in [*VALUES, "boom"]]
    task = Task(
        dataset=samples, solver=explode_on("boom"), scorer=fixed_values(), fail_on_error=False
    )
    [result] = inspect_eval(
        task,
        model="mockllm/model",
        log_dir=str(tmp_path_factory.mktemp("logs")),
        display="none",
    )
    return result.location


def test_headline_counts_every_sample(log):
    row = headline(log)
    assert row.samples == 7
    assert row.errors == 1  # "boom"
    assert row.unscored == 2  # "maybe" and a dict
    # 1 + 0.5 + 1 (C) + 0 + 0 + 1 (3 clamped) + 0 (error) over 7 samples
    assert row.score == pytest.approx(100 * 3.5 / 7)
    assert 0 < row.ci95 < 100


def test_markdown_table_has_a_row_per_run(log):
    text = markdown_table([headline(log)])
    lines = text.strip().splitlines()
    assert lines[0].startswith("| task | agent | model | samples | score")
    assert lines[2].split("|")[4].strip() == "7" and "50.0" in lines[2]
