"""Scoring rules on edge cases: RULER matching, exact answers with decoys, MRCR prefix."""

from __future__ import annotations

from longcat_evals.evals.long_context.scorers import (
    contains_token,
    exact_value,
    mrcr_value,
    ruler_values,
)
from longcat_evals.results.long_context_plot import effective_length


def test_ruler_fraction_and_all_match():
    refs = ["1234567", "7654321", "5555555", "1111111"]
    assert ruler_values("1234567 and 7654321", refs) == (0.5, False)
    assert ruler_values("1111111, 5555555, 7654321, 1234567", refs) == (1.0, True)
    assert ruler_values("", refs) == (0.0, False)


def test_whole_token_matching():
    assert contains_token("The answer is 1234567.", "1234567")
    assert not contains_token("12345678", "1234567")  # not inside a longer number
    assert contains_token("WORD, other", "word")  # case-insensitive
    assert not contains_token("swordfish", "word")
    assert contains_token(
        "id 3041966c-9e30-4309-98f5-25265e72f53f!", "3041966c-9e30-4309-98f5-25265e72f53f"
    )


def test_exact_value_rejects_decoys_and_lists():
    assert exact_value("The special magic number is 1234567.", "1234567", "needle")
    assert exact_value("1,234,567", "1234567", "needle")
    assert not exact_value("1234567 or 7654321", "1234567", "needle")
    assert not exact_value("", "1234567", "needle")
    assert exact_value("The value is 3957.", "3957", "number")
    assert not exact_value("3957 or 3958", "3957", "number")
    assert exact_value("`gilded_designate`", "gilded_designate", "identifier")
    assert exact_value("The function is gilded_designate(a, b).", "gilded_designate", "identifier")
    assert not exact_value("gilded_designate or hole_trite", "gilded_designate", "identifier")


def test_mrcr_requires_the_prefix_then_grades_similarity():
    target = "AbC123xyZ9" + "Line one\nLine two\n"
    assert mrcr_value(target, target, "AbC123xyZ9") == 1.0
    assert mrcr_value("AbC123xyZ9\nLine one\nLine two", target, "AbC123xyZ9") == 1.0
    assert mrcr_value("Line one\nLine two", target, "AbC123xyZ9") == 0.0
    partial = mrcr_value("AbC123xyZ9 Line one", target, "AbC123xyZ9")
    assert 0.3 < partial < 1.0


def test_effective_length_is_the_longest_passing_prefix():
    assert effective_length({4096: 100, 8192: 90, 16384: 80, 32768: 95}) == 8192
    assert effective_length({4096: 85.6, 8192: 85.5}) == 4096
    assert effective_length({4096: 50}) is None
    assert effective_length({4096: 99, 1048576: 86}) == 1048576
