"""Reward files (Harbor) and pytest reports (1.x): precedence, edge cases, clamping."""

from __future__ import annotations

import math

from longcat_evals.evals.terminal import rewards


def test_reward_txt():
    verdict = rewards.harbor("1\n", None, 0)
    assert verdict.value == 1.0 and verdict.details["reward_source"] == "reward.txt"
    assert rewards.harbor("0.25", None, 1).value == 0.25


def test_reward_txt_wins_over_json():
    verdict = rewards.harbor("0", '{"reward": 1}', 0)
    assert verdict.value == 0.0
    assert "reward.txt takes precedence" in verdict.explanation
    assert verdict.details["reward_json"] == '{"reward": 1}'


def test_reward_json_named():
    assert rewards.harbor(None, '{"reward": 0.75, "style": 0.1}', 0).value == 0.75
    verdict = rewards.harbor(None, '{"correct": 1, "fast": 0}', 0)
    assert verdict.value == 0.5 and verdict.details["rewards"] == {"correct": 1.0, "fast": 0.0}
    assert rewards.harbor(None, "0.4", 0).value == 0.4


def test_clamped():
    assert rewards.harbor("7", None, 0).value == 1.0
    assert rewards.harbor(None, '{"reward": -2}', 0).value == 0.0


def test_unscorable():
    for txt, js in [
        (None, None),
        ("", None),
        ("pass", None),
        ("nan", None),
        (None, "{}"),
        (None, "[1, 2]"),
        (None, "not json"),
        (None, '{"reward": true}'),
    ]:
        verdict = rewards.harbor(txt, js, 2)
        assert math.isnan(verdict.value) and not verdict.scored, (txt, js)
    neither = rewards.harbor(None, None, 2)
    assert "No reward file at /logs/verifier/reward.txt or reward.json" in neither.explanation
    assert "exit code 2" in neither.explanation


PYTEST_OUTPUT = """\
============================= test session starts ==============================
collected 3 items

../tests/test_outputs.py .F.                                             [100%]

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
========================= 1 failed, 2 passed in 0.05s ==========================
"""


def test_pytest_report():
    verdict = rewards.pytest_report(PYTEST_OUTPUT, 1)
    assert verdict.value == 0.0 and "test_b" in verdict.explanation
    passing = PYTEST_OUTPUT.replace(
        "FAILED ../tests/test_outputs.py::test_b - assert False",
        "PASSED ../tests/test_outputs.py::test_b",
    )
    assert rewards.pytest_report(passing, 0).value == 1.0
    # Lines above the summary (e.g. a test printing "PASSED x") are not results.
    noisy = "PASSED fake::test\n" + PYTEST_OUTPUT.split("=== short")[0]
    assert math.isnan(rewards.pytest_report(noisy, 1).value)
    assert math.isnan(rewards.pytest_report("bash: pytest: command not found\n", 127).value)
