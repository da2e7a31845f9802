"""Suites through Inspect's eval_set: interrupted, then resumed; unavailable rows in one line."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai.log import read_eval_log

from longcat_evals.results.suites import SUITES

SCRIPT = Path(__file__).with_name("suite_script.py")
CLI = str(Path(sys.executable).parent / "longcat-evals")
ROOT = Path(__file__).resolve().parents[2]


def _start(log_dir: Path, marker: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), str(log_dir), str(marker)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _finished(log_dir: Path) -> list[str]:
    done = []
    for path in log_dir.glob("*.eval"):
        try:
            if read_eval_log(str(path), header_only=True).status == "success":
                done.append(path.name)
        except Exception:  # noqa: BLE001 - a log being written is not finished
            continue
    return done


def test_an_interrupted_suite_resumes_and_skips_what_finished(tmp_path):
    log_dir, marker = tmp_path / "logs", tmp_path / "marker"
    first = _start(log_dir, marker)
    deadline = time.monotonic() + 180
    # Interrupt while b waits at b3 and after a has finished (tasks run side by side).
    while not (marker.exists() and _finished(log_dir)):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.2)
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=180)
    before = {p.name: p.stat().st_mtime for p in log_dir.glob("*.eval")}
    assert len(before) == 2 and len(_finished(log_dir)) == 1

    second = _start(log_dir, marker)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err[-3000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["complete"] is True
    rows = {r["samples"]: r for r in result["rows"]}
    assert set(rows) == {2, 6}
    assert rows[6]["status"] == "success" and rows[6]["run"] == rows[6]["planned"] == 6
    assert rows[6]["score"] == pytest.approx(100 * 5 / 6)
    # The task that had finished was not run again: its log is the same file, untouched.
    finished = Path(rows[2]["log"])
    assert finished.name in before and finished.stat().st_mtime == before[finished.name]
    # The table of the log dir shows each task once: eval_set keeps only the resumed log.
    table = subprocess.run([CLI, "table", str(log_dir), "--json"], capture_output=True, text=True)
    assert sorted(r["samples"] for r in json.loads(table.stdout)) == [2, 6]


def test_the_claims_suite_says_in_one_line_what_cannot_run_here(monkeypatch):
    for variable in ("LONGCAT_TERMINAL_BENCH_2_1",):
        monkeypatch.delenv(variable, raising=False)
    result = subprocess.run(
        [CLI, "suite", "longcat-2.0-claims", "--dry-run", "--model", "longcat/LongCat-2.0"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(SUITES["longcat-2.0-claims"]) == 4
    terminal = next(line for line in lines if "terminal_bench" in line)
    assert terminal.startswith("skip") and "LONGCAT_TERMINAL_BENCH_2_1" in terminal
    ruler = next(line for line in lines if "ruler" in line)
    assert ruler.startswith("run") and "1m" in ruler


def test_every_claims_entry_names_a_benchmark_of_the_claims_file():
    from longcat_evals.results.claims import load_claims

    ids = {b.id for b in load_claims().benchmarks}
    assert {e.benchmark for e in SUITES["longcat-2.0-claims"]} <= ids


def test_evals_never_import_results():
    # The flow is eval -> log -> results: no family module may import the results package.
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "evals").rglob("*.py")
        if re.search(r"longcat_evals\.results|from longcat_evals import results", path.read_text())
    ]
    assert offenders == []


def test_every_suite_entry_names_a_registered_task_and_its_real_options():
    # A typo in a suite's -T option would only show when the suite runs (minutes later).
    from inspect_ai._util.registry import registry_lookup

    import longcat_evals._registry  # noqa: F401  (registers the project's tasks)
    from longcat_evals.evals.options import task_option_names

    for name, entries in SUITES.items():
        for entry in entries:
            task = registry_lookup("task", entry.task)
            assert task is not None, f"{name}: {entry.task} is not a registered task"
            params = set(task_option_names(task))  # `**options`: its options model's fields
            unknown = set(entry.args) | set(entry.args_from_env) | set(entry.args_from_callable)
            assert unknown <= params, f"{name}: {entry.task} has no option {unknown - params}"


def test_a_suite_entry_runs_only_its_sample_ids_and_says_so():
    import longcat_evals._registry  # noqa: F401  (registers the project's tasks)
    from longcat_evals.errors import UserFacingError
    from longcat_evals.results.runner import _build
    from longcat_evals.results.runs import SUITE_SAMPLE_IDS_KEY
    from longcat_evals.results.suites import SuiteEntry

    ids = ("longcat__slugkit-31", "longcat__inikit-12")
    task = _build(SuiteEntry("longcat_evals/swe_local", {"agent": "null"}, sample_ids=ids),
                  "mockllm/model", None)  # fmt: skip
    # Only these samples (not read here: reading the cut dataset prepares its images).
    assert len(task.dataset) == 2
    assert task.metadata[SUITE_SAMPLE_IDS_KEY] == ",".join(ids)
    with pytest.raises(UserFacingError, match=r"no sample longcat__nope \(known: longcat__"):
        _build(SuiteEntry("longcat_evals/swe_local", sample_ids=("longcat__nope",)),
               "mockllm/model", None)  # fmt: skip
