"""Scorers: exact answers (niah, repo_retrieval), RULER matching, MRCR similarity.

Inspect's `includes()` passes when ANY target occurs; RULER needs the fraction of ALL references
found (or all of them), so `ruler_match` checks each reference on its own.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState


def contains_token(text: str, ref: str) -> bool:
    """REF occurs in TEXT as a whole token (case-insensitive; not inside a longer word/number)."""
    return re.search(rf"(?<![\w-]){re.escape(ref)}(?![\w-])", text, re.IGNORECASE) is not None


def ruler_values(answer: str, refs: list[str]) -> tuple[float, bool]:
    """(fraction of REFS found in ANSWER, whether all were found)."""
    found = [contains_token(answer, r) for r in refs]
    return (sum(found) / len(found) if found else 0.0), (bool(found) and all(found))


@scorer(metrics=[mean(), stderr()])
def ruler_match(match: str | None = None) -> Scorer:
    """RULER scoring: each reference answer is looked for on its own.

    Args:
        match: `fraction` (share of references found: RULER's string_match_all), `all`
            (1 only when every reference is found) or None (each sample's own `match`).
    """

    async def score(state: TaskState, target: Target) -> Score:
        answer = state.output.completion if state.output else ""
        refs = list(state.metadata["answers"])
        fraction, complete = ruler_values(answer, refs)
        mode = match or state.metadata.get("match", "fraction")
        value = fraction if mode == "fraction" else float(complete)
        return Score(
            value=value,
            answer=answer[:500],
            explanation=f"{mode}: found {round(fraction * len(refs))}/{len(refs)} of {refs}",
            metadata={"fraction": fraction, "all": complete, "mode": mode},
        )

    return score


def exact_value(answer: str, target: str, kind: str) -> bool:
    """The answer names TARGET and no other candidate of its kind."""
    if kind == "identifier":
        found = set(re.findall(r"\b[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+\b", answer))
    else:
        found = set(re.findall(r"-?\d+", answer.replace(",", "")))
        if kind == "needle":  # a decoy is another number of the needle's width
            found = {f for f in found if len(f.lstrip("-")) == len(target)}
    return found == {target}


@scorer(metrics=[mean(), stderr()])
def exact_answer() -> Scorer:
    """1 when the answer names the target and no other number (or function name), else 0."""

    async def score(state: TaskState, target: Target) -> Score:
        answer = state.output.completion if state.output else ""
        variant = state.metadata.get("variant")
        kind = {"function": "identifier", "niah": "needle"}.get(variant, "number")
        correct = exact_value(answer, target.text, kind)
        return Score(
            value=1.0 if correct else 0.0,
            answer=answer[:500],
            explanation=f"expected exactly {target.text!r}",
        )

    return score


def mrcr_value(answer: str, target: str, code: str) -> float:
    """0 unless ANSWER starts with CODE; else the similarity ratio of the rest to the target's."""
    answer = answer.strip()
    if not answer.startswith(code):
        return 0.0
    rest = answer[len(code) :].strip()
    return SequenceMatcher(None, rest, target[len(code) :].strip()).ratio()


@scorer(metrics=[mean(), stderr()])
def mrcr_similarity() -> Scorer:
    """MRCR grading: the required prefix, then difflib sequence similarity (0-1)."""

    async def score(state: TaskState, target: Target) -> Score:
        answer = state.output.completion if state.output else ""
        code = state.metadata["code"]
        value = mrcr_value(answer, target.text, code)
        why = (
            "missing required prefix" if value == 0 and not answer.strip().startswith(code) else ""
        )
        return Score(
            value=value, answer=answer[:2000], explanation=why or f"similarity {value:.3f}"
        )

    return score
