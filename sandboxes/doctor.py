"""`longcat-evals doctor`: what this machine has for sandboxes, as one table."""

from __future__ import annotations

import shutil
import subprocess

from rich.table import Table

from longcat_evals.sandboxes import engine, images
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
