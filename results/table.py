"""Result tables: a rich table for the terminal and Markdown to paste into reports."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from longcat_evals.results.scoring import Headline

COLUMNS = ("task", "agent", "model", "samples", "score", "±95% CI", "errors", "unscored")


def _cells(row: Headline) -> list[str]:
    return [
        row.task,
        row.agent,
        row.model,
        str(row.samples),
        f"{row.score:.1f}",
        f"{row.ci95:.1f}",
        str(row.errors),
        str(row.unscored),
    ]


def rich_table(rows: Sequence[Headline], title: str = "Results (0–100)") -> Table:
    table = Table(title=title)
    for column in COLUMNS:
        numeric = column not in ("task", "agent", "model")
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        style = "red" if row.errors else None
        table.add_row(*_cells(row), style=style)
    return table


def print_table(rows: Sequence[Headline], title: str = "Results (0–100)", console=None) -> None:
    console = console or Console()
    if not console.is_terminal:
        # Piped into a file or CI log: never truncate names to rich's 80-column default.
        console.width = max(console.width, 200)
    console.print(rich_table(rows, title))


def markdown_table(rows: Sequence[Headline]) -> str:
    """GitHub-flavoured Markdown; errored/unscored samples are in the score as 0."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"
