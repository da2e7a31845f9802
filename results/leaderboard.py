"""Leaderboards: models x benchmarks from logs, with the vendor's claim and a verdict beside each.

The verdict's test: H0 "the true score equals the claim", two-sided at alpha = 0.05, by whether
the claim lies inside our 95% Wilson interval (the Wilson interval is the inversion of that score
test; clustered runs use their effective n). Before any test, a run is "not comparable" when it
did not finish, ran a subset of the benchmark, or a setting the claim states differs from the
run's; settings the claim leaves unknown are listed as unverified.
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from longcat_evals.results import long_context_plot
from longcat_evals.results.claims import UNKNOWN, Benchmark, Claims
from longcat_evals.results.runs import Run

FORMAT_VERSION = 1
TEST = (
    "two-sided test of H0: true score = claim at alpha 0.05, by whether the claim lies inside "
    "our 95% Wilson interval (inverted score test; clustered runs use their effective n)"
)
CONSISTENT, BELOW, ABOVE = "consistent", "below claim", "above claim"
NOT_COMPARABLE, NO_CLAIM = "not comparable", "no claim"


@dataclass(frozen=True)
class Entry:
    """One model x benchmark cell of the leaderboard."""

    model: str
    inspect_model: str
    benchmark: str
    benchmark_name: str
    agent: str
    status: str
    n: int
    epochs: int
    score: float
    ci_low: float
    ci_high: float
    ci_method: str
    claimed: float | None
    claimed_external: bool
    verdict: str
    reason: str
    unverified: list[str] = field(default_factory=list)
    effective_length: int | None = None
    max_length: int | None = None
    inspect_score: float | None = None
    inspect_note: str = ""
    log: str = ""
    superseded: int = 0


def _setting_differences(benchmark: Benchmark, run: Run) -> tuple[list[str], list[str]]:
    """(settings that differ, settings the claim leaves unknown)."""
    observed = {
        "samples": len(run.dataset["sample_ids"]) or None,
        "agent": run.headline.agent,
        "thinking": run.thinking,
        "epochs": run.headline.epochs,
        "limits": {k: v for k, v in run.limits.items() if v is not None} or None,
        "dataset": run.dataset.get("revision") or run.dataset.get("name"),
    }
    differ, unknown = [], []
    for key, claimed in benchmark.settings.items():
        if claimed == UNKNOWN or claimed is None:
            unknown.append(key)
        elif key == "dataset":
            continue  # a description; its revision, where stated, is checked as a task option
        elif str(claimed) != str(observed.get(key)):
            differ.append(f"{key}: claim {claimed}, run {observed.get(key)}")
    return differ, unknown


def verdict(benchmark: Benchmark | None, column: str | None, run: Run) -> tuple[str, str, list]:
    """(verdict, reason, unverified settings) of RUN against the claim of COLUMN."""
    if benchmark is None:
        return NO_CLAIM, "no benchmark of the claims file matches this task", []
    claim = benchmark.claims.get(column) if column else None
    if claim is None:
        why = benchmark.claim_note or f"the vendor's table has no value for {column or 'model'}"
        return NO_CLAIM, why, []
    row = run.headline
    if not row.complete:
        return NOT_COMPARABLE, f"run did not finish ({row.progress})", []
    if run.subset:
        options = ", ".join(f"{k}={v}" for k, v in run.subset.items())
        return NOT_COMPARABLE, f"a subset of the benchmark ({options})", []
    differ, unknown = _setting_differences(benchmark, run)
    if differ:
        return NOT_COMPARABLE, "settings differ: " + "; ".join(differ), unknown
    if claim.value > row.ci_high:
        return BELOW, f"claim {claim.value} above our interval", unknown
    if claim.value < row.ci_low:
        return ABOVE, f"claim {claim.value} below our interval", unknown
    return CONSISTENT, f"claim {claim.value} inside our interval", unknown


def _long_context(run: Run) -> tuple[int | None, int | None]:
    """(effective length, longest tested length) of a long-context log."""
    _, facts, points = long_context_plot.load(run.path)
    if not points or facts["control"]:
        return None, None
    scores = long_context_plot.by_length(points)
    return long_context_plot.effective_length(scores), max(scores)


def build(runs: list[Run], claims: Claims) -> list[Entry]:
    """One entry per (model, benchmark, agent): the newest finished log wins."""
    chosen: dict[tuple, tuple[Run, int]] = {}
    for run in sorted(runs, key=lambda r: (r.headline.complete, r.created)):
        benchmark = claims.benchmark_of(run.task, run.task_args, run.metadata)
        column = claims.model_of(run.headline.model)
        key = (
            column or run.headline.model,
            benchmark.id if benchmark else run.task,
            run.headline.agent,
        )
        previous = chosen.get(key)
        chosen[key] = (run, previous[1] + 1 if previous else 0)
    entries = []
    for (model, bench_id, _), (run, superseded) in sorted(chosen.items()):
        benchmark = claims.benchmark_of(run.task, run.task_args, run.metadata)
        column = claims.model_of(run.headline.model)
        claim = benchmark.claims.get(column) if benchmark and column else None
        result, reason, unknown = verdict(benchmark, column, run)
        if superseded:
            reason += f" (newest of {superseded + 1} logs of this cell)"
        effective = longest = None
        if run.task in long_context_plot.FAMILIES:
            effective, longest = _long_context(run)
        row = run.headline
        entries.append(
            Entry(
                model=model,
                inspect_model=row.model,
                benchmark=bench_id,
                benchmark_name=benchmark.name if benchmark else run.task,
                agent=row.agent,
                status=row.progress,
                n=row.samples,
                epochs=row.epochs,
                score=round(row.score, 4),
                ci_low=round(row.ci_low, 4),
                ci_high=round(row.ci_high, 4),
                ci_method=row.ci_method,
                claimed=claim.value if claim else None,
                claimed_external=bool(claim and claim.external),
                verdict=result,
                reason=reason,
                unverified=unknown,
                effective_length=effective,
                max_length=longest,
                inspect_score=row.inspect.value,
                inspect_note=row.inspect.note,
                log=str(run.path),
                superseded=superseded,
            )
        )
    return entries


def _claimed_cell(entry: Entry) -> str:
    if entry.claimed is None:
        return "–"
    return f"{entry.claimed:.1f}" + ("*" if entry.claimed_external else "")


def _score_cell(entry: Entry) -> str:
    text = f"{entry.score:.1f} [{entry.ci_low:.1f}–{entry.ci_high:.1f}]"
    if entry.effective_length is not None or entry.max_length is not None:
        eff = entry.effective_length
        text += f"; effective length {eff if eff is not None else 'none'} of {entry.max_length}"
    return text


DETAIL_COLUMNS = (
    "model",
    "benchmark",
    "agent",
    "status",
    "n",
    "epochs",
    "score [95% CI]",
    "claimed",
    "verdict",
    "why",
    "unverified settings",
)


def _detail_cells(e: Entry) -> list[str]:
    return [
        e.model,
        e.benchmark_name,
        e.agent,
        e.status,
        str(e.n),
        str(e.epochs),
        _score_cell(e),
        _claimed_cell(e),
        e.verdict,
        e.reason,
        ", ".join(e.unverified) or "-",
    ]


def _source_line(claims: Claims) -> str:
    s = claims.source
    return (
        f"Claims: {claims.path} (claims_version {claims.claims_version}); source: "
        f"{s.get('publisher', UNKNOWN)}, {s.get('document', UNKNOWN)}; published "
        f"{s.get('published', UNKNOWN)}, recorded {s.get('recorded', UNKNOWN)}; "
        f"{s.get('harness', '')}; {s.get('external_mark', '')}"
    )


def markdown(entries: list[Entry], claims: Claims) -> str:
    models = sorted({e.model for e in entries})
    benches = sorted({e.benchmark_name for e in entries})
    out = ["# Leaderboard (0–100)", ""]
    out += ["| model | " + " | ".join(benches) + " |", "|---|" + "---|" * len(benches)]
    for model in models:
        cells = []
        for bench in benches:
            found = [e for e in entries if e.model == model and e.benchmark_name == bench]
            cells.append("; ".join(f"{_score_cell(e)} n={e.n} ({e.agent})" for e in found) or "")
        out.append(f"| {model} | " + " | ".join(cells) + " |")
    out += ["", "## Against the vendor's claims", ""]
    out += ["| " + " | ".join(DETAIL_COLUMNS) + " |", "|" + "---|" * len(DETAIL_COLUMNS)]
    for e in entries:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in _detail_cells(e)) + " |")
    out += ["", f"Verdict test: {TEST}.", "", _source_line(claims), ""]
    out += ["## Vendor-claimed scores (from the claims file)", "", claims.vendor_markdown()]
    out += ["## Rows and what reproducing them needs", ""]
    for b in claims.benchmarks:
        task = f"`{b.task}`" if b.task else "no task"
        note = f" (claim: {b.claim_note})" if b.claim_note else ""
        out.append(f"- {b.name}{note}: {task}; available here: {b.available}")
    return "\n".join(out) + "\n"


def to_csv(entries: list[Entry]) -> str:
    buffer = io.StringIO()
    names = list(Entry.__dataclass_fields__)
    writer = csv.DictWriter(buffer, fieldnames=["format_version", *names])
    writer.writeheader()
    for e in entries:
        row = asdict(e)
        row["unverified"] = ";".join(e.unverified)
        writer.writerow({"format_version": FORMAT_VERSION, **row})
    return buffer.getvalue()


def to_json(entries: list[Entry], claims: Claims) -> str:
    return json.dumps(
        {
            "format_version": FORMAT_VERSION,
            "verdict_test": TEST,
            "claims": {
                "path": claims.path,
                "claims_version": claims.claims_version,
                "source": claims.source,
            },
            "entries": [asdict(e) for e in entries],
        },
        indent=2,
    )


def _plot_svg(bench: str, entries: list[Entry], claims: Claims) -> str:
    """A horizontal interval plot of one benchmark, claims as diamonds, as inline SVG text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{e.model} ({e.agent})" for e in entries]
    fig, ax = plt.subplots(figsize=(7.5, 0.6 + 0.45 * len(entries)))
    for y, e in enumerate(entries):
        ax.plot([e.ci_low, e.ci_high], [y, y], color="#4a6fa5", linewidth=3, alpha=0.6)
        ax.plot([e.score], [y], "o", color="#1f3b63")
        if e.claimed is not None:
            ax.plot([e.claimed], [y], "D", color="#c0392b", markersize=6)
    ax.set_yticks(range(len(entries)), labels)
    ax.set_xlim(-2, 102)
    ax.set_ylim(-0.7, len(entries) - 0.3)
    ax.set_xlabel("score (0–100): dot ours, bar 95% CI, red diamond vendor's claim")
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def to_html(entries: list[Entry], claims: Claims) -> str:
    """A self-contained page: tables and one inline SVG plot per benchmark, no scripts."""
    esc = html.escape
    rows = "".join(
        "<tr class='{}'>".format(e.verdict.replace(" ", "-"))
        + "".join(f"<td>{esc(c)}</td>" for c in _detail_cells(e))
        + "</tr>"
        for e in entries
    )
    head = "".join(f"<th>{esc(c)}</th>" for c in DETAIL_COLUMNS)
    plots = "".join(
        f"<section><h3>{esc(bench)}</h3>{_plot_svg(bench, found, claims)}</section>"
        for bench in sorted({e.benchmark_name for e in entries})
        if (found := [e for e in entries if e.benchmark_name == bench])
    )
    columns = list(claims.models)
    vendor_head = "<th>benchmark</th>" + "".join(f"<th>{esc(c)}</th>" for c in columns)
    vendor_rows = "".join(
        f"<tr><td>{esc(b.name)}</td>"
        + "".join(
            f"<td>{esc(b.claims[c].published() if b.claims.get(c) else '–')}</td>" for c in columns
        )
        + "</tr>"
        for b in claims.benchmarks
        if not (all(v is None for v in b.claims.values()) and b.claim_note)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="generator" content="longcat-evals leaderboard, format_version {FORMAT_VERSION}">
<title>longcat-evals leaderboard</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 13px; }}
td, th {{ border: 1px solid #ccc; padding: 3px 7px; text-align: left; }}
th {{ background: #eef; }}
tr.consistent td {{ background: #eaf7ea; }}
tr.below-claim td {{ background: #fbeaea; }}
tr.above-claim td {{ background: #eaf0fb; }}
tr.not-comparable td {{ background: #f4f4f4; color: #666; }}
section {{ display: inline-block; vertical-align: top; margin: 0 1em 1em 0; }}
svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>Leaderboard (0–100)</h1>
<table><tr>{head}</tr>{rows}</table>
<p>Verdict test: {esc(TEST)}.</p>
<p>{esc(_source_line(claims))}</p>
<h2>Per benchmark</h2>
{plots}
<h2>Vendor-claimed scores (from the claims file)</h2>
<table><tr>{vendor_head}</tr>{vendor_rows}</table>
</body></html>
"""


def write(path: Path, text: str) -> None:
    """Write atomically: a half-written leaderboard never replaces a good one."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)
