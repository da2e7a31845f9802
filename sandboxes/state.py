"""Where the project keeps machine state: the private Docker engine, image build contexts, caches.

One directory, `LONGCAT_STATE_DIR` (default `~/.local/state/longcat-evals`, following XDG), so that
`rm -rf` of it resets every piece of set-up this project ever did on a machine.
"""

from __future__ import annotations

import os
from pathlib import Path

from longcat_evals.errors import UserFacingError

STATE_ENV = "LONGCAT_STATE_DIR"


def state_dir() -> Path:
    """The project's state directory, created on first use."""
    explicit = os.environ.get(STATE_ENV)
    if explicit:
        path = Path(explicit).expanduser()
    else:
        xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        path = Path(xdg) / "longcat-evals"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        hint = f"set {STATE_ENV} to a writable directory"
        hint = hint if explicit else f"make it writable or {hint}"
        raise UserFacingError(
            f"state directory {path} cannot be created ({e.strerror or e}): {hint}"
        ) from None
    return path.resolve()
