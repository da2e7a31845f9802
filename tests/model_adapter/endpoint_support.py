"""Shared pieces of the endpoint tests: a tool, a tiny task, an eval runner."""

from __future__ import annotations

from pathlib import Path

from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog
from inspect_ai.scorer import includes
from inspect_ai.solver import generate, use_tools
from inspect_ai.tool import tool

MODEL = "longcat/LongCat-2.0"


@tool
def add():
    async def execute(x: int, y: int) -> str:
        """Add two integers.

        Args:
            x: First addend.
            y: Second addend.
        """
        return str(x + y)

    return execute


def tool_task(samples: int = 1) -> Task:
    return Task(
        dataset=[Sample(id=f"s{i}", input="What is 1 + 2?", target="3") for i in range(samples)],
        solver=[use_tools(add()), generate()],
        scorer=includes(),
    )


def run_eval(
    task: Task,
    base_url: str,
    log_dir: Path,
    max_retries: int = 3,
    max_connections: int | None = None,
    **model_args: object,
) -> EvalLog:
    [log] = eval(
        task,
        model=MODEL,
        model_base_url=base_url,
        model_args={"retry_backoff_s": 0.01, **model_args},
        log_dir=str(log_dir),
        max_retries=max_retries,
        max_connections=max_connections,
        display="none",
        fail_on_error=False,
    )
    return log
