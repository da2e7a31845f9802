"""Leaderboards from real logs: each verdict, every format, the vendor table reproduced exactly."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from longcat_evals.results import leaderboard as board
from longcat_evals.results.claims import DEFAULT_CLAIMS, load_claims
from longcat_evals.results.logs import ResultsError
from longcat_evals.results.runs import load_run
from longcat_evals.results.scoring import headline

from .conftest import interrupted, run_tiny

CLI = str(Path(sys.executable).parent / "longcat-evals")
ARTIFACTS = Path(os.environ.get("LONGCAT_TEST_ARTIFACTS", "build/test-artifacts"))

# The vendor's table exactly as published (our own copy, to check the data file against).
PUBLISHED = """\
| benchmark | LongCat-2.0 | Gemini 3.1 Pro | GPT-5.5 | Opus 4.6 | Opus 4.7 | Opus 4.8 |
|---|---|---|---|---|---|---|
| Terminal-Bench 2.1 | 70.8 | 70.7* | 73.8* | – | 71.7* | 78.9* |
| SWE-bench Pro | 59.5 | 54.2* | 58.6* | 57.3* | 64.3* | 69.2* |
| SWE-bench Multilingual | 77.3 | 76.9* | – | 77.8* | 80.5* | 84.8* |
| FORTE | 73.2 | 70.3 | 77.8 | 73.2 | 77.6 | 77.2 |
| BrowseComp | 79.9 | 85.9* | 84.4* | 84.0* | 79.3* | 84.3* |
| RWSearch | 78.8 | 76.3 | 85.3 | 81.3 | 79.3 | 77.3 |
| IFEval | 90.0 | 96.1 | 95.0 | 92.2 | 88.7 | 86.0 |
| Writing Bench | 83.8 | 83.7 | 84.7 | – | 85.3 | 85.2 |
| IMO-AnswerBench | 81.8 | 90.0 | 79.5 | 75.3* | 81.8 | 75.3 |
| GPQA-diamond | 88.9 | 94.3* | 93.6* | 91.3* | 94.2* | 92.4 |
"""


def test_the_data_file_reproduces_the_vendor_table_exactly():
    claims = load_claims(DEFAULT_CLAIMS)
    assert claims.vendor_markdown() == PUBLISHED
    one_m = next(b for b in claims.benchmarks if b.id == "long-context-1m")
    assert all(v is None for v in one_m.claims.values()) and one_m.unit == "tokens"
    assert claims.source["published"] == "unknown" and claims.claims_version >= 1
    # Every row says whether it can be reproduced here; unknown settings stay "unknown".
    for b in claims.benchmarks:
        assert b.available
        assert set(b.settings.values()) <= {"unknown"} or b.task is not None


def _row(bench_id: str, prefix: str, value: float | None, **settings) -> dict:
    return {
        "id": bench_id,
        "name": bench_id,
        "claims": {"Mock": None if value is None else {"value": value}},
        "reproduce": {
            "task": "tiny",
            "match": {"task": "tiny", "task_args": {"prefix": prefix}},
            "available": "yes",
            **settings,
        },
    }


@pytest.fixture(scope="module")
def verdict_logs(tmp_path_factory):
    root = tmp_path_factory.mktemp("leaderboard")
    eight = "1,1,1,1,0,0,0,0"
    run_tiny(root, values="1,1", prefix="c")  # 100 [34-100]; claim 80: consistent
    run_tiny(root, values=eight, prefix="b")  # 50 [22-78]; claim 95: below claim
    run_tiny(root, values=eight, prefix="a")  # claim 5: above claim
    run_tiny(root, values="1,1", prefix="e", epochs=3)  # claim states epochs 1: not comparable
    run_tiny(root, values=eight, prefix="l", limit=4)  # a subset: not comparable
    run_tiny(root, values="1,1", prefix="n")  # the vendor gives no value: no claim
    run_tiny(root, values="1,0", prefix="z")  # no benchmark matches
    interrupted(root / "u", signal.SIGINT, prefix="u")  # cancelled: not comparable
    claims = {
        "format_version": 1,
        "claims_version": 7,
        "source": {"publisher": "test", "published": "unknown"},
        "models": {"Mock": ["mockllm/*"]},
        "benchmarks": [
            _row("consistent", "c", 80.0),
            _row("below", "b", 95.0),
            _row("above", "a", 5.0),
            _row("settings", "e", 90.0, epochs=1),
            _row("subset", "l", 50.0),
            _row("unclaimed", "n", None),
            _row("unfinished", "u", 90.0),
        ],
    }
    path = root / "claims.yaml"
    path.write_text(yaml.safe_dump(claims))
    return root, path


def test_each_verdict_is_printed_correctly(verdict_logs):
    root, claims_path = verdict_logs
    claims = load_claims(claims_path)
    runs = [load_run(p) for p in sorted(root.rglob("*.eval"))]
    entries = {e.benchmark: e for e in board.build(runs, claims)}
    assert {k: e.verdict for k, e in entries.items()} == {
        "consistent": "consistent",
        "below": "below claim",
        "above": "above claim",
        "settings": "not comparable",
        "subset": "not comparable",
        "unclaimed": "no claim",
        "unfinished": "not comparable",
        "tiny": "no claim",
    }
    assert entries["settings"].reason == "settings differ: epochs: claim 1, run 3"
    assert entries["subset"].reason == "a subset of the benchmark (limit=4)"
    assert entries["unfinished"].reason == "run did not finish (cancelled 4/12)"
    assert "agent" in entries["consistent"].unverified
    # The leaderboard's numbers are the table's numbers.
    for run in runs:
        entry = next(e for e in entries.values() if e.log == str(run.path))
        assert entry.score == pytest.approx(headline(run.path).score, abs=1e-4)
        assert entry.n == headline(run.path).samples


def test_markdown_csv_json_and_html(verdict_logs, tmp_path):
    root, claims_path = verdict_logs
    outputs = {}
    for fmt in ("markdown", "csv", "json", "html"):
        target = tmp_path / f"board.{fmt}"
        result = subprocess.run(
            [CLI, "leaderboard", str(root), "--claims", str(claims_path), "--format", fmt,
             "-o", str(target)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        outputs[fmt] = target.read_text()
    assert (
        "| Mock | below | default | success | 8 | 1 | 50.0 [21.5–78.5] | 95.0 | below claim |"
        in (outputs["markdown"])
    )
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert {r["format_version"] for r in rows} == {"1"} and len(rows) == 8
    data = json.loads(outputs["json"])
    assert data["format_version"] == 1 and data["claims"]["claims_version"] == 7
    assert "Wilson" in data["verdict_test"]
    page = outputs["html"]
    assert (
        page.count("<svg") == 8
        and "<script" not in page
        and "http" not in page.split("<svg", 1)[0].replace("http://www.w3.org", "")
    )


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _render(page: Path, png: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0", "--window-size=1280,1800",
         f"--screenshot={png}", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _console_messages(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (apt-get install chromium)")
def test_the_html_page_renders_in_headless_chromium_without_console_errors(verdict_logs, tmp_path):
    root, claims_path = verdict_logs
    runs = [load_run(p) for p in sorted(root.rglob("*.eval"))]
    claims = load_claims(claims_path)
    page = tmp_path / "leaderboard.html"
    page.write_text(board.to_html(board.build(runs, claims), claims))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    png = ARTIFACTS / "leaderboard.png"
    result = _render(page, png)
    assert result.returncode == 0, result.stderr[-2000:]
    assert png.stat().st_size > 20_000  # tables and eight plots, not a blank page
    assert _console_messages(result) == []
    # The check itself catches a page with a script error.
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>undefined_function()</script></body></html>")
    assert any("Uncaught" in m for m in _console_messages(_render(broken, tmp_path / "b.png")))


def test_bad_claims_files_are_one_line(tmp_path):
    bad = tmp_path / "claims.yaml"
    rows = [{"id": "x", "name": "x", "claims": {}}]
    bad.write_text(
        yaml.safe_dump({"format_version": 1, "models": {"M": ["*"]}, "benchmarks": rows})
    )
    with pytest.raises(ResultsError, match="benchmark x: no claim for model column 'M'"):
        load_claims(bad)
    bad.write_text("format_version: [")
    with pytest.raises(ResultsError, match="cannot read claims file"):
        load_claims(bad)


def test_a_ruler_log_shows_its_effective_length_on_the_1m_row(tmp_path):
    from inspect_ai import eval as inspect_eval

    [log] = inspect_eval(
        "longcat_evals/ruler",
        task_args={"agent": "oracle", "lengths": "4k,8k", "families": "niah_single_1"},
        model="mockllm/model",
        log_dir=str(tmp_path),
        display="none",
    )
    run = load_run(Path(log.location.removeprefix("file://")))
    [entry] = board.build([run], load_claims(DEFAULT_CLAIMS))
    assert entry.benchmark == "long-context-1m"
    assert (entry.effective_length, entry.max_length) == (8192, 8192)
    assert entry.verdict == "no claim" and "no score or effective length is published" in (
        entry.reason
    )


def test_inspects_own_selection_makes_a_run_a_subset(tmp_path):
    from inspect_ai import eval as inspect_eval

    from .conftest import TASKS

    runs = {}
    for name, selection in (("limit", {"limit": 2}), ("ids", {"sample_id": ["s1", "s3"]})):
        [log] = inspect_eval(f"{TASKS}@tiny", model="mockllm/model",
                             task_args={"values": "1,1,1,1"}, log_dir=str(tmp_path / name),
                             display="none", **selection)  # fmt: skip
        runs[name] = load_run(Path(log.location))
    assert runs["limit"].subset == {"--limit": 2}
    assert runs["ids"].subset == {"--sample-id": ["s1", "s3"]}
    full = load_run(Path(run_tiny(tmp_path / "full", values="1,1,1,1")))
    assert full.subset == {}
