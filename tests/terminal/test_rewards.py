"""Reward files (Harbor 0.25) and Terminal-Bench 1.x parsers, one test per rule of the originals."""

from __future__ import annotations

import math

import pytest

from longcat_evals.evals.terminal import rewards


def _nan(verdict: rewards.Verdict) -> bool:
    return math.isnan(verdict.value) and not verdict.scored


# --- Harbor ---------------------------------------------------------------------------------


def test_reward_txt_alone():
    verdict = rewards.harbor("1\n", None, 0)
    assert verdict.value == 1.0 and verdict.details["reward_source"] == "reward.txt"
    assert rewards.harbor(" 0.25 \n", None, 1).value == 0.25
    assert rewards.harbor("1_0", None, 0).value == 10.0  # Python float(), as Harbor parses it


def test_reward_json_wins_over_txt():
    verdict = rewards.harbor("1", '{"reward": 0}', 0)
    assert verdict.value == 0.0 and verdict.details["reward_source"] == "reward.json"
    assert "reward.json takes precedence" in verdict.explanation
    assert verdict.details["reward_txt"] == "1"
    # A broken JSON is not rescued by a valid reward.txt: Harbor never reads the txt then.
    assert _nan(rewards.harbor("1", "not json", 0))
    assert _nan(rewards.harbor("1", "", 0))


def test_reward_json_headline_key():
    both = rewards.harbor(None, '{"style": 0.1, "reward": 0.75}', 0)
    assert both.value == 0.75 and both.details["rewards"] == {"style": 0.1, "reward": 0.75}
    single = rewards.harbor(None, '{"accuracy": 0.4}', 0)
    assert single.value == 0.4 and "accuracy" in single.explanation
    several = rewards.harbor(None, '{"correct": 1, "fast": 0}', 0)
    assert several.value == 1.0  # first key in file order, not the mean
    assert "first of 2 keys" in several.explanation
    assert several.details["rewards"] == {"correct": 1.0, "fast": 0.0}


def test_reward_json_bool_and_empty_object_as_harbor():
    assert rewards.harbor(None, '{"reward": true}', 0).value == 1.0
    empty = rewards.harbor(None, "{}", 0)
    assert empty.value == 0.0 and "Harbor counts it 0" in empty.explanation


def test_rewards_not_clamped():
    assert rewards.harbor("7", None, 0).value == 7.0
    assert rewards.harbor(None, '{"reward": -2}', 0).value == -2.0


@pytest.mark.parametrize(
    "txt, js, why",
    [
        (None, None, "No reward file at /logs/verifier/reward.json or reward.txt"),
        ("", None, "reward.txt is empty"),
        ("\n", None, "reward.txt is not a number"),
        ("pass", None, "reward.txt is not a number"),
        ("nan", None, "reward.txt is not finite"),
        ("inf", None, "reward.txt is not finite"),
        (None, "", "reward.json is empty"),
        (None, "not json", "does not parse as JSON"),
        (None, "0.4", "not an object"),
        (None, "[1, 2]", "not an object"),
        (None, '{"reward": "1"}', "is not a number"),
        (None, '{"reward": NaN}', "is not finite"),
        (None, '{"reward": 1e309}', "is not finite"),
        (None, '{"reward": {"x": 1}}', "is not a number"),
    ],
)
def test_unscorable_as_harbor_errors(txt, js, why):
    verdict = rewards.harbor(txt, js, 2)
    assert _nan(verdict), (txt, js)
    assert why in verdict.explanation
    if txt is None and js is None:
        assert "exit code 2" in verdict.explanation


# --- Terminal-Bench 1.x pytest parser -------------------------------------------------------

PYTEST_OUTPUT = """\
============================= test session starts ==============================
collected 4 items

../tests/test_outputs.py .F.s                                            [100%]

=================================== FAILURES ===================================
___________________________________ test_b ____________________________________
    def test_b():
>       assert False
E       assert False
=========================== short test summary info ============================
PASSED ../tests/test_outputs.py::test_a
FAILED ../tests/test_outputs.py::test_b - assert False
PASSED ../tests/test_outputs.py::test_c
SKIPPED [1] ../tests/test_outputs.py:9: unconditional skip
========================= 1 failed, 2 passed, 1 skipped in 0.05s ===============
"""
PASSING = PYTEST_OUTPUT.replace(
    "FAILED ../tests/test_outputs.py::test_b - assert False",
    "PASSED ../tests/test_outputs.py::test_b",
)


def test_pytest_failed_and_passed():
    failed = rewards.pytest_report(PYTEST_OUTPUT, 1)
    assert failed.value == 0.0 and "test_b" in failed.explanation
    assert failed.details["tests"]["test_b"] == "FAILED"
    passed = rewards.pytest_report(PASSING, 0)
    assert passed.value == 1.0
    # SKIPPED counts as passed in 1.x (its name is the whole rest of the line).
    assert passed.details["tests"]["[1] ../tests/test_outputs.py:9: unconditional skip"] == (
        "SKIPPED"
    )


@pytest.mark.parametrize("status, value", [("XFAIL", 1.0), ("XPASS", 0.0), ("ERROR", 0.0)])
def test_pytest_status_classes(status, value):
    output = PASSING.replace("PASSED ../tests/test_outputs.py::test_c", f"{status} t.py::test_c")
    assert rewards.pytest_report(output, 0).value == value


def test_pytest_no_summary_is_unresolved_zero():
    verdict = rewards.pytest_report("bash: pytest: command not found\n", 127)
    assert verdict.value == 0.0 and verdict.details["failure_mode"] == "parse_error"
    # Result-looking lines above the summary are not results.
    noisy = "PASSED fake::test\n" + PYTEST_OUTPUT.split("=== short")[0]
    assert rewards.pytest_report(noisy, 1).value == 0.0


def test_pytest_first_summary_and_everything_after_it_counts():
    # An early failed run, then a passing one: 1.x reads from the first summary on, so the
    # early failure of test_z (absent from the later run) stays failed.
    early = "=== short test summary info ===\nFAILED t.py::test_z - boom\n=== 1 failed ===\n"
    assert rewards.pytest_report(early + PASSING, 0).value == 0.0
    # The same test passing later overrides its earlier failure (a later line wins).
    rerun = "=== short test summary info ===\nFAILED t.py::test_a - boom\n" + PASSING
    assert rewards.pytest_report(rerun, 0).value == 1.0


def test_pytest_summary_without_results_is_resolved():
    verdict = rewards.pytest_report("==== short test summary info ====\nnothing\n", 0)
    assert verdict.value == 1.0 and verdict.details["tests"] == {}


def test_pytest_failed_description_with_dash_and_colon_status():
    line = "FAILED t.py::test_a - a - b\nPASSED: t.py::test_b\n"
    verdict = rewards.pytest_report("=== Short Test Summary Info ===\n" + line, 1)
    assert verdict.details["tests"] == {"test_a - a": "FAILED", "test_b": "PASSED"}


# --- Terminal-Bench 1.x swebench parser -----------------------------------------------------


def _swe(block: str) -> str:
    return f"log\n{rewards.SWEBENCH_START}\n{block}\n{rewards.SWEBENCH_END}\ntail\n"


def test_swebench_parser():
    assert rewards.swebench_report(_swe("PASSED"), 0).value == 1.0
    assert rewards.swebench_report(_swe("  PASSED  \n"), 0).value == 1.0
    assert rewards.swebench_report(_swe("FAILED"), 0).value == 0.0
    assert rewards.swebench_report(_swe("PASSED\nextra"), 0).value == 0.0
    missing = rewards.swebench_report("SWEBench results starts here\nPASSED\n", 0)
    assert missing.value == 0.0 and missing.details["failure_mode"] == "parse_error"
    # First start marker to the last end marker, as 1.x slices it.
    nested = _swe("PASSED") + _swe("PASSED")
    assert rewards.swebench_report(nested, 0).value == 0.0
    assert rewards.PARSERS["swebench"] is rewards.swebench_report
