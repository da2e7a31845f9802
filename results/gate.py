"""The regression gate: candidate runs against baseline runs, sample by sample.

Runs are paired by task; within a task, attempts by (sample id, epoch). Runs that are not
comparable are refused with the reason: a different task version, dataset (name, revision or
sample set), scoring rule (headline scorer, its metrics and options, the project's rule
version) or settings (task options, epochs, limits, generation config); a run that did not
finish is refused too. Models and model options may differ: that is what is compared.

The decision, with D = the allowed drop (points) and [low, high] the (1 - alpha) interval of
candidate minus baseline:
- regression (exit 1): high < -D, a drop larger than allowed is established;
- pass (exit 0): low >= -D, a drop larger than allowed is ruled out;
- inconclusive (exit 2): otherwise; the minimum detectable effect says what n would decide.
Invalid input is exit 2 as well. Tests: exact McNemar for independent 0/1 scores with one epoch,
a paired (cluster) bootstrap of per-sample mean differences otherwise (see `stats`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from longcat_evals.results import stats
from longcat_evals.results.runs import Run

PASS, REGRESSION, INCONCLUSIVE, INVALID = "pass", "regression", "inconclusive", "invalid"
EXIT_CODES = {PASS: 0, REGRESSION: 1, INCONCLUSIVE: 2, INVALID: 2}


@dataclass(frozen=True)
class GateSettings:
    max_drop: float = 0.0
    """Allowed drop in points (0-100)."""
    alpha: float = 0.05
    power: float = 0.8
    ignore: tuple[str, ...] = ()
    """Task options allowed to differ (e.g. a base URL passed as a task option)."""


@dataclass
class TaskVerdict:
    task: str
    outcome: str
    reasons: list[str] = field(default_factory=list)
    baseline_model: str = ""
    candidate_model: str = ""
    baseline_score: float | None = None
    candidate_score: float | None = None
    pairs: int = 0
    difference: float | None = None
    """Candidate minus baseline, points."""
    low: float | None = None
    high: float | None = None
    p_value: float | None = None
    mde: float | None = None
    """Minimum detectable effect, points."""
    test: str = ""

    def summary(self) -> str:
        if self.outcome == INVALID:
            return "not comparable: " + "; ".join(self.reasons)
        return (
            f"{self.difference:+.1f} points [{self.low:+.1f}, {self.high:+.1f}], "
            f"p={self.p_value:.3g}, MDE {self.mde:.1f} points over {self.pairs} samples; "
            + "; ".join(self.reasons)
        )


def _key(run: Run) -> str:
    return run.task


def comparability(base: Run, cand: Run, settings: GateSettings) -> list[str]:
    """Every reason BASE and CAND cannot be compared (empty when they can)."""
    problems = []
    for side, run in (("baseline", base), ("candidate", cand)):
        if not run.headline.complete:
            problems.append(f"{side} run did not finish ({run.headline.progress}): {run.path}")
    if base.task_version != cand.task_version:
        problems.append(f"task version: baseline {base.task_version}, cand {cand.task_version}")
    for key in ("name", "revision"):
        if base.dataset[key] != cand.dataset[key]:
            problems.append(
                f"dataset {key}: baseline {base.dataset[key]}, candidate {cand.dataset[key]}"
            )
    only_base = set(base.dataset["sample_ids"]) - set(cand.dataset["sample_ids"])
    only_cand = set(cand.dataset["sample_ids"]) - set(base.dataset["sample_ids"])
    if only_base or only_cand:
        example = sorted(only_base or only_cand)[0]
        problems.append(
            f"sample sets differ: {len(only_base)} only in baseline, {len(only_cand)} only in "
            f"candidate (e.g. {example})"
        )
    for key in ("scorer", "metrics", "options", "rule_version"):
        if base.scoring[key] != cand.scoring[key]:
            problems.append(
                f"scoring rule ({key}): baseline {base.scoring[key]}, cand {cand.scoring[key]}"
            )
    keys = (set(base.task_args) | set(cand.task_args)) - set(settings.ignore)
    for key in sorted(keys):
        if base.task_args.get(key) != cand.task_args.get(key):
            problems.append(
                f"task option {key}: baseline {base.task_args.get(key)!r}, "
                f"candidate {cand.task_args.get(key)!r}"
            )
    if base.headline.epochs != cand.headline.epochs:
        problems.append(f"epochs: baseline {base.headline.epochs}, cand {cand.headline.epochs}")
    for name, b, c in (
        ("limit", base.limits, cand.limits),
        ("generate", base.generate, cand.generate),
    ):
        for key in sorted(set(b) | set(c)):
            if b.get(key) != c.get(key):
                problems.append(f"{name} {key}: baseline {b.get(key)}, candidate {c.get(key)}")
    return problems


def _paired(base: Run, cand: Run) -> tuple[list[float], list[float], list[str], bool]:
    """Per-sample (baseline, candidate) means over paired epochs, clusters, and binary-ness."""
    b_at = {(a.sample_id, a.epoch): a for a in base.attempts if a.outcome != "cancelled"}
    c_at = {(a.sample_id, a.epoch): a for a in cand.attempts if a.outcome != "cancelled"}
    shared = sorted(set(b_at) & set(c_at))
    by_sample: dict[str, list[tuple[float, float]]] = defaultdict(list)
    cluster: dict[str, str] = {}
    for key in shared:
        by_sample[key[0]].append((b_at[key].score, c_at[key].score))
        cluster[key[0]] = b_at[key].cluster or f"sample:{key[0]}"
    ids = sorted(by_sample)
    b = [sum(x for x, _ in by_sample[i]) / len(by_sample[i]) for i in ids]
    c = [sum(y for _, y in by_sample[i]) / len(by_sample[i]) for i in ids]
    binary = all(v in (0.0, 1.0) for v in b + c)
    return b, c, [cluster[i] for i in ids], binary


def decide(result: stats.PairedResult, settings: GateSettings) -> tuple[str, list[str]]:
    """Outcome and reason from a paired result (in [-1, 1] units) and the allowed drop."""
    drop = settings.max_drop / 100
    if result.high < -drop:
        return REGRESSION, [f"the whole interval is below -{settings.max_drop:g} points"]
    if result.low >= -drop - 1e-12:
        return PASS, [f"a drop of more than {settings.max_drop:g} points is ruled out"]
    reason = f"the interval reaches below -{settings.max_drop:g} points but not wholly"
    if drop > 0 and result.mde > drop:
        needed = math.ceil(result.n * (result.mde / drop) ** 2)
        reason += f"; about {needed} samples would detect a {settings.max_drop:g}-point drop"
    return INCONCLUSIVE, [reason]


def paired_test(
    b: list[float], c: list[float], clusters: list[str], binary: bool, epochs: int, s: GateSettings
) -> stats.PairedResult:
    has_clusters = any(not x.startswith("sample:") for x in clusters)
    # McNemar assumes independent pairs; samples sharing a cluster go to the cluster bootstrap.
    if binary and epochs == 1 and not has_clusters:
        return stats.mcnemar(b, c, s.alpha, s.power)
    diffs = [y - x for x, y in zip(b, c, strict=True)]
    return stats.paired_bootstrap(diffs, clusters if has_clusters else None, s.alpha, s.power)


def compare_runs(base: Run, cand: Run, settings: GateSettings) -> TaskVerdict:
    verdict = TaskVerdict(
        task=base.task,
        outcome=INVALID,
        baseline_model=base.headline.model,
        candidate_model=cand.headline.model,
        baseline_score=base.headline.score,
        candidate_score=cand.headline.score,
    )
    problems = comparability(base, cand, settings)
    if problems:
        verdict.reasons = problems
        return verdict
    b, c, clusters, binary = _paired(base, cand)
    if not b:
        verdict.reasons = ["no sample x epoch is in both runs"]
        return verdict
    result = paired_test(b, c, clusters, binary, base.headline.epochs, settings)
    verdict.outcome, verdict.reasons = decide(result, settings)
    verdict.pairs = result.n
    verdict.difference = 100 * result.difference
    verdict.low, verdict.high = 100 * result.low, 100 * result.high
    verdict.p_value, verdict.mde, verdict.test = result.p_value, 100 * result.mde, result.test
    return verdict


def compare(baseline: list[Run], candidate: list[Run], settings: GateSettings) -> list[TaskVerdict]:
    """One verdict per task; a task on one side only, or twice on a side, is invalid."""
    verdicts = []
    sides = {"baseline": defaultdict(list), "candidate": defaultdict(list)}
    for name, runs in (("baseline", baseline), ("candidate", candidate)):
        for run in runs:
            sides[name][_key(run)].append(run)
    for task in sorted(set(sides["baseline"]) | set(sides["candidate"])):
        b, c = sides["baseline"].get(task, []), sides["candidate"].get(task, [])
        if len(b) != 1 or len(c) != 1:
            counts = f"{len(b)} baseline and {len(c)} candidate log(s)"
            reason = f"{counts} of this task; pass exactly one of each"
            verdicts.append(TaskVerdict(task=task, outcome=INVALID, reasons=[reason]))
            continue
        verdicts.append(compare_runs(b[0], c[0], settings))
    return verdicts


def overall(verdicts: list[TaskVerdict]) -> str:
    outcomes = {v.outcome for v in verdicts}
    for outcome in (INVALID, REGRESSION, INCONCLUSIVE):
        if outcome in outcomes:
            return outcome
    return PASS


def junit_xml(verdicts: list[TaskVerdict], settings: GateSettings) -> str:
    """JUnit XML: a test case per task; regression is a failure, invalid/inconclusive an error."""
    failures = sum(v.outcome == REGRESSION for v in verdicts)
    errors = sum(v.outcome in (INVALID, INCONCLUSIVE) for v in verdicts)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuite name="longcat-evals gate" tests="{len(verdicts)}" failures="{failures}" '
        f'errors="{errors}">',
        f'  <properties><property name="max_drop" value="{settings.max_drop:g}"/>'
        f'<property name="alpha" value="{settings.alpha:g}"/></properties>',
    ]
    for v in verdicts:
        lines.append(f'  <testcase classname="gate" name={quoteattr(v.task)}>')
        text = escape(v.summary())
        if v.outcome == REGRESSION:
            lines.append(f"    <failure message={quoteattr(v.outcome)}>{text}</failure>")
        elif v.outcome in (INVALID, INCONCLUSIVE):
            lines.append(f"    <error message={quoteattr(v.outcome)}>{text}</error>")
        else:
            lines.append(f"    <system-out>{text}</system-out>")
        lines.append("  </testcase>")
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"


def markdown_summary(verdicts: list[TaskVerdict], settings: GateSettings) -> str:
    """A GitHub step summary: the decision, then one row per task."""
    decision = overall(verdicts)
    out = [
        f"## Regression gate: **{decision}** (exit {EXIT_CODES[decision]})",
        "",
        f"Allowed drop {settings.max_drop:g} points; {100 * (1 - settings.alpha):g}% intervals; "
        f"MDE at {100 * settings.power:g}% power.",
        "",
        "| task | outcome | baseline | candidate | difference [interval] | p | MDE | test | why |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        if v.outcome == INVALID:
            why = "; ".join(v.reasons).replace("|", "\\|")
            out.append(f"| {v.task} | invalid | {v.baseline_model} | {v.candidate_model} "
                       f"| - | - | - | - | {why} |")  # fmt: skip
            continue
        out.append(
            f"| {v.task} | {v.outcome} | {v.baseline_model} {v.baseline_score:.1f} | "
            f"{v.candidate_model} {v.candidate_score:.1f} | {v.difference:+.1f} "
            f"[{v.low:+.1f}, {v.high:+.1f}] | {v.p_value:.3g} | {v.mde:.1f} | {v.test} | "
            + "; ".join(v.reasons)
            + " |"
        )
    return "\n".join(out) + "\n"
