"""`longcat-evals table` as a user runs it: recursion, bad files, empty dirs (one line each)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import run_tiny

CLI = str(Path(sys.executable).parent / "longcat-evals")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], capture_output=True, text=True, timeout=300)


def test_a_log_tree_like_the_demos_prints_every_row(logs, tmp_path):
    # `make demo` writes logs/demo/; `longcat-evals table logs/` must find them.
    demo = tmp_path / "logs" / "demo"
    demo.mkdir(parents=True)
    shutil.copy(logs["mixed"], demo)
    shutil.copy(logs["epochs"], demo)
    result = _cli("table", str(tmp_path / "logs"), "--markdown")
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| tiny ")]
    assert len(rows) == 2
    assert any("| 6 | 41.7 |" in r and "62.5 (mean, n=4)" in r for r in rows)


def test_json_rows_carry_status_and_inspects_figure(logs):
    result = _cli("table", str(logs["cancelled"]), "--json")
    [row] = json.loads(result.stdout)
    assert (row["status"], row["run"], row["planned"], row["complete"]) == (
        "cancelled", 4, 12, False,
    )  # fmt: skip
    assert row["inspect"]["value"] == 1.0


def test_non_logs_and_truncated_logs_are_one_line_each(logs, tmp_path):
    (tmp_path / "2026-01-01T00-00-00+00-00_x_abc.json").write_text("{not json")
    truncated = tmp_path / "truncated.eval"
    truncated.write_bytes(Path(logs["mixed"]).read_bytes()[:3000])
    shutil.copy(logs["perfect"], tmp_path)
    result = _cli("table", str(tmp_path), "--markdown")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and len(result.stderr.strip().splitlines()) == 2
    assert "truncated.eval: not a readable Inspect log" in result.stderr
    # The good log still gets its row.
    assert "| tiny | default | mockllm/model | 2 | 100.0 |" in result.stdout


def test_an_empty_dir_or_a_missing_path_is_refused(tmp_path):
    for target in (tmp_path, tmp_path / "missing"):
        result = _cli("table", str(target))
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith("error: ")
        assert "Traceback" not in result.stderr


def test_offline_grading_and_tampering_are_flagged_in_the_table(tmp_path):
    """A sample graded offline (SWE) or caught tampering (terminal) is named in the row."""
    log = run_tiny(tmp_path, values="1,0,1", offline="s1,s3", tampered="s2")
    result = _cli("table", log, "--markdown")
    assert result.returncode == 0, result.stderr
    [row] = [line for line in result.stdout.splitlines() if line.startswith("| tiny ")]
    assert row.rstrip().endswith("| graded offline (2), tampering detected (1) |")
    [data] = json.loads(_cli("table", log, "--json").stdout)
    assert data["flags"] == ["graded offline (2)", "tampering detected (1)"]
    plain = run_tiny(tmp_path / "plain", values="1")
    assert _cli("table", plain, "--markdown").stdout.count("| - |") >= 1
