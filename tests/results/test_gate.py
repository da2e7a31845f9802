"""The regression gate on real logs (pairing, refusals, exit codes, reports) and its calibration."""

from __future__ import annotations

import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from longcat_evals.results import gate
from longcat_evals.results.runs import load_run
from longcat_evals.results.scoring import headline

from .conftest import interrupted, run_tiny

CLI = str(Path(sys.executable).parent / "longcat-evals")
TWENTY = ",".join(["1"] * 20)
DROPPED = ",".join(["1"] * 6 + ["0"] * 14)
CLUSTERS = ",".join(c for c in "abc" for _ in range(4))  # 3 clusters of 4 samples


# The tiny task's `values`/`fail` options stand for the model's behaviour, which is what differs
# between a baseline and a candidate; every other option must match.
BEHAVIOUR = ("values", "fail")
SETTINGS = gate.GateSettings(ignore=BEHAVIOUR)


def _gate(base: Path, cand: Path, *extra: str) -> subprocess.CompletedProcess:
    ignore = [arg for option in BEHAVIOUR for arg in ("--ignore-option", option)]
    return subprocess.run(
        [CLI, "gate", "--baseline", str(base), "--candidate", str(cand), *ignore, *extra],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gate")
    made = {
        "base": run_tiny(root / "base", values=TWENTY),
        "same": run_tiny(root / "same", values=TWENTY),
        "dropped": run_tiny(root / "dropped", values=DROPPED),
        "v2": run_tiny(root / "v2", values=TWENTY, version=2),
        "other_ids": run_tiny(root / "other_ids", values=TWENTY, prefix="t"),
        "small_base": run_tiny(root / "small_base", values="1,1,1,0"),
        "small_cand": run_tiny(root / "small_cand", values="1,1,0,0"),
        "epochs_base": run_tiny(
            root / "epochs_base", epochs=3, values="1/0/nan,1,1/0/nan,1/0/nan", fail="s2"
        ),  # fmt: skip
        "epochs_cand": run_tiny(root / "epochs_cand", epochs=3, values="0,1,1/0/nan,1/0/nan"),
        "clustered_base": run_tiny(root / "cb", values=",".join(["1"] * 12), clusters=CLUSTERS),
        "clustered_cand": run_tiny(
            root / "cc", values=",".join(["1"] * 8 + ["0"] * 4), clusters=CLUSTERS
        ),  # fmt: skip
        "option": run_tiny(root / "option", values=TWENTY, clusters=",".join("ab" * 10)),
        "three_epochs": run_tiny(root / "three_epochs", epochs=3, values=TWENTY),
    }
    made = {k: Path(v.removeprefix("file://")) for k, v in made.items()}
    made["cancelled"] = interrupted(root / "cancelled", signal.SIGINT, samples=20)
    return made


def test_identical_runs_pass(runs, tmp_path):
    junit, summary = tmp_path / "gate.xml", tmp_path / "summary.md"
    result = _gate(runs["base"], runs["same"], "--junit", str(junit), "--summary", str(summary))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pass" in result.stdout
    assert "exact McNemar (0 worse, 0 better of 20 pairs)" in summary.read_text()
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    assert summary.read_text().startswith("## Regression gate: **pass** (exit 0)")


def test_a_real_drop_is_a_regression(runs, tmp_path):
    junit, summary = tmp_path / "gate.xml", tmp_path / "summary.md"
    result = _gate(runs["base"], runs["dropped"], "--max-drop", "10", "--junit", str(junit),
                   "--summary", str(summary))  # fmt: skip
    assert result.returncode == 1, result.stdout
    [case] = ET.parse(junit).getroot().findall("testcase")
    assert case.find("failure") is not None
    text = summary.read_text()
    assert "**regression** (exit 1)" in text and "exact McNemar (14 worse, 0 better" in text
    # Hand count: 14 of 20 pairs got worse: -70 points; p = 2 / 2^14.
    verdict = gate.compare_runs(load_run(runs["base"]), load_run(runs["dropped"]),
                                gate.GateSettings(max_drop=10, ignore=BEHAVIOUR))  # fmt: skip
    assert verdict.difference == pytest.approx(-70.0)
    assert verdict.p_value == pytest.approx(2 / 2**14)
    assert verdict.high < -10


def test_too_few_samples_is_inconclusive_with_the_mde(runs):
    result = _gate(runs["small_base"], runs["small_cand"], "--max-drop", "5")
    assert result.returncode == 2
    verdict = gate.compare_runs(load_run(runs["small_base"]), load_run(runs["small_cand"]),
                                gate.GateSettings(max_drop=5, ignore=BEHAVIOUR))  # fmt: skip
    assert verdict.outcome == "inconclusive" and verdict.mde == 100.0  # 1 discordant pair of 4


@pytest.mark.parametrize(
    "other, reason",
    [
        ("v2", "task version: baseline 1, cand 2"),
        ("other_ids", "sample sets differ: 20 only in baseline, 20 only in candidate"),
        ("three_epochs", "epochs: baseline 1, cand 3"),
        ("cancelled", "candidate run did not finish (cancelled 4/20)"),
        ("option", "task option clusters: baseline '', candidate 'a,b,a,b"),
    ],
)
def test_runs_that_are_not_comparable_are_refused_saying_why(runs, other, reason):
    result = _gate(runs["base"], runs[other])
    assert result.returncode == 2
    verdict = gate.compare_runs(load_run(runs["base"]), load_run(runs[other]), SETTINGS)
    assert verdict.outcome == "invalid"
    assert any(r.startswith(reason) for r in verdict.reasons), verdict.reasons


def test_epochs_errors_and_nan_pair_by_sample_and_epoch_and_agree_with_the_table(runs):
    base, cand = load_run(runs["epochs_base"]), load_run(runs["epochs_cand"])
    verdict = gate.compare_runs(base, cand, SETTINGS)
    # The gate's scores are the table's.
    assert verdict.baseline_score == pytest.approx(headline(runs["epochs_base"]).score) == 25.0
    # Hand count: candidate s1 is 0 in every epoch, s2 1 in every epoch (it errored in the
    # baseline), s3 and s4 unchanged: per-sample differences -1/3, +1, 0, 0 -> +1/6.
    assert verdict.candidate_score == pytest.approx(100 * (0 + 1 + 1 / 3 + 1 / 3) / 4)
    assert verdict.difference == pytest.approx(100 / 6)
    assert verdict.pairs == 4 and verdict.test.startswith("paired bootstrap (4 samples")


def test_samples_sharing_a_cluster_are_resampled_together(runs):
    base, cand = load_run(runs["clustered_base"]), load_run(runs["clustered_cand"])
    verdict = gate.compare_runs(base, cand, SETTINGS)
    # 0/1 scores, but not independent: the cluster bootstrap, not McNemar.
    assert verdict.test.startswith("paired cluster bootstrap (3 clusters")
    assert verdict.difference == pytest.approx(-100 * 4 / 12)
    # One whole cluster dropped: with 3 clusters the drop is not established.
    assert verdict.outcome == "inconclusive"


def test_missing_and_unreadable_inputs_are_one_line(runs, tmp_path):
    bad = tmp_path / "x.eval"
    bad.write_text("no")
    result = _gate(runs["base"], bad)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "x.eval: not a readable Inspect log" in (
        result.stderr
    )
    result = _gate(runs["base"], tmp_path / "nothing-here")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def _simulate(n: int, drop: float, epochs: int, sims: int, seed: int) -> tuple[float, float]:
    """(share of sims flagged as regression, mean reported MDE) for per-item success rates."""
    rng = np.random.default_rng(seed)
    settings = gate.GateSettings(max_drop=0.0)
    flagged, mdes = 0, []
    clusters = [f"sample:{i}" for i in range(n)]
    for _ in range(sims):
        q = rng.uniform(0.2, 0.8, n)
        b = (rng.random((n, epochs)) < q[:, None]).mean(axis=1)
        c = (rng.random((n, epochs)) < (q - drop)[:, None]).mean(axis=1)
        result = gate.paired_test(list(b), list(c), clusters, epochs == 1, epochs, settings)
        flagged += gate.decide(result, settings)[0] == gate.REGRESSION
        mdes.append(result.mde)
    return flagged / sims, float(np.mean(mdes))


@pytest.mark.slow
@pytest.mark.parametrize("epochs, n", [(1, 300), (3, 150)], ids=["mcnemar", "bootstrap"])
def test_calibration_aa_false_alarms_and_power_at_the_reported_mde(epochs, n):
    alpha = gate.GateSettings().alpha
    false_alarms, mde = _simulate(n, 0.0, epochs, sims=500, seed=11)
    assert false_alarms <= alpha + 0.02
    detected, _ = _simulate(n, mde, epochs, sims=500, seed=12)
    assert detected >= 0.75, (detected, mde)


def test_table_leaderboard_and_gate_agree_on_a_log_with_errors_and_nan(logs):
    from longcat_evals.results import leaderboard as board
    from longcat_evals.results.claims import load_claims

    run = load_run(logs["mixed"])
    table_score = headline(logs["mixed"]).score
    assert table_score == pytest.approx(100 * 2.5 / 6)  # the hand count of test_scoring
    [entry] = board.build([run], load_claims())
    verdict = gate.compare_runs(run, load_run(logs["mixed"]), gate.GateSettings())
    assert entry.score == pytest.approx(table_score, abs=1e-4)
    assert verdict.baseline_score == verdict.candidate_score == pytest.approx(table_score)
    assert verdict.outcome == "pass" and verdict.difference == 0.0
    # The cancelled log: the table marks it, the leaderboard and the gate refuse to judge it.
    cancelled = load_run(logs["cancelled"])
    assert cancelled.headline.progress == "cancelled 4/12"
    refused = gate.compare_runs(cancelled, cancelled, gate.GateSettings())
    assert refused.outcome == "invalid" and "did not finish (cancelled 4/12)" in refused.reasons[0]
