"""A log as the leaderboard and the gate see it: headline, attempts and the settings it ran with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from longcat_evals.results.logs import read_log
from longcat_evals.results.scoring import Attempt, Headline, attempts, headline, headline_scorer

# Task options that run part of a benchmark: a score over a subset is not the benchmark's score.
# (`limit`, `instance_ids` and `tasks` are read in logs of tasks that still took them.)
SUBSET_OPTIONS = ("limit", "instance_ids", "tasks", "category", "difficulty", "sample_id")
# Inspect's own selection (`--limit`, `--sample-id`), and a suite entry's sample ids (the
# runner records them in the task's metadata: eval_set's --sample-id is one for every task).
SUBSET_FLAGS = ("limit", "sample_id")
SUITE_SAMPLE_IDS_KEY = "suite_sample_ids"
# Inspect limits that change what an agent may do (and so the score).
LIMIT_FIELDS = (
    "message_limit",
    "token_limit",
    "time_limit",
    "working_limit",
    "cost_limit",
    "turn_limit",
)


@dataclass(frozen=True)
class Run:
    """One log: what it scored and every setting a comparison must check."""

    path: Path
    headline: Headline
    attempts: list[Attempt]
    task: str
    task_version: str
    task_args: dict
    model_args: dict
    dataset: dict
    """name, location, the planned sample ids and a revision where the task has one."""
    scoring: dict
    """The headline scorer, its metrics and the project's rule version."""
    limits: dict
    generate: dict
    created: str
    metadata: dict
    """The log's eval metadata (a suite entry names its benchmark there)."""

    selection: dict
    """Inspect's `--limit`/`--sample-id` of the run and a suite entry's sample ids."""

    @property
    def subset(self) -> dict[str, object]:
        """The options (`-T` or Inspect's flags) that made this run a subset of its task's."""
        chosen = {k: self.task_args.get(k) for k in SUBSET_OPTIONS}
        chosen |= {f"--{k.replace('_', '-')}": self.selection.get(k) for k in SUBSET_FLAGS}
        chosen["suite sample ids"] = self.metadata.get(SUITE_SAMPLE_IDS_KEY)
        return {k: v for k, v in chosen.items() if v not in (None, "", [])}

    @property
    def thinking(self) -> object:
        return self.model_args.get("thinking", "unknown")


def load_run(path: Path) -> Run:
    """Read LOG into a Run (ResultsError, one line, when it is not a readable log)."""
    log = read_log(Path(path))
    config = log.eval.config
    scorer = headline_scorer(log)
    spec = next((s for s in log.eval.scorers or [] if s.name == scorer), None)
    metrics = [m.name for m in (spec.metrics if spec and isinstance(spec.metrics, list) else [])]
    args = dict(log.eval.task_args or {})
    generate = log.eval.model_generate_config
    row = headline(log)
    return Run(
        path=Path(path),
        headline=row,
        attempts=attempts(log),
        task=log.eval.task.split("/")[-1],
        task_version=str(log.eval.task_version),
        task_args=args,
        model_args=dict(log.eval.model_args or {}),
        dataset={
            "name": log.eval.dataset.name,
            "location": log.eval.dataset.location,
            "sample_ids": [str(i) for i in log.eval.dataset.sample_ids or []],
            "revision": args.get("revision"),
        },
        scoring={
            "scorer": scorer,
            "metrics": metrics,
            "options": dict(spec.options or {}) if spec else {},
            "rule_version": row.rule_version,
        },
        limits={k: getattr(config, k, None) for k in LIMIT_FIELDS},
        generate=generate.model_dump(exclude_none=True) if generate else {},
        created=log.eval.created,
        metadata=dict(log.eval.metadata or {}),
        selection={k: getattr(config, k, None) for k in SUBSET_FLAGS},
    )
