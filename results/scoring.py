"""The project's one scoring rule, applied to an Inspect log.

- A sample's score is the value of the log's headline scorer (the one `inspect view` shows; the
  first scorer when the log names none), as a number in [0, 1]: numbers and booleans as they are
  (clamped), strings through Inspect's `value_to_float` (C/I/P/N, yes/no, numeric strings);
  anything else (None, NaN, a dict, "maybe") is "could not be scored".
- Epochs: a sample's score is the mean over its epochs. Intervals are over samples, never over
  sample x epoch attempts (clustered where samples share a cluster, see `stats`).
- The headline is 0-100 over ALL samples that ran: an attempt that errored (sandbox or API
  failure) or could not be scored counts as 0 and is counted apart, never dropped.
- Inspect's own headline leaves errored attempts out (they have no score) and drops NaN scores
  before its metrics and reducers; the table shows that figure beside ours and says why it
  differs. Where both cover the same attempts they must agree, or the row says MISMATCH.
- A run that did not finish (cancelled, error, killed) is marked: status and attempts run of
  planned. Attempts Inspect cancelled are not counted as run.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from inspect_ai.log import EvalLog, EvalSample
from inspect_ai.scorer import value_to_float

from longcat_evals.results import stats
from longcat_evals.results.logs import read_log

SCORING_RULE_VERSION = 2
Outcome = Literal["scored", "errored", "unscored", "cancelled"]
# Inspect metrics whose value is a mean of per-sample [0, 1] scores, comparable with ours. Every
# family's headline metric is `mean`; `accuracy` (the same mean) is what SWE, exact-answer
# long-context and smoke logs written before the names were made one carry.
MEAN_METRICS = ("mean", "accuracy")
_to_float = value_to_float()
_STRING_VALUES = {"C", "I", "P", "N", "yes", "no", "true", "false"}


def unit_value(value: object) -> float | None:
    """A score value as a number in [0, 1], or None when it cannot be scored."""
    if isinstance(value, bool | int | float):
        number = float(value)
    elif isinstance(value, str) and (
        value in _STRING_VALUES or value.lower() in _STRING_VALUES or _is_number(value)
    ):
        number = _to_float(value)
    else:
        return None
    if math.isnan(number):
        return None
    return min(1.0, max(0.0, number))


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


@dataclass(frozen=True)
class Attempt:
    """One sample x epoch of a log."""

    sample_id: str
    epoch: int
    value: float | None
    outcome: Outcome
    cluster: str | None = None
    inspect_value: float | None = None
    """The value as Inspect's metrics take it (None: errored or NaN, which Inspect drops)."""

    @property
    def score(self) -> float:
        """The rule's value: errored and unscored attempts count as 0."""
        return self.value if self.value is not None else 0.0


def headline_scorer(log: EvalLog) -> str | None:
    """The scorer whose metric Inspect shows as the log's headline."""
    results = log.results
    if results is not None and results.headline is not None:
        return results.headline.scorer
    if results is not None and results.scores:
        return results.scores[0].name
    if log.eval.scorers:
        return log.eval.scorers[0].name
    return None


def _cluster(sample: EvalSample) -> str | None:
    """Samples of one cluster are not independent: an explicit `cluster`, or a SWE repository."""
    meta = sample.metadata or {}
    if meta.get("cluster") is not None:
        return str(meta["cluster"])
    instance = meta.get("instance")
    if isinstance(instance, dict) and instance.get("repo"):
        return str(instance["repo"])
    return None


def _is_cancelled(sample: EvalSample) -> bool:
    return sample.error is not None and sample.error.message.startswith("CancelledError")


def _score_value(sample: EvalSample, scorer: str | None) -> object:
    if sample.error is not None or not sample.scores:
        return None
    score = sample.scores.get(scorer) if scorer else None
    if score is None:
        score = next(iter(sample.scores.values()))
    return score.value


def sample_value(sample: EvalSample, scorer: str | None = None) -> float | None:
    """The sample's score in [0, 1], or None when it errored or has no usable score."""
    return unit_value(_score_value(sample, scorer))


def inspect_value(value: object) -> float | None:
    """VALUE as Inspect's mean/accuracy take it: NaN dropped, other strings via value_to_float."""
    if isinstance(value, bool | int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    if isinstance(value, str):
        return _to_float(value)
    return None


def attempts(log: EvalLog) -> list[Attempt]:
    """Every sample x epoch of LOG with its value and outcome under the rule."""
    scorer = headline_scorer(log)
    found = []
    for sample in log.samples or []:
        raw = _score_value(sample, scorer)
        value = unit_value(raw)
        if _is_cancelled(sample):
            outcome: Outcome = "cancelled"
        elif sample.error is not None:
            outcome = "errored"
        elif value is None:
            outcome = "unscored"
        else:
            outcome = "scored"
        found.append(
            Attempt(
                str(sample.id), sample.epoch, value, outcome, _cluster(sample), inspect_value(raw)
            )
        )
    return found


def per_sample(found: list[Attempt]) -> dict[str, float]:
    """Mean over epochs per sample id, errored and unscored attempts as 0."""
    groups: dict[str, list[float]] = defaultdict(list)
    for a in found:
        if a.outcome != "cancelled":
            groups[a.sample_id].append(a.score)
    return {sid: sum(v) / len(v) for sid, v in groups.items()}


def per_sample_as_inspect(found: list[Attempt]) -> dict[str, float]:
    """What Inspect's default reducer and mean metric see: errored and NaN attempts dropped."""
    groups: dict[str, list[float]] = defaultdict(list)
    for a in found:
        if a.outcome != "cancelled" and a.inspect_value is not None:
            groups[a.sample_id].append(a.inspect_value)
    return {sid: sum(v) / len(v) for sid, v in groups.items()}


def planned_attempts(log: EvalLog) -> int:
    """Sample x epochs the run set out to do."""
    if log.results is not None and log.results.total_samples:
        return log.results.total_samples
    epochs = log.eval.config.epochs or 1
    ids = log.eval.dataset.sample_ids
    count = len(ids) if ids else (log.eval.dataset.samples or 0)
    limit = log.eval.config.limit
    if isinstance(limit, int):
        count = min(count, limit)
    return count * epochs


def agent_name(task_args: dict) -> str:
    agent = task_args.get("agent", "default")
    # `-T agent=null` arrives as None: Inspect reads -T values as YAML.
    return "null" if agent is None else str(agent)


@dataclass(frozen=True)
class InspectFigure:
    """What `inspect view` shows as the headline, and why it may differ from ours."""

    metric: str
    value: float | None
    """In Inspect's own units (a mean metric is in [0, 1])."""
    scored: int | None
    """Samples Inspect's metric covered."""
    note: str


@dataclass(frozen=True)
class Headline:
    """One row of a results table: a task run with one model and one agent."""

    task: str
    model: str
    agent: str
    samples: int
    """Denominator: samples that ran (at least one epoch not cancelled)."""
    errors: int
    """Attempts that errored (infrastructure or API): scored 0 in `score`."""
    unscored: int
    """Attempts that finished but have no usable score: scored 0 in `score`."""
    score: float
    """Mean over samples of the per-sample mean over epochs, x 100, errors/unscored as 0."""
    ci_low: float
    ci_high: float
    ci_method: str
    epochs: int
    status: str
    """Inspect's log status: success, cancelled, error or started (killed mid-run)."""
    planned: int
    """Attempts (sample x epochs) the run set out to do."""
    run: int
    """Attempts that finished (scored, unscored or errored; not cancelled)."""
    inspect: InspectFigure
    pass_at_k: dict[int, float] = field(default_factory=dict)
    """pass@k x 100 for binary scores with several epochs (k = 1 .. epochs)."""
    clusters: int | None = None
    flags: tuple[str, ...] = ()
    """What a reader must know about how samples were scored (graded offline, tampering)."""
    log: str = ""
    rule_version: int = SCORING_RULE_VERSION

    @property
    def complete(self) -> bool:
        return self.status == "success" and self.run == self.planned

    @property
    def ci95(self) -> float:
        """Half-width of the 95% interval (it is not symmetric; see ci_low/ci_high)."""
        return (self.ci_high - self.ci_low) / 2

    @property
    def progress(self) -> str:
        """`success` or e.g. `cancelled 4/12`."""
        if self.complete:
            return "success"
        return f"{self.status} {self.run}/{self.planned}"

    def as_dict(self) -> dict:
        row = asdict(self)
        row["pass_at_k"] = {str(k): v for k, v in self.pass_at_k.items()}
        row.update(complete=self.complete, ci95=self.ci95)
        return row


def _inspect_figure(log: EvalLog, found: list[Attempt]) -> InspectFigure:
    scorer = headline_scorer(log)
    results = log.results
    score = next((s for s in (results.scores if results else []) if s.name == scorer), None)
    if score is None or not score.metrics:
        return InspectFigure("-", None, None, "Inspect computed no metrics (run did not finish)")
    wanted = results.headline.metric if results and results.headline else None
    metric = score.metrics.get(wanted) if wanted else None
    metric = metric or next(iter(score.metrics.values()))
    name = metric.name.split("/")[-1]
    scored_values = per_sample_as_inspect(found)
    errored = sum(a.outcome == "errored" for a in found)
    # Inspect drops NaN; other unusable values (e.g. "maybe") it counts as 0, as we do.
    unscored = sum(a.outcome == "unscored" and a.inspect_value is None for a in found)
    if name not in MEAN_METRICS:
        note = f"'{name}' is not a mean of sample scores; not comparable"
        return InspectFigure(name, metric.value, score.scored_samples, note)
    recomputed = sum(scored_values.values()) / len(scored_values) if scored_values else None
    if recomputed is not None and not math.isclose(recomputed, metric.value, abs_tol=1e-9):
        note = f"MISMATCH: our recomputation over the same attempts gives {recomputed:.6f}"
        return InspectFigure(name, metric.value, score.scored_samples, note)
    left_out = [f"{errored} errored" if errored else "", f"{unscored} NaN" if unscored else ""]
    left_out = [x for x in left_out if x]
    if not left_out:
        return InspectFigure(name, metric.value, score.scored_samples, "same")
    note = f"Inspect leaves out {' and '.join(left_out)} attempt(s); we count them as 0"
    return InspectFigure(name, metric.value, score.scored_samples, note)


def _pass_at_k(found: list[Attempt], epochs: int) -> dict[int, float]:
    finished = [a for a in found if a.outcome != "cancelled"]
    if epochs < 2 or not finished or any(a.score not in (0.0, 1.0) for a in finished):
        return {}
    trials: dict[str, list[float]] = defaultdict(list)
    for a in finished:
        trials[a.sample_id].append(a.score)
    full = {sid: v for sid, v in trials.items() if len(v) == epochs}
    if not full:
        return {}
    return {
        k: 100 * sum(stats.pass_at_k(int(sum(v)), len(v), k) for v in full.values()) / len(full)
        for k in range(1, epochs + 1)
    }


# Score-metadata facts that change what a number means, and how a table names them.
FLAG_RULES = (
    ("graded offline", lambda meta: meta.get("grading_network") == "offline"),
    ("tampering detected", lambda meta: bool(meta.get("tamper"))),
)


def score_flags(log: EvalLog) -> tuple[str, ...]:
    """FLAG_RULES that hold for some sample's headline score, with how many samples each."""
    scorer = headline_scorer(log)
    counts = dict.fromkeys((name for name, _ in FLAG_RULES), 0)
    for sample in log.samples or []:
        score = (sample.scores or {}).get(scorer) if scorer else None
        meta = (score.metadata if score is not None else None) or {}
        for name, holds in FLAG_RULES:
            counts[name] += bool(holds(meta))
    return tuple(f"{name} ({n})" for name, n in counts.items() if n)


def headline(log: EvalLog | str | Path) -> Headline:
    """Apply the scoring rule to an Inspect log (object or path)."""
    if not isinstance(log, EvalLog):
        log = read_log(Path(log))
    found = attempts(log)
    values = per_sample(found)
    cluster_of = {a.sample_id: a.cluster for a in found}
    clusters = [cluster_of[sid] or f"sample:{sid}" for sid in values]
    has_clusters = any(cluster_of[sid] for sid in values)
    interval = stats.score_interval(list(values.values()), clusters if has_clusters else None)
    n = len(values)
    mean = sum(values.values()) / n if n else 0.0
    epochs = log.eval.config.epochs or 1
    args = log.eval.task_args or {}
    return Headline(
        task=log.eval.task.split("/")[-1],
        model=log.eval.model,
        agent=agent_name(args),
        samples=n,
        errors=sum(a.outcome == "errored" for a in found),
        unscored=sum(a.outcome == "unscored" for a in found),
        score=100.0 * mean,
        ci_low=100.0 * interval.low,
        ci_high=100.0 * interval.high,
        ci_method=interval.method,
        epochs=epochs,
        status=log.status,
        planned=planned_attempts(log),
        run=sum(a.outcome != "cancelled" for a in found),
        inspect=_inspect_figure(log, found),
        pass_at_k=_pass_at_k(found, epochs),
        clusters=len(set(clusters)) if has_clusters else None,
        flags=score_flags(log),
        log=log.location or "",
    )
