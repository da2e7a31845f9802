"""The scoring rule on real Inspect logs, checked against hand counts and Inspect's own figure."""

from __future__ import annotations

import pytest
from inspect_ai.log import read_eval_log, write_eval_log

from longcat_evals.results import stats
from longcat_evals.results.logs import ResultsError, find_logs
from longcat_evals.results.scoring import headline
from longcat_evals.results.table import markdown_table


def test_errors_and_unscored_count_as_zero_and_inspects_figure_is_shown(logs):
    row = headline(logs["mixed"])
    # Hand count: 1 + 0.5 + 1 (C) + 0 (NaN) + 0 + 0 (error) over 6 samples.
    assert (row.samples, row.errors, row.unscored) == (6, 1, 1)
    assert row.score == pytest.approx(100 * 2.5 / 6)
    # Inspect: mean over the 4 attempts with a score, as `inspect view` shows.
    log = read_eval_log(str(logs["mixed"]))
    assert log.results.scores[0].metrics["mean"].value == pytest.approx(2.5 / 4)
    assert row.inspect.value == pytest.approx(2.5 / 4) and row.inspect.scored == 4
    assert row.inspect.note == (
        "Inspect leaves out 1 errored and 1 NaN attempt(s); we count them as 0"
    )
    assert row.complete and row.progress == "success"


def test_epochs_are_a_per_sample_mean_with_intervals_over_samples(logs):
    row = headline(logs["epochs"])
    assert (row.samples, row.epochs, row.run, row.planned) == (4, 3, 12, 12)
    # s1, s3, s4: (1 + 0 + 0) / 3; s2: errored every epoch -> 0. Mean 0.25.
    assert row.score == pytest.approx(25.0)
    assert (row.errors, row.unscored) == (3, 3)
    # The interval is over the 4 samples, not the 12 attempts.
    low, high = stats.wilson(0.25, 4)
    assert (row.ci_low, row.ci_high) == pytest.approx((100 * low, 100 * high))
    # Inspect reduces each sample over its scored epochs (1, 0 -> 0.5) and drops s2.
    assert row.inspect.value == pytest.approx(0.5) and row.inspect.scored == 3
    # pass@k of 0/1 scores: s1, s3, s4 pass 1 of 3 epochs, s2 none.
    assert row.pass_at_k[1] == pytest.approx(25.0)
    assert row.pass_at_k[3] == pytest.approx(75.0)
    assert row.pass_at_k[2] == pytest.approx(100 * 3 * (1 - 1 / 3) / 4)


def test_intervals_behave_at_100_percent_and_small_n(logs):
    row = headline(logs["perfect"])
    assert row.score == 100.0 and row.ci_method == "wilson"
    # Wilson at 2/2: a real width (the normal approximation gave +-0 here, and +-98 at 1/2).
    assert row.ci_high == 100.0 and 30 < row.ci_low < 40
    low, high = stats.wilson(0.0, 2)
    assert low == 0.0 and 0.6 < high < 0.7
    low, high = stats.wilson(0.5, 2)
    assert 0.05 < low < 0.1 and 0.9 < high < 0.95


def test_shared_clusters_widen_the_interval(logs):
    clustered, iid = headline(logs["clustered"]), headline(logs["iid"])
    assert clustered.score == iid.score == 50.0
    assert "clustered(2 clusters" in clustered.ci_method and clustered.clusters == 2
    assert clustered.ci_high - clustered.ci_low > iid.ci_high - iid.ci_low


def test_a_cancelled_run_is_marked_with_attempts_run_of_planned(logs):
    row = headline(logs["cancelled"])
    # SIGINT while s5 ran: s1-s4 finished, s5 was cancelled (not an error, not run).
    assert (row.status, row.run, row.planned, row.samples, row.errors) == ("cancelled", 4, 12, 4, 0)
    assert not row.complete and row.progress == "cancelled 4/12"
    text = markdown_table([row])
    assert "cancelled 4/12" in text and "did not finish" in text


def test_a_killed_run_is_marked_too(logs):
    row = headline(logs["killed"])
    assert row.status == "started" and row.planned == 12 and row.run < 12
    assert row.progress == f"started {row.run}/12"
    assert row.inspect.value is None


def test_a_tampered_headline_is_a_mismatch(logs, tmp_path):
    log = read_eval_log(str(logs["mixed"]))
    log.results.scores[0].metrics["mean"].value = 0.9
    path = tmp_path / "2026-01-01T00-00-00+00-00_tiny_tampered.eval"
    write_eval_log(log, str(path))
    assert headline(path).inspect.note.startswith("MISMATCH: our recomputation")


def test_logs_are_found_recursively(logs):
    found = find_logs([logs["root"]])
    names = {p.parent.name for p in found}
    assert {"a", "nested", "b", "c", "d", "e", "f"} <= names


def test_empty_dirs_and_non_logs_are_one_line(tmp_path):
    with pytest.raises(ResultsError, match="No Inspect logs"):
        find_logs([tmp_path])
    bad = tmp_path / "notes.eval"
    bad.write_text("not a zip")
    with pytest.raises(ResultsError, match="notes.eval: not a readable Inspect log"):
        headline(bad)
