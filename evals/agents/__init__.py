"""Agents shared by every family, chosen by name with the task option `-T agent=...`.

- `default`: Inspect's `react` with bash, python and text-editor tools (per-command timeout,
  bash/python output truncated in the middle past `max_output_chars`).
- `mini`: a bash-only agent in the spirit of mini-swe-agent (one ```bash block per turn, no tool
  calling; see `mini.py`).
- `null`: does nothing; every shipped environment must score 0 with it.
- `oracle`: the family's reference solution (gold patch, solve.sh, the true answer); each family
  passes its own oracle solver to `resolve_agent`, and it must score 100 on every shipped sample.
"""

from __future__ import annotations

from inspect_ai.agent import as_solver, react
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.tool import text_editor

from longcat_evals.evals.agents.mini import mini_agent
from longcat_evals.evals.agents.tools import truncating_bash, truncating_python
from longcat_evals.evals.options import (
    AGENT_NAMES,
    DEFAULT_COMMAND_TIMEOUT_SEC,
    DEFAULT_MAX_OUTPUT_CHARS,
    AgentName,
    agent_name,
)

__all__ = [
    "AGENT_NAMES",
    "DEFAULT_COMMAND_TIMEOUT_SEC",
    "DEFAULT_MAX_OUTPUT_CHARS",
    "AgentName",
    "default_agent",
    "mini_agent",
    "null_agent",
    "resolve_agent",
]


@solver
def null_agent() -> Solver:
    """Do nothing: no model call, no command. Validates that environments are not pre-solved."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return state

    return solve


@solver
def default_agent(
    command_timeout_sec: int = DEFAULT_COMMAND_TIMEOUT_SEC,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    editor: bool = True,
) -> Solver:
    """Inspect's ReAct agent with bash, python and text-editor tools in the sample's sandbox.

    Args:
        command_timeout_sec: Wall-clock limit of one bash/python/editor call.
        max_output_chars: bash/python output longer than this is truncated in the middle.
        editor: Offer Inspect's text editor tool (it injects a helper binary into the sandbox).
    """
    tools = [
        truncating_bash(command_timeout_sec, max_output_chars),
        truncating_python(command_timeout_sec, max_output_chars),
    ]
    if editor:
        tools.append(text_editor(timeout=command_timeout_sec))
    return as_solver(react(tools=tools))


def resolve_agent(
    name: AgentName | None, *, oracle: Solver | None = None, task: str = "task", **options
) -> Solver:
    """The solver for agent NAME; `oracle` must be supplied by the family that has one.

    Tasks validate NAME up front with `task_options(...)`; this checks it again (one line) for
    callers that build solvers directly.
    """
    offered = AGENT_NAMES if oracle is not None else tuple(a for a in AGENT_NAMES if a != "oracle")
    name = agent_name(name, task, offered)
    if name == "default":
        return default_agent(**options)
    if name == "mini":
        return mini_agent(**options)
    if name == "null":
        return null_agent()
    assert oracle is not None and name == "oracle", name
    return oracle
