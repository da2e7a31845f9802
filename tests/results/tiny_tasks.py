"""Tiny real Inspect tasks whose logs exercise the results code (no model call, no container).

`values` gives each sample's score per epoch: comma-separated samples, `/`-separated epochs;
`nan` is a NaN score (Inspect's "could not be scored"), `C`/`I` are Inspect's letter scores.
Samples named in `fail` raise in the solver (an errored sample). The sample named in `stop_at`
writes `marker` and then waits, so a test can interrupt the run at a known point (only while
`marker` does not exist yet, so a resumed run finishes).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import Score, Target, mean, scorer, stderr
from inspect_ai.solver import Generate, TaskState, solver


def _value(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


@solver
def act(fail: str = "", stop_at: str = "", marker: str = ""):
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        if state.sample_id in fail.split(","):
            raise RuntimeError("sandbox died")
        # Only the first time: a resumed run gets past this sample.
        if stop_at and state.sample_id == stop_at and not Path(marker).exists():
            Path(marker).write_text("reached")
            await asyncio.sleep(600)
        return state

    return solve


@scorer(metrics=[mean(), stderr()])
def listed_values(offline: str = "", tampered: str = ""):
    """OFFLINE / TAMPERED: sample ids whose score metadata says so, as the families write it."""

    async def score(state: TaskState, target: Target) -> Score:
        epochs = state.metadata["values"]
        meta = {}
        if state.sample_id in offline.split(","):
            meta["grading_network"] = "offline"  # as evals/swe/scorer.py records it
        if state.sample_id in tampered.split(","):
            meta["tamper"] = ["a leftover process rewrote the reward"]  # as evals/terminal
        value = _value(epochs[(state.epoch - 1) % len(epochs)])
        return Score(value=value, metadata=meta or None)

    return score


@task
def tiny(
    values: str | list = "1",
    fail: str = "",
    stop_at: str = "",
    marker: str = "",
    clusters: str = "",
    version: int = 1,
    prefix: str = "s",
    limit: int | None = None,
    offline: str = "",
    tampered: str = "",
) -> Task:
    # `inspect eval -T values=1,0` arrives as a list (Inspect splits commas), in-process as text.
    per_sample = [str(v) for v in values] if isinstance(values, list) else str(values).split(",")
    cluster_of = str(clusters).split(",") if clusters else []
    samples = [
        Sample(
            id=f"{prefix}{i}",
            input="x",
            metadata={
                "values": v.split("/"),
                **({"cluster": cluster_of[i - 1]} if cluster_of else {}),
            },
        )
        for i, v in enumerate(per_sample, 1)
    ]
    return Task(
        dataset=samples[:limit] if limit else samples,
        solver=act(str(fail or ""), str(stop_at or ""), str(marker or "")),
        scorer=listed_values(str(offline or ""), str(tampered or "")),
        fail_on_error=False,
        version=version,
    )
