"""`longcat-evals cleanup`: remove what killed runs of this project left, and nothing else.

A run stopped by SIGKILL (or a crash of the machine's session) cannot tear down its sandboxes.
This finds them by our labels (see `ownership`), keeps everything whose owner process is still
alive (a concurrent run) or lives on another host, and removes the rest: containers first, then
the networks they were on, then scratch folders under the state dir (build contexts and the
Dockerfiles generated into them). Inspect's `inspect sandbox cleanup docker` is no substitute:
without an id it removes every compose project on the engine, other people's included.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from longcat_evals.sandboxes import ownership
from longcat_evals.sandboxes.docker_cli import docker
from longcat_evals.sandboxes.state import state_dir

# Scratch folders families create with `tempfile.TemporaryDirectory(dir=state_dir(), ...)`
# without an owner in the name: removed only when older than any build may run (see images).
UNOWNED_SCRATCH_PREFIXES = ("ctx-", "rootfs-", "tb-context-", "swe-src-", "swe-ctx-")
UNOWNED_STALE_AFTER_SEC = 4 * 3600


@dataclass
class CleanupReport:
    """What `cleanup` removed (or would remove, on a dry run) and what it left alone, and why."""

    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _labelled(kind: str) -> list[tuple[str, str, str]]:
    """(id, name, owner) of the containers or networks that carry our sandbox label."""
    if kind == "container":
        listing, name_field = ["ps", "--all"], "{{.Names}}"
    else:
        listing, name_field = ["network", "ls"], "{{.Name}}"
    template = "\t".join(["{{.ID}}", name_field, f'{{{{.Label "{ownership.OWNER_LABEL}"}}}}'])
    out = docker(*listing, "--no-trunc", "--filter", f"label={ownership.SANDBOX_LABEL}=true",
                 "--format", template, check=True)  # fmt: skip
    rows = []
    for line in out.stdout.splitlines():
        ident, name, owner = (line.split("\t") + ["", ""])[:3]
        rows.append((ident, name, owner))
    return rows


def _verdict(owner: str) -> str | None:
    """None when the owner is gone (remove), else why the thing is kept."""
    alive = ownership.owner_alive(owner)
    if alive is None:
        return f"owned by a process on another host ({owner})"
    if alive:
        return f"owned by a live run (pid {owner.rsplit(':', 2)[1]})"
    return None


def _scratch_folders(report: CleanupReport) -> list[Path]:
    stale = []
    now = time.time()
    for path in sorted(state_dir().iterdir()):
        if not path.is_dir() or path.is_symlink():
            continue
        alive = ownership.scratch_owner_alive(path.name)
        if alive is None and path.name.startswith(UNOWNED_SCRATCH_PREFIXES):
            if now - path.stat().st_mtime > UNOWNED_STALE_AFTER_SEC:
                stale.append(path)
            else:
                report.kept.append(f"folder {path} (recent, no owner recorded)")
        elif alive is False:
            stale.append(path)
        elif alive:
            report.kept.append(f"folder {path} (owned by a live run)")
    return stale


def cleanup(dry_run: bool = False, engine: bool = True) -> CleanupReport:
    """Remove our labelled containers and networks and scratch folders whose owner is gone.

    ENGINE=False looks at the scratch folders only (no Docker engine needed).
    """
    report = CleanupReport()
    kinds = (("container", report.containers), ("network", report.networks)) if engine else ()
    for kind, target in kinds:
        doomed = []
        for ident, name, owner in _labelled(kind):
            reason = _verdict(owner)
            if reason:
                report.kept.append(f"{kind} {name} ({reason})")
            else:
                doomed.append((ident, name))
        if doomed and not dry_run:
            remove = ["network", "rm"] if kind == "network" else ["rm", "--force"]
            docker(*remove, *(ident for ident, _ in doomed))
            # Report only what is really gone (a network still in use by a live container stays).
            present = {ident for ident, _, _ in _labelled(kind)}
            doomed = [(ident, name) for ident, name in doomed if ident not in present]
        target += [name for _, name in doomed]
    for path in _scratch_folders(report):
        if not dry_run:
            shutil.rmtree(path, ignore_errors=True)
        report.folders.append(str(path))
    return report
