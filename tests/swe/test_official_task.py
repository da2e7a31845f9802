"""`swe_bench_verified`/`swe_bench_multilingual` end to end on a local export of official rows.

The row is in the hub's swebench 5.x layout (JSON-string test lists, `image`, `eval_script`,
`log_parser`, `eval_type`); its image is a built-in instance's, standing in for the prebuilt
official image these machines cannot pull.
"""

from __future__ import annotations

import json

import pytest
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.swe.task import swe_bench_multilingual, swe_bench_verified

pytestmark = [pytest.mark.docker, pytest.mark.slow]

OFFICIAL_KEYS = (
    "instance_id", "repo", "base_commit", "patch", "test_patch", "problem_statement", "version",
    "image", "eval_script", "log_parser", "eval_type",
)  # fmt: skip


def _export(instance, path):
    row = {key: getattr(instance, key) for key in OFFICIAL_KEYS}
    row.update(
        FAIL_TO_PASS=json.dumps(instance.FAIL_TO_PASS),
        PASS_TO_PASS=json.dumps(instance.PASS_TO_PASS),
        hints_text="",
        created_at="2025-05-21T11:00:00Z",
        environment_setup_commit=instance.base_commit,
    )
    path.write_text(json.dumps(row) + "\n")
    return str(path)


@pytest.mark.parametrize(
    ("task", "iid", "agent", "expected"),
    [
        (swe_bench_multilingual, "longcat__semver-44", "oracle", 1.0),
        (swe_bench_verified, "longcat__timefmt-7", "null", 0.0),
    ],
)
def test_official_task_on_a_local_export(task, iid, agent, expected, builtin, tmp_path):
    dataset = _export(builtin[iid], tmp_path / "export.jsonl")
    log = inspect_eval(
        task(dataset=dataset, agent=agent, memory_mb=2048, cpus=1.0),
        model="mockllm/model", log_dir=str(tmp_path), display="none",
    )[0]  # fmt: skip
    sample = log.samples[0]
    assert sample.error is None, sample.error
    score = next(iter(sample.scores.values()))
    assert score.value == expected
    assert score.metadata["outcome"] == ("resolved" if expected else "unresolved")
