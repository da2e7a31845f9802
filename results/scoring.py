"""The project's one scoring rule.

- Every sample's score is a number in [0, 1] (the task's first scorer). Numbers and booleans
  count as they are (clamped), strings through Inspect's `value_to_float` (C/I/P/N, yes/no,
  numeric strings); anything else (None, a dict, "maybe") is "could not be scored".
- The headline is 0-100 over ALL samples of the log: a sample that errored (sandbox or API
  failure) or could not be scored counts as 0 in the headline and is counted separately, never
  dropped. Denominator = every sample the task generated.
- The 95% interval is the normal approximation of the mean over those samples.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

from inspect_ai.log import EvalLog, EvalSample, read_eval_log
from inspect_ai.scorer import value_to_float

SCORING_RULE_VERSION = 1
_to_float = value_to_float()


@dataclass(frozen=True)
class Headline:
    """One row of a results table: a task run with one model and one agent."""

    task: str
    model: str
    agent: str
    samples: int
    """Denominator: every sample in the log."""
    errors: int
    """Samples that errored (infrastructure or API): scored 0 in `score`."""
    unscored: int
    """Samples that finished but have no usable score: scored 0 in `score`."""
    score: float
    """Mean per-sample score x 100, errors and unscored counted as 0."""
    ci95: float
    """Half-width of the 95% interval of `score`."""
    log: str
    rule_version: int = SCORING_RULE_VERSION

    def as_dict(self) -> dict:
        return asdict(self)


def sample_value(sample: EvalSample) -> float | None:
    """The sample's score in [0, 1], or None when it errored or has no usable score."""
    if sample.error is not None or not sample.scores:
        return None
    value = next(iter(sample.scores.values())).value
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


_STRING_VALUES = {"C", "I", "P", "N", "yes", "no", "true", "false"}


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _agent_name(task_args: dict) -> str:
    agent = task_args.get("agent", "default")
    # `-T agent=null` arrives as None: Inspect reads -T values as YAML.
    return "null" if agent is None else str(agent)


def headline(log: EvalLog | str | Path) -> Headline:
    """Apply the scoring rule to an Inspect log (object or path)."""
    if not isinstance(log, EvalLog):
        log = read_eval_log(str(log))
    samples = log.samples or []
    values: list[float] = []
    errors = unscored = 0
    for sample in samples:
        value = sample_value(sample)
        if value is None:
            if sample.error is not None:
                errors += 1
            else:
                unscored += 1
            value = 0.0
        values.append(value)
    n = len(values)
    mean = sum(values) / n if n else 0.0
    if n > 1:
        var = sum((v - mean) ** 2 for v in values) / (n - 1)
        ci = 1.96 * math.sqrt(var / n)
    else:
        ci = 0.0
    args = log.eval.task_args or {}
    return Headline(
        task=log.eval.task.split("/")[-1],
        model=log.eval.model,
        agent=_agent_name(args),
        samples=n,
        errors=errors,
        unscored=unscored,
        score=100.0 * mean,
        ci95=100.0 * ci,
        log=log.location or "",
    )
