"""Finding and reading Inspect logs: recursively, one clear line per file that is not a log."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from inspect_ai.log import EvalLog, read_eval_log

from longcat_evals.errors import UserFacingError

# Inspect names its logs `<ISO time>_<task>_<id>.eval|json`; other JSON files in a log dir (an
# eval set's logs.json, plot summaries) are not logs.
_JSON_LOG_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d-]+.*_[A-Za-z0-9]+\.json$")


class ResultsError(UserFacingError):
    """A results input (log, log dir, claims file) that cannot be used."""


def find_logs(inputs: Iterable[str | Path]) -> list[Path]:
    """The Inspect logs of INPUTS: files as given, directories searched recursively.

    Raises ResultsError (one line) when an input does not exist or nothing was found.
    """
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = [
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and (p.suffix == ".eval" or _JSON_LOG_NAME.match(p.name))
            ]
            paths += found
        elif path.is_file():
            paths.append(path)
        else:
            raise ResultsError(f"{path}: no such file or directory")
    if not paths:
        names = ", ".join(str(i) for i in inputs)
        raise ResultsError(
            f"No Inspect logs (*.eval, or Inspect-named *.json) in {names}: "
            "run `inspect eval ...` (or `longcat-evals demo`) first, or pass the log dir"
        )
    return paths


def read_log(path: Path, header_only: bool = False) -> EvalLog:
    """An Inspect log; a file that is not one (or is truncated) is one ResultsError line."""
    try:
        return read_eval_log(str(path), header_only=header_only)
    except Exception as e:  # noqa: BLE001 - any unreadable file becomes one line
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise ResultsError(
            f"{path}: not a readable Inspect log ({type(e).__name__}: {first}); "
            "pass .eval/.json logs written by `inspect eval`"
        ) from None
