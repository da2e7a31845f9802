"""An Inspect task for the bundle round trip: its image and data file come from a bundle."""

from __future__ import annotations

from pathlib import Path

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import Score, Target, accuracy, scorer
from inspect_ai.solver import Generate, TaskState, solver
from inspect_ai.util import sandbox

from longcat_evals.sandboxes.compose import docker_sandbox

MARKER = "/opt/bundle-marker"


@solver
def read_marker():
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = await sandbox().exec(["cat", MARKER], timeout=60)
        state.metadata["marker"] = result.stdout.strip() if result.success else None
        return state

    return solve


@scorer(metrics=[accuracy()])
def marker_matches():
    async def score(state: TaskState, target: Target) -> Score:
        return Score(value=1.0 if state.metadata.get("marker") == target.text else 0.0)

    return score


@task
def bundled(image: str, data_file: str) -> Task:
    """One sample per line of DATA_FILE (`id<TAB>expected marker`), in IMAGE with no network."""
    samples = [
        Sample(
            id=line.split("\t")[0],
            input="read",
            target=line.split("\t")[1],
            sandbox=docker_sandbox(image),
        )  # fmt: skip
        for line in Path(data_file).read_text().splitlines()
        if line.strip()
    ]
    return Task(dataset=samples, solver=read_marker(), scorer=marker_matches())
