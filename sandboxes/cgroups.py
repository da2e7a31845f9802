"""One parent cgroup for all sandboxes, so that their pids limits cannot add up to the host's.

Each container has its own pids limit (a fork bomb stops there), but limits add up: 8 SWE
samples at 4096 each reach this machine's `kernel.pid_max` of 32768. Every container we start
is placed under the cgroup `/longcat-evals` (compose `cgroup_parent`), whose own `pids.max` is
half of the host's pid_max: whatever the samples do together, the other half stays free for the
host. The cgroup controller enforces the parent's limit over all its children (cgroup v1 and v2).

Needs root on the engine's machine and Docker's `cgroupfs` cgroup driver (the private engine's;
under the systemd driver a parent must be a systemd slice, which this does not manage). Where it
cannot be set up, containers keep only their own limits and `pids_parent` warns once.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from longcat_evals.sandboxes.docker_cli import docker

PARENT = "longcat-evals"
HOST_PIDS_SHARE = 0.5
CGROUP_ROOT = Path("/sys/fs/cgroup")

logger = logging.getLogger(__name__)
_parent: str | None | bool = False  # False: not decided yet in this process


def host_pid_max() -> int:
    return int(Path("/proc/sys/kernel/pid_max").read_text())


def parent_pids_dir(name: str = PARENT) -> Path:
    """Where NAME's pids controller lives: cgroup v1's pids hierarchy or the v2 unified one."""
    v1 = CGROUP_ROOT / "pids"
    return (v1 if v1.is_dir() else CGROUP_ROOT) / name


def make_parent(name: str, pids_max: int) -> str:
    """Create cgroup NAME with pids.max = PIDS_MAX (idempotent); returns compose's cgroup_parent."""
    directory = parent_pids_dir(name)
    directory.mkdir(exist_ok=True)
    if directory.parent == CGROUP_ROOT:  # v2: the pids controller must be on for children
        (CGROUP_ROOT / "cgroup.subtree_control").write_text("+pids")
        (directory / "cgroup.subtree_control").write_text("+pids")
    (directory / "pids.max").write_text(f"{pids_max}\n")
    return f"/{name}"


def _problem() -> str | None:
    if os.geteuid() != 0:
        return "creating a cgroup needs root"
    if os.environ.get("DOCKER_HOST", "unix://").split("://")[0] not in ("unix", ""):
        return "the engine runs on another machine"
    driver = docker("info", "--format", "{{.CgroupDriver}}", timeout=60).stdout.strip()
    if driver != "cgroupfs":
        return f"the engine's cgroup driver is {driver or 'unknown'}, not cgroupfs"
    return None


def pids_parent() -> str | None:
    """The cgroup_parent for our containers (set up once per process), or None with a warning."""
    global _parent
    if _parent is False:
        problem = _problem()
        if problem is None:
            try:
                _parent = make_parent(PARENT, int(host_pid_max() * HOST_PIDS_SHARE))
            except OSError as e:
                problem = f"cannot set up cgroup {parent_pids_dir()}: {e}"
        if problem:
            message = (
                f"sandboxes' pids limits are per container only ({problem}): together, many "
                "samples could exhaust this host's process table; lower --max-samples or pids"
            )
            logger.warning(message)
            _parent = None
    return _parent  # type: ignore[return-value]
