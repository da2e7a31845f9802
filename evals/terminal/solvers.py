"""The terminal family's oracle (the task's reference solution) and the agent-timeout wrapper."""

from __future__ import annotations

from pathlib import Path

from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import LimitExceededError, sandbox, time_limit

from longcat_evals.evals.terminal.network import failure_evidence
from longcat_evals.evals.terminal.transfer import copy_in

SOLUTION_DIR = "/solution"


@solver
def terminal_oracle(timeout_multiplier: float = 1.0) -> Solver:
    """Run the task's reference solution in the container (solution/solve.sh or 1.x solution).

    The solution enters the container only now, during the agent's turn, exactly as Harbor's
    oracle agent does; the tests are still absent. A missing solution errors the sample.

    Args:
        timeout_multiplier: Factor applied to the task's agent timeout.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        meta = state.metadata
        if meta.get("solution_dir"):
            await copy_in({".": Path(meta["solution_dir"])}, SOLUTION_DIR)
            script = f"{SOLUTION_DIR}/solve.sh"
        elif meta.get("solution_script"):
            await sandbox().exec(["mkdir", "-p", SOLUTION_DIR], user="root")
            await sandbox().write_file(f"{SOLUTION_DIR}/solution.sh", meta["solution_script"])
            script = f"{SOLUTION_DIR}/solution.sh"
        else:
            missing = "solution/solve.sh" if meta["format"] == "harbor" else "solution.sh"
            raise ValueError(
                f"terminal task '{state.sample_id}': {missing}: missing, so the oracle agent "
                "cannot run; use another agent for this task"
            )
        try:
            result = await sandbox().exec(
                ["bash", script],
                cwd=meta["workdir"],
                env=meta.get("solution_env") or {},
                timeout=int(meta["agent_timeout_sec"] * timeout_multiplier),
            )
        except TimeoutError:
            meta["agent_timed_out"] = True
            return state
        meta["oracle_exit_code"] = result.returncode
        meta["oracle_output_tail"] = (result.stdout + result.stderr)[-2000:]
        # A solution that downloads what it needs fails offline; the verifier then reports
        # "needs network" for that run instead of a 0 that would fault the task.
        meta["oracle_network_evidence"] = failure_evidence(result.stdout + result.stderr)
        return state

    return solve


@solver
def agent_time_limit(agent: Solver, timeout_multiplier: float = 1.0) -> Solver:
    """Stop AGENT after the task's agent timeout; verification still runs afterwards.

    Args:
        agent: The agent to run.
        timeout_multiplier: Factor applied to the task's agent timeout.
    """

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        limit = state.metadata["agent_timeout_sec"] * timeout_multiplier
        try:
            with time_limit(limit):
                state = await agent(state, generate)
        except LimitExceededError as ex:
            # As in Harbor, a stopped agent's work is still verified; we record which limit
            # stopped it (a message or token limit is not a timeout; ex.type names it).
            state.metadata["agent_timed_out"] = ex.type in ("time", "working")
            state.metadata["agent_limit"] = ex.type
        return state

    return solve
