"""Solver steps around the agent: hide routes to the fix; the oracle applies the gold patch."""

from __future__ import annotations

from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from longcat_evals.evals.swe.environment import scrub_command
from longcat_evals.evals.swe.schema import SweInstance

SCRUB_TIMEOUT_SEC = 600
APPLY_TIMEOUT_SEC = 120
GOLD_PATH = "/tmp/.longcat-gold.diff"
# Untracked files the image already had (build products not in .gitignore): not the agent's.
PREEXISTING_KEY = "swe_preexisting_untracked"


class SandboxStepError(RuntimeError):
    """A set-up step failed in the agent's container (an infrastructure error of the sample)."""


def instance_of(state: TaskState) -> SweInstance:
    return SweInstance.model_validate(state.metadata["instance"])


@solver
def hide_future() -> Solver:
    """Drop every ref, remote, tag, reflog and unreachable object but base_commit's history.

    Local images are built that way already; prebuilt official images may carry the fix commit
    (SWE-bench Pro's images fetch it for `before_repo_set_cmd`), so this runs in every sample's
    container before the agent's first command.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        instance = instance_of(state)
        result = await sandbox().exec(scrub_command(instance.workdir), timeout=SCRUB_TIMEOUT_SEC)
        if not result.success:
            raise SandboxStepError(
                f"sample {instance.instance_id}: hiding git history failed: "
                f"{result.stderr.strip()[-300:]}"
            )
        listed = await sandbox().exec(
            ["git", "ls-files", "--others", "--exclude-standard", "-z"],
            cwd=instance.workdir,
            timeout=SCRUB_TIMEOUT_SEC,
        )
        if not listed.success:
            raise SandboxStepError(
                f"sample {instance.instance_id}: listing untracked files failed: {listed.stderr}"
            )
        # Kept in the sample's store (outside the container, out of the agent's reach).
        state.store.set(PREEXISTING_KEY, [f for f in listed.stdout.split("\0") if f])
        return state

    return solve


@solver
def swe_oracle() -> Solver:
    """Apply the instance's gold patch in the agent's container (as an agent would edit files)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        instance = instance_of(state)
        box = sandbox()
        await box.write_file(GOLD_PATH, instance.patch)
        script = f"git apply --verbose {GOLD_PATH}; code=$?; rm -f {GOLD_PATH}; exit $code"
        result = await box.exec(
            ["bash", "-c", script],
            cwd=instance.workdir,
            timeout=APPLY_TIMEOUT_SEC,
        )
        if not result.success:
            raise SandboxStepError(
                f"sample {instance.instance_id}: gold patch did not apply: {result.stderr[-300:]}"
            )
        return state

    return solve
