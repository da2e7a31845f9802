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


@main.command(name="probe-lsa")
@click.option("--model", default="tiny", show_default=True, help="`tiny` or a checkpoint dir.")
@click.option("--input", "input_path", type=click.Path(dir_okay=False), help="Long text file.")
@click.option("--lengths", default="64,128,256,512,1024", show_default=True)
@click.option("--queries", default=16, show_default=True, help="Last positions probed per length.")
@click.option("--plot", "plot_path", default="probe_lsa.png", show_default=True, type=click.Path())
@click.option("--json", "json_path", type=click.Path(), help="Also write the figures as JSON.")
@click.option("--seed", default=0, show_default=True, help="Seed of the tiny model's weights.")
def probe_lsa(model, input_path, lengths, queries, plot_path, json_path, seed) -> None:
    """LSA mechanics: dense attention mass kept by the top-k, and CLI reuse vs a fresh pass."""
    from longcat_evals.errors import UserFacingError
    from longcat_evals.model_adapter.reference.cli_probe import run_probe_lsa

    try:
        run_probe_lsa(model, input_path, lengths, queries, plot_path, json_path, seed, _log)
    except (UserFacingError, ValueError, OSError) as e:
        _fail(str(e).splitlines()[0])


@main.command()
@click.option("--model", "model", default="longcat/LongCat-2.0", show_default=True)
@click.option("--base-url", help="Endpoint base URL (default: LONGCAT_BASE_URL or Meituan's API).")
@click.option(
    "--prompt-tokens", default="100,2000,16000", show_default=True, help="Prompt sizes for TTFT."
)
def probe(model: str, base_url: str | None, prompt_tokens: str) -> None:
    """Live check of a LongCat endpoint: reachable, thinking, a tool call, TTFT/TPOT."""
    from longcat_evals.model_adapter.probe import probe as run_probe

    if not model.startswith("longcat/"):
        _fail(f"--model {model}: probe checks the longcat provider (use longcat/<model id>)")
    try:
        sizes = [int(x) for x in prompt_tokens.split(",") if x.strip()]
    except ValueError:
        _fail(f"--prompt-tokens {prompt_tokens!r}: expected comma-separated integers")
    try:
        result, healthy = run_probe(model, base_url, sizes, log=_log)
    except Exception as e:  # e.g. no API key: one line, no traceback
        _fail(str(e).splitlines()[0])
    Console().print(result)
    sys.exit(0 if healthy else 1)


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


@main.group(name="plot")
def plot_group() -> None:
    """Plots of result logs."""


@plot_group.command(name="long-context")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True))
def plot_long_context(logs: tuple[str, ...]) -> None:
    """NIAH heatmap, score-vs-length curves and effective context length, next to each LOG."""
    from rich.table import Table

    from longcat_evals.evals.long_context.errors import LongContextError
    from longcat_evals.evals.long_context.plot import plot_log

    paths: list[Path] = []
    for item in logs:
        path = Path(item)
        paths += sorted(path.glob("*.eval")) if path.is_dir() else [path]
    if not paths:
        _fail(f"No .eval logs in {', '.join(logs)}")
    table = Table(title="long-context results (0-100; effective length: score >= 85.6)")
    for column in ("task", "model", "agent", "scores by length", "effective length"):
        table.add_column(column)
    written: list[str] = []
    for path in paths:
        try:
            summary = plot_log(path)
        except LongContextError as e:
            _fail(str(e))
        scores = ", ".join(f"{k}: {v:.1f}" for k, v in summary["scores_by_length"].items())
        effective = summary["effective_length"]
        if summary["control"]:
            effective_text = "n/a (control)"
        else:
            effective_text = "none" if effective is None else str(effective)
        if summary["tokenizer_approximate"]:
            effective_text += " (approx. tokenizer)"
        table.add_row(
            summary["task"],
            summary["model"],
            summary["agent"],
            scores,
            effective_text,
        )
        written += summary["files"].values()
    Console().print(table)
    for name in written:
        _log(f"wrote {name}")


@main.group(name="validate")
def validate_group() -> None:
    """Check that environments are sound: the oracle scores 100 and the null agent 0."""


@validate_group.command(name="swe")
@click.option("--dataset", default=None, help="Local JSONL dataset (default: the built-in set).")
@click.option(
    "--official",
    type=click.Choice(["verified", "multilingual", "pro"]),
    default=None,
    help="Validate an official dataset instead (needs its images; --revision or a local export).",
)
@click.option("--revision", default=None, help="Hub revision of the official dataset.")
@click.option("--pro-checkout", default=None, help="SWE-bench Pro checkout (for --official pro).")
@click.option("--instance-ids", default=None, help="Comma-separated instance ids.")
@click.option("--concurrency", default=2, show_default=True, help="Instances graded at once.")
@click.option("--test-timeout", default=1800, show_default=True, help="Seconds per test run.")
def validate_swe(
    dataset: str | None,
    official: str | None,
    revision: str | None,
    pro_checkout: str | None,
    instance_ids: str | None,
    concurrency: int,
    test_timeout: int,
) -> None:
    """Grade the gold patch (oracle) and the empty patch (null) of every SWE instance.

    Reports instances whose gold patch fails, whose FAIL_TO_PASS tests already pass at base or
    whose PASS_TO_PASS tests fail at base; exits 1 when any instance has a problem.
    """
    import asyncio

    from rich.table import Table

    from longcat_evals.errors import UserFacingError
    from longcat_evals.evals.swe.dataset import build_images, load_local, load_official, select
    from longcat_evals.evals.swe.validate import validate
    from longcat_evals.sandboxes import engine

    try:
        engine.ensure_engine(_log)
        if official:
            loaded = load_official(official, dataset=dataset, revision=revision,
                                   pro_checkout=pro_checkout)  # fmt: skip
        else:
            loaded = load_local(dataset, build=False) if dataset else load_local(build=False)
        loaded = build_images(select(loaded, instance_ids), log=_log)
    except UserFacingError as e:
        _fail(str(e))
    _log(f"Validating {len(loaded)} instance(s): gold patch and empty patch, fresh containers")

    def done(verdict) -> None:
        mark = "[green]ok[/]" if verdict.ok else "[red]FAIL[/]"
        _log(f"  {mark} {verdict.instance_id}" + "".join(f"\n      {p}" for p in verdict.problems))

    verdicts = asyncio.run(
        validate(loaded, concurrency=concurrency, test_timeout_sec=test_timeout, on_done=done)
    )
    table = Table(title="SWE validation (oracle must resolve, null must not)")
    for column in ("instance", "oracle", "null", "problems"):
        table.add_column(column)
    for v in verdicts:
        oracle = v.oracle.outcome if v.oracle else "-"
        null = v.null.outcome if v.null else "-"
        table.add_row(v.instance_id, oracle, null, "; ".join(v.problems) or "none")
    Console().print(table)
    bad = [v.instance_id for v in verdicts if not v.ok]
    _log(f"{len(verdicts) - len(bad)}/{len(verdicts)} instances valid")
    if bad:
        _log("Instances with problems: " + ", ".join(bad))
        sys.exit(1)


@validate_group.command(name="terminal")
@click.argument("path", type=click.Path(exists=True, file_okay=False), required=False)
@click.option("--image-map", "image_map_file", type=click.Path(exists=True, dir_okay=False),
              help="Your image map, consulted before the built-in one.")  # fmt: skip
def validate_terminal(path: str | None, image_map_file: str | None) -> None:
    """Check Terminal-Bench task dirs statically: loading, base-image stand-ins, network needs.

    Nothing is built or run; `inspect eval longcat_evals/terminal_bench -T path=PATH -T
    agent=oracle` then runs them.
    """
    from rich.table import Table

    from longcat_evals.evals.terminal import image_map
    from longcat_evals.evals.terminal.check import check
    from longcat_evals.evals.terminal.task import BUILTIN_SUITE

    try:
        maps = []
        if image_map_file:
            maps.append((image_map.load_map(Path(image_map_file)), image_map_file))
        maps.append((image_map.load_map(image_map.BUILTIN_MAP), "built-in"))
        rows = check(Path(path) if path else BUILTIN_SUITE, maps)
    except (ValueError, OSError) as e:
        _fail(str(e))
    table = Table(title="Terminal-Bench tasks (static check)")
    for column in ("task", "format", "category", "difficulty", "base images", "offline tests"):
        table.add_column(column, overflow="fold")
    for row in rows:
        if row.error:
            table.add_row(row.id, "[red]error[/]", "", "", row.error, "")
            continue
        bases = "; ".join(f"{ref} -> {use}" for ref, use in row.bases) or "-"
        tests = "ok" if not row.needs_network else f"needs network: {row.needs_network[0]}"
        if row.baked:
            tests += f" ({len(row.baked)} install(s) baked)"
        table.add_row(row.id, row.format, row.category or "", row.difficulty or "", bases, tests)
    Console().print(table)
    errors = [row for row in rows if row.error]
    _log(f"{len(rows) - len(errors)}/{len(rows)} tasks load")
    if errors:
        sys.exit(1)


@main.group(name="bundle")
def bundle_group() -> None:
    """Carry images, dataset files and verifier caches into an air-gapped site."""


@bundle_group.command(name="export")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--image", "images", multiple=True, help="An image tag to include (repeatable).")
@click.option("--task", "tasks", multiple=True,
              help="Include every image this task's samples run in (repeatable).")  # fmt: skip
@click.option("-T", "task_args", multiple=True, help="A task argument KEY=VALUE for --task.")
@click.option("--suite", default=None, help="Include every image of a named suite's tasks.")
@click.option("--data", multiple=True, type=click.Path(exists=True),
              help="A dataset file or directory to include (repeatable).")  # fmt: skip
@click.option("--wheels", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="A wheels/npm cache dir the verifiers install from (repeatable).")  # fmt: skip
def bundle_export(out, images, tasks, task_args, suite, data, wheels) -> None:
    """Write a content-addressed bundle (manifest.json + blobs/<sha256>) to OUT.

    Run it on a connected machine; copy OUT across; run `bundle import` there. The printed
    bundle digest, passed to `import --expect-digest`, also guards the manifest itself.
    """
    from longcat_evals.errors import UserFacingError
    from longcat_evals.sandboxes import bundle

    specs: list[tuple[str, dict]] = []
    args = {}
    for item in task_args:
        key, sep, value = item.partition("=")
        if not sep:
            _fail(f"-T {item}: expected KEY=VALUE")
        args[key] = value
    specs += [(name, args) for name in tasks]
    if suite:
        from longcat_evals.evals.suite import SUITES

        if suite not in SUITES:
            _fail(f"Unknown suite '{suite}' (known: {', '.join(SUITES)})")
        specs += [(entry.task, entry.args) for entry in SUITES[suite]]
    try:
        found = bundle.images_of_tasks(specs) if specs else []
        for tag in found:
            _log(f"task image: {tag}")
        bundle.export(Path(out), images=[*images, *found], data=[Path(d) for d in data],
                      wheels=[Path(w) for w in wheels], log=_log)  # fmt: skip
    except UserFacingError as e:
        _fail(str(e))


@bundle_group.command(name="import")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--into", type=click.Path(file_okay=False), help="Where data/wheels files go.")
@click.option("--registry", help="Also push every image to this registry (host[:port][/path]).")
@click.option("--expect-digest", help="The bundle digest export printed; refuse any other.")
def bundle_import(path, into, registry, expect_digest) -> None:
    """Verify every checksum of the bundle at PATH, then `docker load` its images.

    Nothing is loaded or written unless the whole bundle verifies.
    """
    from longcat_evals.sandboxes import bundle

    try:
        entries = bundle.import_bundle(Path(path), into=Path(into) if into else None,
                                       registry=registry, expect_digest=expect_digest,
                                       log=_log)  # fmt: skip
    except bundle.BundleError as e:
        _fail(str(e))
    _log(f"Imported {len(entries)} item(s) from {path}")


if __name__ == "__main__":
    main()
