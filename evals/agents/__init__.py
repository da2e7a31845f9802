"""Agents shared by every family, chosen by name with the task option `-T agent=...`.

- `default`: Inspect's `react` with a bash tool (per-command timeout).
- `null`: does nothing; every shipped environment must score 0 with it.
- `oracle`: the family's reference solution (gold patch, solve.sh, the true answer); each family
  passes its own oracle solver to `resolve_agent`, and it must score 100 on every shipped sample.
"""

from __future__ import annotations

from inspect_ai.agent import as_solver, react
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import bash

AGENT_NAMES = ("default", "oracle", "null")
DEFAULT_COMMAND_TIMEOUT_SEC = 180


@solver
def null_agent() -> Solver:
    """Do nothing: no model call, no command. Validates that environments are not pre-solved."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return state

    return solve


@solver
def default_agent(command_timeout_sec: int = DEFAULT_COMMAND_TIMEOUT_SEC) -> Solver:
    """Inspect's ReAct agent with a bash tool in the sample's sandbox.

    Args:
        command_timeout_sec: Wall-clock limit of one bash command.
    """
    return as_solver(react(tools=[bash(timeout=command_timeout_sec)]))


def resolve_agent(name: str, *, oracle: Solver | None = None, **options) -> Solver:
    """The solver for agent NAME; `oracle` must be supplied by the family that has one."""
    if name == "default":
        return default_agent(**options)
    if name == "null":
        return null_agent()
    if name == "oracle":
        if oracle is None:
            raise ValueError("This task has no oracle agent (known: default, null)")
        return oracle
    raise ValueError(f"Unknown agent '{name}' (known: {', '.join(AGENT_NAMES)})")
