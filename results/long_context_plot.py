"""Plots and the effective context length of long-context logs (`longcat-evals plot long-context`).

For each log: score-vs-length curves (one line per variant plus the family mean), a depth x
length heatmap for `niah`, and `long_context.<log>.json` with the per-length scores and the
effective context length: the longest length up to which every tested length scores at or above
RULER's threshold of 85.6 (errored or unscored samples count as 0, as in the headline).

The summary's name must not start with the log's timestamp: Inspect (`list_eval_logs`, hence
`eval_set` re-runs and `inspect view`) takes every timestamp-named `.json` file in a log dir
for a log and fails on one that is not.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from longcat_evals.evals.long_context.config import RULER_THRESHOLD
from longcat_evals.evals.long_context.errors import LongContextError

FORMAT_VERSION = 1
FAMILIES = ("niah", "ruler", "mrcr", "repo_retrieval")


@dataclass(frozen=True)
class Point:
    variant: str
    length: int
    depth: float | None
    value: float


def load(log_path: Path) -> tuple[str, dict, list[Point]]:
    """(family, header facts, points) of an Inspect log of a long-context task."""
    from inspect_ai.log import read_eval_log

    from longcat_evals.results.scoring import headline_scorer, sample_value

    try:
        log = read_eval_log(str(log_path))
    except Exception as e:  # noqa: BLE001 - any unreadable file becomes one line
        first = (str(e).strip().splitlines() or [""])[0][:200]
        raise LongContextError(f"Cannot read Inspect log {log_path}: {first}") from None
    scorer = headline_scorer(log)
    family = log.eval.task.split("/")[-1]
    if family not in FAMILIES:
        raise LongContextError(
            f"{log_path} is a log of '{family}', not of a long-context task ({', '.join(FAMILIES)})"
        )
    points = []
    for sample in log.samples or []:
        meta = sample.metadata or {}
        value = sample_value(sample, scorer)
        points.append(
            Point(
                str(meta.get("variant", family)),
                int(meta["length"]),
                meta.get("depth"),
                0.0 if value is None else value,
            )
        )
    task_meta = log.eval.metadata or {}
    facts = {
        "task": family,
        "model": log.eval.model,
        # `-T agent=null` is stored as None (Inspect reads -T values as YAML).
        "agent": str((log.eval.task_args or {}).get("agent", "default") or "null"),
        "control": bool(task_meta.get("control", False)),
        "tokenizer": task_meta.get("tokenizer"),
        "tokenizer_approximate": task_meta.get("tokenizer_approximate"),
        "skipped_lengths": task_meta.get("skipped_lengths", []),
    }
    return family, facts, points


def by_length(points: list[Point]) -> dict[int, float]:
    """Mean score (0-100) per length."""
    groups: dict[int, list[float]] = defaultdict(list)
    for p in points:
        groups[p.length].append(p.value)
    return {k: 100 * sum(v) / len(v) for k, v in sorted(groups.items())}


def effective_length(scores: dict[int, float], threshold: float = RULER_THRESHOLD) -> int | None:
    """Longest length such that it and every shorter tested length score >= THRESHOLD."""
    best = None
    for length in sorted(scores):
        if scores[length] < threshold:
            break
        best = length
    return best


def _label(length: int) -> str:
    return f"{length // 1024**2}M" if length % 1024**2 == 0 else f"{length // 1024}K"


def curves_png(points: list[Point], title: str, path: Path, effective: int | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = sorted({p.variant for p in points})
    fig, ax = plt.subplots(figsize=(9 if len(variants) > 1 else 7, 4.2))
    if len(variants) > 1:
        colors = plt.get_cmap("tab20")
        for n, v in enumerate(variants):
            s = by_length([p for p in points if p.variant == v])
            ax.plot(
                list(s),
                list(s.values()),
                marker=".",
                linewidth=1,
                alpha=0.7,
                label=v,
                color=colors(n % 20),
            )
    overall = by_length(points)
    ax.plot(
        list(overall), list(overall.values()), marker="o", color="black", linewidth=2, label="mean"
    )
    ax.axhline(
        RULER_THRESHOLD,
        color="red",
        linestyle="--",
        linewidth=1,
        label=f"threshold {RULER_THRESHOLD}",
    )
    if effective is not None:
        ax.axvline(effective, color="green", linestyle=":", label=f"effective {_label(effective)}")
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(overall), [_label(x) for x in overall])
    ax.set_ylim(-3, 103)
    ax.set_xlabel("context length (tokens)")
    ax.set_ylabel("score (0-100)")
    ax.set_title(title)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def heatmap_png(points: list[Point], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lengths = sorted({p.length for p in points})
    depths = sorted({p.depth for p in points if p.depth is not None})
    cells: dict[tuple[float, int], list[float]] = defaultdict(list)
    for p in points:
        cells[(p.depth, p.length)].append(p.value)
    grid = [
        [
            100 * sum(cells[(d, n)]) / len(cells[(d, n)]) if cells[(d, n)] else float("nan")
            for n in lengths
        ]
        for d in depths
    ]
    fig, ax = plt.subplots(figsize=(1.0 + 0.8 * len(lengths), 1.2 + 0.4 * len(depths)))
    image = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto")
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            ax.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7)
    ax.set_xticks(range(len(lengths)), [_label(n) for n in lengths])
    ax.set_yticks(range(len(depths)), [f"{100 * d:.0f}%" for d in depths])
    ax.set_xlabel("context length (tokens)")
    ax.set_ylabel("needle depth")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="score")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


SUMMARY_PREFIX = "long_context."


def plot_log(log_path: Path) -> dict:
    """Write the PNGs and the JSON summary next to LOG_PATH; return the summary."""
    family, facts, points = load(log_path)
    if not points:
        raise LongContextError(f"{log_path} has no samples to plot")
    stem = log_path.with_suffix("")
    title = f"{family} · {facts['model']}" + (" · no-context control" if facts["control"] else "")
    scores = by_length(points)
    # A control run measures answers WITHOUT context: no effective length applies.
    effective = None if facts["control"] else effective_length(scores)
    files = {"curves": str(stem) + ".score_vs_length.png"}
    curves_png(points, title, Path(files["curves"]), effective)
    if family == "niah" and any(p.depth is not None for p in points):
        files["heatmap"] = str(stem) + ".niah_heatmap.png"
        heatmap_png(points, title, Path(files["heatmap"]))
    variants = sorted({p.variant for p in points})
    summary = {
        "format_version": FORMAT_VERSION,
        "log": str(log_path),
        **facts,
        "threshold": RULER_THRESHOLD,
        "scores_by_length": {str(k): round(v, 2) for k, v in scores.items()},
        "effective_length": effective,
        "variants": {
            v: {
                str(k): round(s, 2)
                for k, s in by_length([p for p in points if p.variant == v]).items()
            }
            for v in variants
        },
        "files": files,
    }
    out = log_path.parent / f"{SUMMARY_PREFIX}{stem.name}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    summary["files"]["summary"] = str(out)
    return summary
