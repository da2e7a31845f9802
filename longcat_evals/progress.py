"""How the project reports long work (see "Logging" in docs/DESIGN.md).

- Progress of long work (engine install, image builds, sample building, model conversion) goes to
  a `log: Progress` parameter whose default is `progress`: one flushed line on stderr, shown by
  `inspect eval` at any `--log-level` (Inspect reports its own sandbox set-up the same way: it
  prints "Service ...: using local image" and lets `docker compose build` write to the
  terminal). The `longcat-evals` CLI passes its console's printer; tests pass a silent one.
- What the user should know about a run (a limit not enforced, a sample that will error, a length
  skipped) is a `logging` warning of the module's logger: `inspect eval` shows warnings at its
  default level (and records those of a running eval in its log); elsewhere Python prints them
  on stderr.
- Details are `logger.info`/`logger.debug` (`inspect eval --log-level info` shows them).
- What a command produces (a table, a JSON document) goes to stdout.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

Progress = Callable[[str], None]
"""Where a function that does long work reports each step."""


def progress(message: str) -> None:
    """One line of progress on stderr, flushed at once (long work must not look hung)."""
    print(message, file=sys.stderr, flush=True)
