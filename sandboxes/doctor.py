"""`longcat-evals doctor`: what this machine has for sandboxes, as one table."""

from __future__ import annotations

import shutil
import subprocess

from rich.table import Table

from longcat_evals.sandboxes import cgroups, disk, engine, images, network
from longcat_evals.sandboxes.state import state_dir

MIN_FREE_DISK_GB = 10


def _gpu() -> str:
    if shutil.which("nvidia-smi") is None:
        return "none (nvidia-smi not found)"
    out = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
        capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().replace("\n", "; ") or "none (nvidia-smi found no GPU)"


def doctor_table() -> tuple[Table, bool]:
    """(table, healthy): healthy when sandboxes can run now."""
    status = engine.probe()
    rows: list[tuple[str, bool | None, str]] = []
    origin = f"private dockerd, pid {status.private_pid}" if status.private_pid else "existing"
    rows.append(
        ("docker engine", status.server_ok,
         f"{status.server} ({origin})" if status.server else f"not running: {status.problem}")
    )  # fmt: skip
    rows.append(("docker compose", status.compose_ok, status.compose or "missing"))
    if status.server:
        for name, tag in (("rootfs image", images.rootfs_tag()), ("base image", images.base_tag())):
            present = images.image_exists(tag)
            rows.append((name, present, tag + ("" if present else " (missing: run setup)")))
        for name in images.TOOLCHAINS:
            tag = images.toolchain_tag(name, images.base_tag())
            rows.append(
                (f"{name} image", None, tag if images.image_exists(tag) else "not built yet")
            )
        firewall = network.firewall_problem(install=False)
        rows.append(
            (
                "host shielded",
                firewall is None,
                firewall or f"INPUT rule on {network.EGRESS_BRIDGE}",
            )
        )
        driver = disk.storage_driver()
        rows.append(
            ("disk limits", disk.supports_limits(driver),
             f"storage driver {driver}" + ("" if disk.supports_limits(driver) else
                                           ": not enforced (see README, Sandboxes)"))
        )  # fmt: skip
        parent = cgroups.parent_pids_dir() / "pids.max"
        pids_max = parent.read_text().strip() if parent.exists() else None
        budget = f"{pids_max} of pid_max {cgroups.host_pid_max()}" if pids_max else "not set up"
        rows.append(("shared pids limit", pids_max is not None, budget))
    bundle = images.ca_bundle()
    rows.append(("CA bundle", bundle is not None, str(bundle) if bundle else "none found"))
    free_gb = shutil.disk_usage(state_dir()).free / 1e9
    rows.append(("free disk", free_gb >= MIN_FREE_DISK_GB, f"{free_gb:.0f} GB at {state_dir()}"))
    rows.append(("GPU", None, _gpu()))
    table = Table(title="longcat-evals doctor")
    for column in ("check", "ok", "detail"):
        table.add_column(column)
    marks = {True: "[green]yes[/]", False: "[red]no[/]", None: "–"}
    for check, ok, detail in rows:
        table.add_row(check, marks[ok], detail)
    healthy = status.server_ok and status.compose_ok
    return table, healthy
