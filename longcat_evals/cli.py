"""`longcat-evals`: what Inspect lacks: set-up, images, doctor, suites and result tables.

Evaluations themselves run through Inspect (`inspect eval longcat_evals/<task> ...`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console

from longcat_evals.sandboxes.errors import SandboxSetupError

console = Console(stderr=True)


def _fail(message: str, code: int = 2):
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True, highlight=False)
    sys.exit(code)


def _log(message: str) -> None:
    console.print(message, highlight=False, soft_wrap=True)


@click.group()
def main() -> None:
    """longcat-evals: set-up, images, doctor, suites and result tables around Inspect AI."""


@main.command()
@click.option("--stop", is_flag=True, help="Stop the private dockerd this project started.")
@click.option("--no-images", is_flag=True, help="Only the engine; do not build the base image.")
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="CA bundle for image builds.")
def setup(stop: bool, no_images: bool, ca_bundle: str | None) -> None:
    """Make a Docker engine (>= 24.0.6) and compose (>= 2.21) ready, and the base image built."""
    from longcat_evals.sandboxes import engine, images

    try:
        if stop:
            stopped = engine.stop_private_engine(_log)
            _log("Stopped." if stopped else "No private dockerd of this project is running.")
            return
        started = time.monotonic()
        status = engine.ensure_engine(_log)
        origin = f"private, pid {status.private_pid}" if status.private_pid else "existing"
        _log(f"Docker engine {status.server} ({origin}), compose {status.compose}")
        if not no_images:
            stats = images.BuildStats()
            images.ensure_base(stats, ca_bundle, _log)
            _log(f"Images: {len(stats.built)} built, {len(stats.reused)} reused")
        _log(f"Set-up done in {time.monotonic() - started:.1f} s")
    except SandboxSetupError as e:
        _fail(str(e))


@main.group(name="images")
def images_group() -> None:
    """Build, list and prune the project's local images."""


@images_group.command(name="build")
@click.argument("names", nargs=-1)
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="CA bundle for image builds.")
def images_build(names: tuple[str, ...], ca_bundle: str | None) -> None:
    """Build the base and toolchain images NAMES (default: all toolchains)."""
    from longcat_evals.sandboxes import engine, images

    try:
        engine.ensure_engine(_log)
        stats = images.BuildStats()
        images.ensure_base(stats, ca_bundle, _log)
        for name in names or images.TOOLCHAINS:
            tag = images.ensure_toolchain(name, stats, ca_bundle, _log)
            _log(f"{name}: {tag}")
        _log(f"Images: {len(stats.built)} built, {len(stats.reused)} reused")
    except SandboxSetupError as e:
        _fail(str(e))


@images_group.command(name="list")
def images_list() -> None:
    """List the project's images."""
    from rich.table import Table

    from longcat_evals.sandboxes import images

    table = Table(title="longcat-evals images")
    for column in ("image", "id", "size", "created"):
        table.add_column(column)
    for row in images.list_images():
        table.add_row(row["image"], row["id"], row["size"], row["created"])
    Console().print(table)


@images_group.command(name="prune")
@click.option("--all", "everything", is_flag=True, help="Remove every image of the project.")
def images_prune(everything: bool) -> None:
    """Remove the project's images that no current recipe resolves to."""
    from longcat_evals.sandboxes import images

    removed = images.prune(everything)
    _log(f"Removed {len(removed)} image(s)" + (": " + ", ".join(removed) if removed else ""))


@main.command()
def doctor() -> None:
    """Show what this machine has for sandboxes: engine, compose, images, CA bundle, disk, GPU."""
    from longcat_evals.sandboxes.doctor import doctor_table

    table, healthy = doctor_table()
    Console().print(table)
    sys.exit(0 if healthy else 1)


@main.command()
@click.option("--suite", default="smoke", show_default=True, help="Suite to run.")
@click.option("--log-dir", default="logs/demo", show_default=True, type=click.Path())
@click.option("--markdown", is_flag=True, help="Also print the table as Markdown.")
def demo(suite: str, log_dir: str, markdown: bool) -> None:
    """Run a suite (default: the smoke suite) and print its result table (0-100)."""
    from longcat_evals.evals.suite import SUITES
    from longcat_evals.results.runner import run_suite
    from longcat_evals.results.table import markdown_table, print_table

    if suite not in SUITES:
        _fail(f"Unknown suite '{suite}' (known: {', '.join(SUITES)})")
    try:
        rows = run_suite(SUITES[suite], Path(log_dir), log=_log)
    except SandboxSetupError as e:
        _fail(str(e))
    print_table(rows, title=f"{suite} suite (0–100; errors count as 0)", console=Console())
    if markdown:
        click.echo(markdown_table(rows))


@main.command()
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--markdown", is_flag=True, help="Print Markdown instead of a rich table.")
def table(logs: tuple[str, ...], markdown: bool) -> None:
    """Print the result table (0-100, errors counted as failures) of Inspect LOGS."""
    from longcat_evals.results.scoring import headline
    from longcat_evals.results.table import markdown_table, print_table

    paths: list[Path] = []
    for item in logs:
        path = Path(item)
        paths += sorted(path.glob("*.eval")) if path.is_dir() else [path]
    rows = [headline(p) for p in paths]
    if markdown:
        click.echo(markdown_table(rows))
    else:
        print_table(rows, console=Console())


if __name__ == "__main__":
    main()
