"""Run a suite through Inspect's `eval_set` and turn its logs into headline rows.

`eval_set` is what gives a suite retries (a task whose run errors is retried), resume (a re-run in
the same log dir continues unfinished tasks) and skipping (finished tasks are not run again).
Entries whose data or images are unavailable, or whose task cannot be built, are reported in one
line each and left out; the rest still run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from inspect_ai import Task, eval_set, task_with

# Inspect's loader of a registered task by name with arguments (what `inspect eval NAME -T ...`
# uses); eval_set's own string form cannot carry different -T options per task.
from inspect_ai._eval.registry import task_create

# How `--sample-id` cuts a dataset (ids and globs), for one suite entry's samples.
from inspect_ai._eval.task.util import slice_dataset
from inspect_ai._util.error import PrerequisiteError
from inspect_ai.dataset import Dataset
from inspect_ai.model import GenerateConfig, get_model

from longcat_evals.errors import UserFacingError
from longcat_evals.progress import Progress, progress
from longcat_evals.results.claims import BENCHMARK_KEY
from longcat_evals.results.logs import ResultsError, find_logs, read_log
from longcat_evals.results.runs import SUITE_SAMPLE_IDS_KEY
from longcat_evals.results.scoring import Headline, headline
from longcat_evals.results.suites import SuiteEntry


@dataclass
class SuiteResult:
    rows: list[Headline] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """One line per entry that did not run, and why."""
    complete: bool = True
    """Whether eval_set finished every task it ran (after its retries)."""


def describe(entry: SuiteEntry, model: str) -> str:
    """The entry as an `inspect eval` line (options computed at run time shown by name only)."""
    shown = {**entry.args, **{k: f"<{k}>" for k in entry.args_from_callable}}
    shown.update({k: f"${v}" for k, v in entry.args_from_env.items()})
    options = " ".join(f"-T {k}={v}" for k, v in shown.items())
    if entry.sample_ids:
        options += f" --sample-id {','.join(entry.sample_ids)}"
    return f"{entry.task} {options.strip()} --model {model}"


def _build(entry: SuiteEntry, model: str, base_url: str | None) -> Task:
    task = task_create(entry.task, **entry.resolved_args())
    metadata = dict(task.metadata or {})
    if entry.benchmark:
        metadata[BENCHMARK_KEY] = entry.benchmark
    if entry.sample_ids:
        # --sample-id of this task alone: the dataset's own filter (a lazy dataset prepares
        # only these samples' images), recorded so the run reads as a subset.
        task.dataset = sample_id_slice(task, entry.sample_ids)
        metadata[SUITE_SAMPLE_IDS_KEY] = ",".join(entry.sample_ids)
    # Only the suite's own model gets the base URL; fixed entries (mockllm, the tiny local
    # model) keep their defaults.
    model_args = entry.model_args() if entry.model_args else {}
    if base_url:
        model_args["base_url"] = base_url
    resolved = get_model(model, **model_args)
    config = task.config.merge(GenerateConfig(**entry.generate)) if entry.generate else None
    if config is None:
        return task_with(task, model=resolved, metadata=metadata)
    return task_with(task, model=resolved, metadata=metadata, config=config)


def sample_id_slice(task: Task, sample_ids: Sequence[str]) -> Dataset:
    """TASK's dataset cut to SAMPLE_IDS as `--sample-id` cuts it (an unknown id: one line)."""
    known = [str(sample.id) for sample in task.dataset]
    missing = [i for i in sample_ids if i not in known]
    if missing:
        raise UserFacingError(
            f"{task.name}: no sample {', '.join(missing)} (known: {', '.join(known)})"
        )
    return slice_dataset(task.dataset, None, list(sample_ids))


def run_suite(
    entries: Sequence[SuiteEntry],
    log_dir: Path,
    model: str | None = None,
    model_base_url: str | None = None,
    log: Progress = progress,
    retry_attempts: int = 2,
    display: str | None = None,
) -> SuiteResult:
    """Run ENTRIES as one eval set in LOG_DIR; entries with model None use MODEL."""
    result = SuiteResult()
    tasks: list[Task] = []
    for number, entry in enumerate(entries, 1):
        entry_model = entry.model or model
        if entry_model is None:
            raise UserFacingError(f"{entry.task}: this suite needs --model (the model to run)")
        label = f"[{number}/{len(entries)}] {describe(entry, entry_model)}"
        reason = entry.unavailable() if entry.unavailable else None
        if reason:
            result.skipped.append(f"{entry.task}: {reason}")
            log(f"{label}: skipped, {reason}")
            continue
        try:
            base_url = model_base_url if entry.model is None else None
            tasks.append(_build(entry, entry_model, base_url))
        except UserFacingError as e:
            line = str(e).splitlines()[0] if str(e) else type(e).__name__
            result.skipped.append(f"{entry.task}: {line}")
            log(f"{label}: cannot be built: {line}")
            continue
        log(label)
    if not tasks:
        return result
    try:
        complete, logs = eval_set(
            tasks,
            log_dir=str(log_dir),
            retry_attempts=retry_attempts,
            retry_wait=1,
            display=display,
            # Logs of an earlier, different suite definition may sit in the dir (e.g. a
            # previous `make demo`); they are left alone and not shown in this suite's table.
            log_dir_allow_dirty=True,
        )
    except PrerequisiteError as e:
        raise UserFacingError(f"{log_dir}: {str(e.message).splitlines()[0]}") from None
    result.complete = complete
    # Every log of the set (eval_set returns only those it touched on a resumed run), re-read
    # from disk: the scoring rule applies to what `inspect view` shows.
    ours = {Path(item.location.removeprefix("file://")).name for item in logs}
    for path in find_logs([log_dir]):
        try:
            row = headline(path)
        except ResultsError as e:
            result.skipped.append(str(e))
            continue
        if path.name in ours or _same_set(path, logs):
            result.rows.append(row)
    result.rows.sort(key=lambda row: (row.task, row.model, row.agent))
    return result


def _same_set(path: Path, logs) -> bool:
    """Whether the log at PATH belongs to the eval set that produced LOGS."""
    ids = {item.eval.eval_set_id for item in logs}
    try:
        return read_log(path, header_only=True).eval.eval_set_id in ids
    except ResultsError:
        return False
