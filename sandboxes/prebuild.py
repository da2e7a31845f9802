"""Per-sample image builds whose failure errors only that sample.

Inspect builds compose images in `task_init`, so one broken Dockerfile would fail the whole task.
Families instead build their images when the dataset is made (`prebuild`): a failure is recorded
in the sample's metadata, the sample gets a harmless stand-in image, and `require_sandbox()` (the
first solver step) raises the one-line build error, so that sample errors and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable

from inspect_ai.solver import Generate, Solver, TaskState, solver

from longcat_evals.sandboxes.errors import SandboxSetupError

BUILD_ERROR_KEY = "sandbox_build_error"


def prebuild(build: Callable[[], str], fallback: Callable[[], str]) -> tuple[str, str | None]:
    """Run BUILD (returns an image tag); on failure return (FALLBACK(), the error's message)."""
    try:
        return build(), None
    except SandboxSetupError as e:
        return fallback(), str(e)


@solver
def require_sandbox() -> Solver:
    """Error the sample (not the task) when its environment could not be built."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        message = (state.metadata or {}).get(BUILD_ERROR_KEY)
        if message:
            raise SandboxSetupError(f"sample {state.sample_id}: {message}")
        return state

    return solve
