"""`longcat-evals validate terminal`: static check of task dirs (no containers)."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from longcat_evals.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def test_validate_terminal_fixtures_and_builtin(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "terminal", str(FIXTURES)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "python:3.12-slim -> python (python:*)" in out
    assert "needs network: curl -LsSf https://astral.sh/uv/0.7.13/install.sh | sh" in out
    assert "ok (2 install(s) baked)" in out  # hello-harbor: apt-get + pip
    builtin = runner.invoke(main, ["validate", "terminal"], env={"COLUMNS": "300"})
    assert builtin.exit_code == 0 and "needs network" not in builtin.output


def test_validate_terminal_reports_broken_tasks(tmp_path):
    shutil.copytree(FIXTURES / "hello-harbor", tmp_path / "ok")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "task.yaml").write_text("instruction: [\n")
    result = CliRunner().invoke(
        main, ["validate", "terminal", str(tmp_path)], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 1
    assert "terminal task 'bad': task.yaml: invalid YAML" in result.output
    assert "1/2 tasks load" in result.output
