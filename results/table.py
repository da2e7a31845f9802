"""Result tables: a rich table for the terminal and Markdown to paste into reports."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from longcat_evals.results.scoring import MEAN_METRICS, Headline
from longcat_evals.results.stats import METHODS

COLUMNS = (
    "task",
    "agent",
    "model",
    "samples",
    "score",
    "95% CI",
    "CI method",
    "epochs",
    "status",
    "errors",
    "unscored",
    "pass@k",
    "Inspect",
    "Inspect vs ours",
    "flags",
)
TEXT_COLUMNS = ("task", "agent", "model", "CI method", "status", "Inspect vs ours", "flags")


def inspect_cell(row: Headline) -> str:
    figure = row.inspect
    if figure.value is None:
        return "-"
    value = 100 * figure.value if figure.metric in MEAN_METRICS else figure.value
    scored = f", n={figure.scored}" if figure.scored is not None else ""
    return f"{value:.1f} ({figure.metric}{scored})"


def _cells(row: Headline) -> list[str]:
    pass_k = ", ".join(f"@{k} {v:.1f}" for k, v in row.pass_at_k.items()) or "-"
    return [
        row.task,
        row.agent,
        row.model,
        str(row.samples),
        f"{row.score:.1f}",
        f"{row.ci_low:.1f}–{row.ci_high:.1f}",
        row.ci_method,
        str(row.epochs),
        row.progress,
        str(row.errors),
        str(row.unscored),
        pass_k,
        inspect_cell(row),
        row.inspect.note,
        ", ".join(row.flags) or "-",
    ]


def legend(rows: Sequence[Headline]) -> list[str]:
    """Notes under a table: the rule, the interval methods used, incomplete runs."""
    notes = [
        "score: 0-100, mean over samples of the per-sample mean over epochs; errored and "
        "unscored attempts count as 0 (Inspect leaves them out of its own figure)."
    ]
    used = {row.ci_method.split()[0] for row in rows}
    used |= {"clustered" for row in rows if "clustered" in row.ci_method}
    notes += [f"{name}: {METHODS[name]}" for name in METHODS if name in used]
    unfinished = [row for row in rows if not row.complete]
    if unfinished:
        notes.append(
            f"{len(unfinished)} run(s) did not finish (status run/planned attempts): their "
            "score covers only the attempts that ran."
        )
    return notes


def rich_table(rows: Sequence[Headline], title: str = "Results (0–100)") -> Table:
    table = Table(title=title, caption="\n".join(legend(rows)), caption_justify="left")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in TEXT_COLUMNS else "right")
    for row in rows:
        style = "red" if row.errors or not row.complete else None
        table.add_row(*_cells(row), style=style)
    return table


def print_table(rows: Sequence[Headline], title: str = "Results (0–100)", console=None) -> None:
    console = console or Console()
    if not console.is_terminal:
        # Piped into a file or CI log: never truncate names to rich's 80-column default.
        console.width = max(console.width, 260)
    console.print(rich_table(rows, title))


def markdown_table(rows: Sequence[Headline]) -> str:
    """GitHub-flavoured Markdown with the legend as a footnote list."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(row)) + " |" for row in rows]
    lines += [""] + [f"- {note}" for note in legend(rows)]
    return "\n".join(lines) + "\n"
