"""SIGTERM (and SIGHUP) interrupt a run the way Ctrl-C does.

Inspect handles SIGINT well: the event loop's handler cancels the eval, every sample's sandbox
is torn down (`compose down`), and the log is written with the samples that finished. SIGTERM
(`kill`, `timeout`, a batch scheduler, a closing container) and SIGHUP (a closed terminal) have
Python's default action instead, which ends the process at once: running containers were left
behind and finished samples never reached the log. `forward_to_sigint()` makes both call
whatever SIGINT handler is current when they arrive (asyncio's, trio's or Python's default), so
a second SIGTERM escalates exactly like a second Ctrl-C.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

FORWARDED = (signal.SIGTERM, signal.SIGHUP)


def _as_sigint(signum: int, frame: FrameType | None) -> None:
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:
        # SIGINT ignored (a run started in the background by a non-interactive shell, or under
        # nohup) must not make SIGTERM a no-op: stop the way Ctrl-C would.
        raise KeyboardInterrupt


def forward_to_sigint() -> list[int]:
    """Install the forwarding for signals still at their default action; returns those set.

    A disposition someone chose (nohup's ignored SIGHUP, an application's own SIGTERM handler)
    is kept. Signal handlers can only be set from the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return []
    installed = []
    for signum in FORWARDED:
        if signal.getsignal(signum) in (signal.SIG_DFL, _as_sigint):
            signal.signal(signum, _as_sigint)
            installed.append(signum)
    return installed
