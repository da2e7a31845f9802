"""`longcat-evals`: what Inspect lacks: set-up, images, doctor, suites and result tables.

Evaluations themselves run through Inspect (`inspect eval longcat_evals/<task> ...`).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from longcat_evals.sandboxes.errors import SandboxSetupError

console = Console(stderr=True)


def _fail(message: str, code: int = 2):
    # Messages are plain text: a `[task-id]` or `[/path]` in them is not rich markup.
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    sys.exit(code)


def _log(message: str) -> None:
    """The CLI's progress printer (a `Progress`, see longcat_evals.progress): its stderr console."""
    console.print(message, highlight=False, soft_wrap=True, markup=False)


class _Commands(click.Group):
    """Every command: a UserFacingError anywhere is its one line and exit 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        from longcat_evals.errors import UserFacingError

        try:
            return super().invoke(ctx)
        except UserFacingError as e:
            _fail(str(e))


@click.group(cls=_Commands)
def main() -> None:
    """longcat-evals: set-up, images, doctor, suites and result tables around Inspect AI."""


@main.command()
@click.option("--stop", is_flag=True, help="Stop the private dockerd this project started.")
@click.option("--no-images", is_flag=True, help="Only the engine; do not build the base image.")
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="CA bundle for image builds.")
def setup(stop: bool, no_images: bool, ca_bundle: str | None) -> None:
    """Make a Docker engine (>= 24.0.6) and compose (>= 2.21) ready, and the base image built."""
    from longcat_evals.sandboxes import engine, images

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


@main.group(name="images")
def images_group() -> None:
    """Build, list and prune the project's local images."""


@images_group.command(name="build")
@click.argument("names", nargs=-1)
@click.option("--ca-bundle", type=click.Path(dir_okay=False), help="CA bundle for image builds.")
def images_build(names: tuple[str, ...], ca_bundle: str | None) -> None:
    """Build the base and toolchain images NAMES (default: all toolchains)."""
    from longcat_evals.sandboxes import engine, images

    engine.ensure_engine(_log)
    stats = images.BuildStats()
    images.ensure_base(stats, ca_bundle, _log)
    for name in names or images.TOOLCHAINS:
        tag = images.ensure_toolchain(name, stats, ca_bundle, _log)
        _log(f"{name}: {tag}")
    _log(f"Images: {len(stats.built)} built, {len(stats.reused)} reused")


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
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def cleanup(dry_run: bool) -> None:
    """Remove the containers, networks and scratch folders that killed runs left.

    Only what carries this project's labels and whose owner process is gone: live runs and other
    users' compose projects on the same engine are left alone.
    """
    from longcat_evals.sandboxes.cleanup import cleanup as run_cleanup

    report = run_cleanup(dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    for kind, names in (
        ("container", report.containers), ("network", report.networks),
        ("folder", report.folders),
    ):  # fmt: skip
        _log(f"{verb} {len(names)} {kind}(s)" + (": " + ", ".join(names) if names else ""))
    for kept in report.kept:
        _log(f"Kept {kept}")


@main.command()
def doctor() -> None:
    """Show what this machine has for sandboxes: engine, compose, images, CA bundle, disk, GPU."""
    from longcat_evals.sandboxes.doctor import doctor_table

    table, healthy = doctor_table()
    Console().print(table)
    sys.exit(0 if healthy else 1)


def _run_suite(
    name: str, log_dir: str, model, base_url, retry_attempts, markdown, report_files=False
) -> None:
    from longcat_evals.errors import UserFacingError
    from longcat_evals.results.runner import run_suite
    from longcat_evals.results.suites import SUITES
    from longcat_evals.results.table import markdown_table, print_table

    if name not in SUITES:
        _fail(f"Unknown suite '{name}' (known: {', '.join(SUITES)})")
    try:
        result = run_suite(
            SUITES[name], Path(log_dir), model=model, model_base_url=base_url, log=_log,
            retry_attempts=retry_attempts,
        )  # fmt: skip
    except (SandboxSetupError, UserFacingError) as e:
        _fail(str(e).splitlines()[0])
    if result.rows:
        title = f"{name} suite (0–100; errors count as 0)"
        print_table(result.rows, title=title, console=Console())
        if markdown:
            click.echo(markdown_table(result.rows))
    for line in result.skipped:
        _log(f"not run: {line}")
    _log(f"Logs in {log_dir} (a re-run resumes unfinished tasks and skips finished ones)")
    if report_files:
        _report_files(result.rows, Path(log_dir))
    if not result.complete:
        _log("Some tasks did not finish after retries: see the status column.")
        sys.exit(1)


def _report_files(rows, log_dir: Path) -> None:
    """Plots of the suite's long-context logs and its leaderboard, written into LOG_DIR."""
    from longcat_evals.evals.long_context.errors import LongContextError
    from longcat_evals.results import leaderboard as board
    from longcat_evals.results.claims import DEFAULT_CLAIMS, load_claims
    from longcat_evals.results.logs import ResultsError
    from longcat_evals.results.long_context_plot import plot_log
    from longcat_evals.results.runs import load_run

    for row in rows:
        if row.agent != "default" or row.task.split("/")[-1] not in ("niah", "ruler"):
            continue
        try:
            files = plot_log(Path(row.log))["files"]
        except (LongContextError, ResultsError) as e:
            _log(f"no plot for {row.log}: {e}")
            continue
        for kind, path in files.items():
            if kind != "summary":
                _log(f"{row.task} {row.model} {kind}: {path}")
    try:
        claims = load_claims(DEFAULT_CLAIMS)
        entries = board.build([load_run(Path(row.log)) for row in rows], claims)
    except ResultsError as e:
        _log(f"no leaderboard: {e}")
        return
    for suffix, text in (
        ("md", board.markdown(entries, claims)),
        ("html", board.to_html(entries, claims)),
    ):
        path = log_dir / f"leaderboard.{suffix}"
        board.write(path, text)
        _log(f"leaderboard: {path}")


@main.command()
@click.option("--suite", default="smoke", show_default=True, help="Suite to run.")
@click.option("--log-dir", default="logs/demo", show_default=True, type=click.Path())
@click.option("--markdown", is_flag=True, help="Also print the table as Markdown.")
def demo(suite: str, log_dir: str, markdown: bool) -> None:
    """Run a suite (default: the smoke suite) and print its result table (0-100)."""
    # The demo's real model is a local directory; the hub libraries read this once, at import,
    # and would otherwise retry HEAD requests for its bare name on a machine without the hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _run_suite(suite, log_dir, None, None, 2, markdown, report_files=True)


@main.command(name="suite")
@click.argument("name")
@click.option("--model", help="Model for the suite's entries (required by claims/regression).")
@click.option("--model-base-url", help="Base URL of that model's endpoint.")
@click.option("--log-dir", type=click.Path(), help="Default: logs/<suite>.")
@click.option("--retry-attempts", default=2, show_default=True, help="eval_set retries.")
@click.option("--markdown", is_flag=True, help="Also print the table as Markdown.")
@click.option("--dry-run", is_flag=True, help="List the entries and whether each can run here.")
def suite_command(name, model, model_base_url, log_dir, retry_attempts, markdown, dry_run):
    """Run the suite NAME (smoke, longcat-2.0-claims, regression) through Inspect's eval_set.

    Re-running with the same log dir retries failed tasks, resumes unfinished ones and skips
    finished ones. Entries whose data or images are not here are listed, one line each.
    """
    if dry_run:
        from longcat_evals.results.runner import describe
        from longcat_evals.results.suites import SUITES

        if name not in SUITES:
            _fail(f"Unknown suite '{name}' (known: {', '.join(SUITES)})")
        for entry in SUITES[name]:
            reason = entry.unavailable() if entry.unavailable else None
            where = describe(entry, entry.model or model or "<--model>")
            click.echo(
                f"{'skip' if reason else 'run '}  {where}" + (f"  # {reason}" if reason else "")
            )
        return
    _run_suite(name, log_dir or f"logs/{name}", model, model_base_url, retry_attempts, markdown)


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
@click.option(
    "--server",
    type=click.Choice(["auto", "meituan", "openrouter", "sglang", "vllm", "generic"]),
    default="auto",
    show_default=True,
    help="Server profile (wire rules); auto detects it from the base URL or GET /models.",
)
def probe(model: str, base_url: str | None, prompt_tokens: str, server: str) -> None:
    """Live check of a LongCat endpoint: reachable, thinking, a tool call, TTFT/TPOT."""
    from longcat_evals.model_adapter.probe import probe as run_probe

    if not model.startswith("longcat/"):
        _fail(f"--model {model}: probe checks the longcat provider (use longcat/<model id>)")
    try:
        sizes = [int(x) for x in prompt_tokens.split(",") if x.strip()]
    except ValueError:
        _fail(f"--prompt-tokens {prompt_tokens!r}: expected comma-separated integers")
    try:
        result, healthy = run_probe(model, base_url, sizes, log=_log, server=server)
    except Exception as e:  # e.g. no API key: one line, no traceback
        _fail(str(e).splitlines()[0])
    Console().print(result)
    sys.exit(0 if healthy else 1)


def _read_each(logs: tuple[str, ...], read) -> tuple[list, int]:
    """READ(path) of every log under LOGS; a bad file is one line and is skipped.

    Exits 2 when no log at all could be read (with just that file's line when there was one).
    """
    from longcat_evals.results.logs import ResultsError, find_logs

    try:
        paths = find_logs(logs)
    except ResultsError as e:
        _fail(str(e))
    read_ok, errors = [], []
    for path in paths:
        try:
            read_ok.append(read(path))
        except ResultsError as e:
            errors.append(str(e))
    if not read_ok and len(errors) == 1:
        _fail(errors[0])
    for error in errors:
        console.print(f"[bold red]error:[/] {error}", soft_wrap=True, highlight=False)
    if not read_ok:
        _fail(f"None of the {len(paths)} file(s) is a readable Inspect log")
    return read_ok, len(errors)


def _headlines(logs: tuple[str, ...]) -> tuple[list, int]:
    """Headline rows of every log under LOGS (see `_read_each`)."""
    from longcat_evals.results.scoring import headline

    return _read_each(logs, headline)


@main.command()
@click.argument("logs", nargs=-1, required=True, type=click.Path())
@click.option("--markdown", is_flag=True, help="Print Markdown instead of a rich table.")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
def table(logs: tuple[str, ...], markdown: bool, as_json: bool) -> None:
    """Print the result table (0-100, errors counted as failures) of Inspect LOGS.

    LOGS are .eval/.json files or directories (searched recursively). Each row shows status and
    attempts run of planned, the 95% interval and its method, and Inspect's own headline beside
    ours with the reason when they differ. Exit 2 when a file is not a readable log.
    """
    import json

    from longcat_evals.results.table import markdown_table, print_table

    rows, bad = _headlines(logs)
    if as_json:
        click.echo(json.dumps([row.as_dict() for row in rows], indent=2))
    elif markdown:
        click.echo(markdown_table(rows))
    else:
        print_table(rows, console=Console())
    if bad:
        sys.exit(2)


def _runs(logs: tuple[str, ...]) -> tuple[list, int]:
    """Runs of every log under LOGS (see `_read_each`)."""
    from longcat_evals.results.runs import load_run

    return _read_each(logs, load_run)


@main.command()
@click.argument("logs", nargs=-1, required=True, type=click.Path())
@click.option("--claims", "claims_file", type=click.Path(dir_okay=False),
              help="Claims data file (default: the shipped LongCat-2.0 claims).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json", "html"]),
              default="markdown", show_default=True)  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
def leaderboard(logs, claims_file, fmt, output) -> None:
    """Models x benchmarks of Inspect LOGS beside the vendor's claims, with a verdict each.

    Verdicts: consistent / below claim / above claim (claim outside our 95% Wilson interval) /
    not comparable (run unfinished, a subset, or settings that differ) / no claim.
    """
    from longcat_evals.results import leaderboard as board
    from longcat_evals.results.claims import DEFAULT_CLAIMS, load_claims
    from longcat_evals.results.logs import ResultsError

    try:
        claims = load_claims(claims_file or DEFAULT_CLAIMS)
    except ResultsError as e:
        _fail(str(e))
    runs, bad = _runs(logs)
    entries = board.build(runs, claims)
    render = {
        "markdown": lambda: board.markdown(entries, claims),
        "csv": lambda: board.to_csv(entries),
        "json": lambda: board.to_json(entries, claims),
        "html": lambda: board.to_html(entries, claims),
    }[fmt]
    text = render()
    if output:
        try:
            board.write(Path(output), text)
        except OSError as e:
            _fail(f"{output}: cannot write ({e.strerror})")
        _log(f"wrote {output}")
    else:
        click.echo(text, nl=False)
    if bad:
        sys.exit(2)


@main.command()
@click.option("--baseline", "baseline", multiple=True, required=True, type=click.Path(),
              help="Baseline log(s) or dir(s); repeatable.")  # fmt: skip
@click.option("--candidate", "candidate", multiple=True, required=True, type=click.Path(),
              help="Candidate log(s) or dir(s); repeatable.")  # fmt: skip
@click.option("--max-drop", default=0.0, show_default=True, type=click.FloatRange(0, 100),
              help="Allowed drop in points (0-100).")  # fmt: skip
@click.option("--alpha", default=0.05, show_default=True, type=click.FloatRange(0.001, 0.5))
@click.option("--power", default=0.8, show_default=True, type=click.FloatRange(0.5, 0.99),
              help="Power at which the minimum detectable effect is reported.")  # fmt: skip
@click.option("--ignore-option", multiple=True, help="A task option allowed to differ.")
@click.option("--junit", type=click.Path(dir_okay=False), help="Write JUnit XML here.")
@click.option("--summary", type=click.Path(dir_okay=False),
              help="Append a Markdown summary (default: $GITHUB_STEP_SUMMARY if set).")  # fmt: skip
def gate(baseline, candidate, max_drop, alpha, power, ignore_option, junit, summary) -> None:
    """Fail CI on a regression: candidate vs baseline logs, paired by sample id and epoch.

    Exit 0 pass (a drop above --max-drop ruled out), 1 regression (a drop above it
    established), 2 inconclusive (more samples needed) or invalid (runs not comparable: task
    version, dataset, sample sets, scoring rule or settings differ, or a run did not finish).
    """
    import os

    from rich.table import Table

    from longcat_evals.results import gate as gating

    settings = gating.GateSettings(max_drop, alpha, power, tuple(ignore_option))
    base_runs, bad_base = _runs(baseline)
    cand_runs, bad_cand = _runs(candidate)
    verdicts = gating.compare(base_runs, cand_runs, settings)
    if bad_base or bad_cand:
        verdicts.append(
            gating.TaskVerdict(task="(inputs)", outcome=gating.INVALID,
                               reasons=[f"{bad_base + bad_cand} unreadable log file(s)"])
        )  # fmt: skip
    decision = gating.overall(verdicts)
    table = Table(title=f"Regression gate: {decision} (allowed drop {max_drop:g} points)")
    for column in ("task", "outcome", "baseline", "candidate", "detail"):
        table.add_column(column, overflow="fold")
    for v in verdicts:
        style = {"pass": "green", "regression": "red"}.get(v.outcome, "yellow")
        base = f"{v.baseline_model} {v.baseline_score:.1f}" if v.baseline_score is not None else ""
        cand = (
            f"{v.candidate_model} {v.candidate_score:.1f}" if v.candidate_score is not None else ""
        )
        table.add_row(v.task, f"[{style}]{v.outcome}[/]", base, cand, v.summary() + (
            f" ({v.test})" if v.test else ""))  # fmt: skip
    out = Console()
    if not out.is_terminal:
        out.width = max(out.width, 200)
    out.print(table)
    try:
        if junit:
            Path(junit).write_text(gating.junit_xml(verdicts, settings))
        summary = summary or os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            with open(summary, "a") as handle:
                handle.write(gating.markdown_summary(verdicts, settings))
    except OSError as e:
        _fail(f"cannot write the report: {e.filename}: {e.strerror}")
    sys.exit(gating.EXIT_CODES[decision])


@main.group(name="plot")
def plot_group() -> None:
    """Plots of result logs."""


@plot_group.command(name="long-context")
@click.argument("logs", nargs=-1, required=True, type=click.Path())
def plot_long_context(logs: tuple[str, ...]) -> None:
    """NIAH heatmap, score-vs-length curves and effective context length, next to each LOG."""
    from rich.table import Table

    from longcat_evals.evals.long_context.errors import LongContextError
    from longcat_evals.results.logs import ResultsError, find_logs
    from longcat_evals.results.long_context_plot import plot_log

    try:
        paths = find_logs(logs)
    except ResultsError as e:
        _fail(str(e))
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
@click.option(
    "--test-timeout",
    type=int,
    default=None,
    help="Seconds per test run (default: the official harness's, 1800; 3600 for Pro).",
)
def validate_swe(
    dataset: str | None,
    official: str | None,
    revision: str | None,
    pro_checkout: str | None,
    instance_ids: str | None,
    concurrency: int,
    test_timeout: int | None,
) -> None:
    """Grade the gold patch (oracle) and the empty patch (null) of every SWE instance.

    Reports instances whose gold patch fails, whose FAIL_TO_PASS tests already pass at base or
    whose PASS_TO_PASS tests fail at base; exits 1 when any instance has a problem.
    """
    from rich.table import Table

    from longcat_evals.evals.swe.samples import build_images
    from longcat_evals.evals.swe.task import load_local, load_official
    from longcat_evals.evals.swe.validate import choose, validate
    from longcat_evals.sandboxes import engine

    engine.ensure_engine(_log)
    if official:
        loaded = load_official(official, dataset=dataset, revision=revision,
                               pro_checkout=pro_checkout)  # fmt: skip
    else:
        loaded = load_local(dataset) if dataset else load_local()
    loaded = build_images(choose(loaded, instance_ids), log=_log)
    _log(f"Validating {len(loaded)} instance(s): gold patch and empty patch, fresh containers")

    def done(verdict) -> None:
        mark = "[green]ok[/]" if verdict.ok else "[red]FAIL[/]"
        _log(f"  {mark} {verdict.instance_id}" + "".join(f"\n      {p}" for p in verdict.problems))

    verdicts = validate(
        loaded, concurrency=concurrency, test_timeout_sec=test_timeout, on_done=done
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
    """Check Terminal-Bench task dirs statically: loading, environments, network needs per phase.

    For each task and phase (build / agent / solution / verify): the hosts it needs and how the
    harness satisfies each here (a host that answers, a local image, an offline stand-in, an
    install baked in at build), then how many tasks run offline here. Nothing is built or run
    (hosts are probed with one HTTPS request each); `inspect eval longcat_evals/terminal_bench
    -T path=PATH -T network=false -T agent=oracle` then runs them.
    """
    from rich.table import Table

    from longcat_evals.evals.terminal import image_map
    from longcat_evals.evals.terminal.check import PHASES, check
    from longcat_evals.evals.terminal.task import BUILTIN_SUITE

    try:
        maps = []
        if image_map_file:
            maps.append((image_map.load_map(Path(image_map_file)), image_map_file))
        maps.append((image_map.load_map(image_map.BUILTIN_MAP), "built-in"))
        rows = check(Path(path) if path else BUILTIN_SUITE, maps)
    except (ValueError, OSError) as e:
        _fail(str(e))
    if not rows:
        _fail(f"No Terminal-Bench task directories (task.toml or task.yaml) under {path}")
    table = Table(title="Terminal-Bench tasks: network needs per phase (static check)")
    for column in ("task", "environment", *PHASES, "offline here"):
        table.add_column(column, overflow="fold")

    def cell(needs) -> str:
        if not needs:
            return "-"
        lines = []
        for need in needs:
            mark = f"[green]ok[/] {need.met_by}" if need.met_by else "[red]NO[/]"
            lines.append(f"{need.host}: {mark} ({need.what[:70]})")
        return "\n".join(dict.fromkeys(lines))

    for row in rows:
        if row.error:
            table.add_row(row.id, "[red]error[/]", row.error, "", "", "", "no")
            continue
        phases = [cell(row.phase(phase)) for phase in PHASES]
        if row.problems:
            phases[0] = "\n".join(f"[red]{p}[/]" for p in row.problems) + "\n" + phases[0]
        verdict = "yes" if row.oracle_offline else ("tests only" if row.runnable_offline else "no")
        table.add_row(row.id, row.environment, *phases, verdict)
    Console().print(table)
    errors = [row for row in rows if row.error]
    loaded = len(rows) - len(errors)
    offline = sum(row.runnable_offline for row in rows)
    oracle = sum(row.oracle_offline for row in rows)
    _log(f"{loaded}/{len(rows)} tasks load")
    _log(
        f"{offline}/{len(rows)} tasks runnable offline here (built from what answers here or "
        f"stand-ins, tests need no network); {oracle}/{len(rows)} with the oracle's solution too"
    )
    missing: dict[str, set[str]] = {}
    for row in rows:
        for need in row.unmet("build", "solution", "verify"):
            missing.setdefault(need.host, set()).add(row.id)
    if missing:
        worst = sorted(missing.items(), key=lambda kv: -len(kv[1]))
        listed = ", ".join(f"{host} ({len(ids)} task(s))" for host, ids in worst)
        _log(f"Hosts needed that nothing here satisfies: {listed}")
    if errors:
        sys.exit(1)


@main.command()
@click.option("--check", is_flag=True, help="Only say which tables differ (exit 1); write nothing.")
def docs(check: bool) -> None:
    """Rewrite the family READMEs' -T option tables from the tasks' docstrings."""
    from longcat_evals.option_tables import ROOT, OptionDocsError, stale, write

    try:
        if check:
            lines = stale()
            for line in lines:
                _log(line)
            sys.exit(1 if lines else 0)
        changed = write()
    except OptionDocsError as e:
        _fail(str(e))
    for path in changed:
        _log(f"rewrote {path.relative_to(ROOT)}")
    _log(f"{len(changed)} README(s) changed")


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
        from longcat_evals.results.suites import SUITES

        if suite not in SUITES:
            _fail(f"Unknown suite '{suite}' (known: {', '.join(SUITES)})")
        specs += [(entry.task, entry.args) for entry in SUITES[suite]]
    found = bundle.images_of_tasks(specs) if specs else []
    for tag in found:
        _log(f"task image: {tag}")
    bundle.export(Path(out), images=[*images, *found], data=[Path(d) for d in data],
                  wheels=[Path(w) for w in wheels], log=_log)  # fmt: skip


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
