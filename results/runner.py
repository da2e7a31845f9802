"""Run a suite of `inspect eval`s and turn their logs into headline rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from inspect_ai import eval as inspect_eval

from longcat_evals.evals.suite import SuiteEntry
from longcat_evals.results.scoring import Headline, headline


def run_suite(
    entries: Sequence[SuiteEntry], log_dir: Path, log: Callable[[str], None] = print
) -> list[Headline]:
    """Evaluate every entry (one Inspect eval each) and apply the scoring rule to its log."""
    rows: list[Headline] = []
    for number, entry in enumerate(entries, 1):
        options = " ".join(f"-T {k}={v}" for k, v in entry.args.items())
        log(f"[{number}/{len(entries)}] inspect eval {entry.task} {options} --model {entry.model}")
        logs = inspect_eval(
            entry.task, model=entry.model, task_args=entry.args, log_dir=str(log_dir)
        )
        # Re-read from disk: the scoring rule applies to what `inspect view` shows.
        rows += [headline(result.location) for result in logs]
    return rows
