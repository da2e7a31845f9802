"""Tools for the shared agents: Inspect's bash/python with output truncation, plus the editor."""

from __future__ import annotations

from inspect_ai.tool import Tool, ToolDef, bash, python

from longcat_evals.evals.options import DEFAULT_MAX_OUTPUT_CHARS


def truncate(text: str, max_chars: int) -> str:
    """Keep the head and tail of TEXT within MAX_CHARS, saying how much was cut in between."""
    if max_chars <= 0 or len(text) <= max_chars:
        return text
    head = max_chars // 2
    tail = max_chars - head
    cut = len(text) - max_chars
    return (
        f"{text[:head]}\n[... {cut} characters truncated; narrow the command, e.g. with "
        f"head, tail or grep ...]\n{text[-tail:]}"
    )


def truncating_bash(timeout_sec: int, max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS) -> Tool:
    """Inspect's bash tool (per-command timeout) with its output truncated to MAX_OUTPUT_CHARS."""
    inner = bash(timeout=timeout_sec)

    async def execute(command: str) -> str:
        return truncate(str(await inner(command)), max_output_chars)

    return ToolDef(
        execute,
        name="bash",
        description=(
            f"Run a bash command in the task's container and return its output (stderr first). "
            f"Each command is killed after {timeout_sec} s; outputs over {max_output_chars} "
            "characters are truncated in the middle. Start long-running work in the background."
        ),
        parameters={"command": "The bash command to execute."},
    ).as_tool()


def truncating_python(timeout_sec: int, max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS) -> Tool:
    """Inspect's python tool (per-command timeout) with its output truncated."""
    inner = python(timeout=timeout_sec)

    async def execute(code: str) -> str:
        return truncate(str(await inner(code)), max_output_chars)

    return ToolDef(
        execute,
        name="python",
        description=(
            "Run a Python program in the task's container (a fresh `python3` process: print() "
            f"what you need). Killed after {timeout_sec} s; long output is truncated."
        ),
        parameters={"code": "The Python code to execute."},
    ).as_tool()
