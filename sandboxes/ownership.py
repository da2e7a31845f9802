"""Labels that mark what this project's runs create, and who (which live process) owns it.

Every container and network our compose files create carries `org.longcat-evals.sandbox=true`
plus `org.longcat-evals.owner=<host>:<pid>:<start time>` of the process that ran Inspect. The
owner is filled in by compose's own variable interpolation from `LONGCAT_EVALS_OWNER`, which
`claim()` sets in this process's environment (Inspect's `docker compose` calls inherit it), so
the content-addressed compose files stay shared between runs. `longcat-evals cleanup` removes
only labelled things whose owner process is gone: a concurrent live run, another user's compose
project or a container merely started FROM one of our images (images carry a different label,
which containers inherit) are never touched.

Scratch folders (build contexts, generated Dockerfiles) are named with the owner too, see
`scratch_dir`.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
from pathlib import Path

SANDBOX_LABEL = "org.longcat-evals.sandbox"
OWNER_LABEL = "org.longcat-evals.owner"
OWNER_ENV = "LONGCAT_EVALS_OWNER"
# In compose files: interpolated by compose when the project starts ("unknown" if unset).
OWNER_PLACEHOLDER = "${" + OWNER_ENV + ":-unknown}"
_SCRATCH_OWNER = re.compile(r"^[a-z][a-z-]*-(?P<pid>\d+)\.(?P<start>\d+)\.")


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (guards against pid reuse)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[19]) if len(fields) > 19 else None


def owner_id(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or 0}"


def claim() -> str:
    """Make this process the owner of the sandboxes it starts from now on."""
    os.environ[OWNER_ENV] = owner_id()
    return os.environ[OWNER_ENV]


def owner_alive(owner: str) -> bool | None:
    """True/False for an owner on this host; None when it is another host's (cannot tell)."""
    try:
        host, pid, start = owner.rsplit(":", 2)
        pid_number, start_ticks = int(pid), int(start)
    except ValueError:
        return False  # "unknown" or a mangled value: no live process can claim it
    if host != socket.gethostname():
        return None
    return _start_time(pid_number) == start_ticks


def compose_labels() -> dict[str, str]:
    return {SANDBOX_LABEL: "true", OWNER_LABEL: OWNER_PLACEHOLDER}


def docker_label_args() -> list[str]:
    """`--label` arguments for a container started with `docker run` by this process."""
    return ["--label", f"{SANDBOX_LABEL}=true", "--label", f"{OWNER_LABEL}={owner_id()}"]


def scratch_dir(prefix: str, parent: Path) -> tempfile.TemporaryDirectory:
    """A temporary folder under PARENT whose name records this process as its owner.

    Use it like `tempfile.TemporaryDirectory` (removed when the block ends, errors included); if
    the process is killed first, `longcat-evals cleanup` finds it by name and removes it once
    the owner is gone. PREFIX ends with '-' (e.g. "ctx-").
    """
    start = _start_time(os.getpid()) or 0
    return tempfile.TemporaryDirectory(dir=parent, prefix=f"{prefix}{os.getpid()}.{start}.")


def scratch_owner_alive(name: str) -> bool | None:
    """For a scratch folder's NAME: is its owner alive (None: the name records no owner)."""
    match = _SCRATCH_OWNER.match(name)
    if not match:
        return None
    return _start_time(int(match["pid"])) == int(match["start"])
