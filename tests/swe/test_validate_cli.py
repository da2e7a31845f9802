"""`longcat-evals validate swe`: oracle and null per instance, problems reported, exit codes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from longcat_evals.cli import main
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_validate_swe_passes_a_builtin_instance(builtin):
    result = CliRunner().invoke(main, ["validate", "swe", "--instance-ids", "longcat__timefmt-7"])
    assert result.exit_code == 0, result.output
    assert "1/1 instances valid" in result.output


def test_validate_swe_reports_a_broken_gold_patch_and_a_bad_row(builtin, tmp_path):
    row = json.loads(BUILTIN_INSTANCES.read_text().splitlines()[1])
    env = row["environment"]
    env["repo_source"] = str(BUILTIN_INSTANCES.parent / env["repo_source"])
    # A gold patch that changes nothing the tests check: the oracle must fail validation.
    broken = dict(row, instance_id="longcat__timefmt-broken")
    broken["patch"] = row["patch"].replace(r"(?:\.\d+)?", "", 1)
    assert broken["patch"] != row["patch"]
    bad = dict(row, instance_id="bad__row-2")
    del bad["base_commit"]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (row, broken, bad)) + "\n")
    result = CliRunner().invoke(main, ["validate", "swe", "--dataset", str(path)])
    assert result.exit_code == 1, result.output
    assert "1/3 instances valid" in result.output
    assert "gold patch does not resolve" in result.output
    assert "bad__row-2" in result.output and "base_commit" in result.output
