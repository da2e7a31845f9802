"""The SWE tasks: `swe_bench_verified`, `swe_bench_multilingual`, `swe_bench_pro`, `swe_local`.

One task body (`swe_task`) and four thin variants: each names its dataset, takes the options that
say where its rows are, and passes everything else as `SweOptions` (typed and documented once in
options.py; an unknown `-T` name is a one-line error, not Inspect's warning).

A dataset reads one way: `dataset` (rows of the file or the hub) → `adapters` (a row becomes a
`SweInstance` through `schema`, or a one-line LoadFailure) → `samples` (Inspect samples whose
images are made when they run).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspect_ai import Task, task
from inspect_ai.solver import Solver

from longcat_evals.evals.agents import resolve_agent
from longcat_evals.evals.options import OptionError
from longcat_evals.evals.swe.options import OfficialSweOptions, SweOptions, swe_options
from longcat_evals.evals.swe.schema import InstanceError
from longcat_evals.evals.swe.solvers import hide_future, swe_oracle
from longcat_evals.sandboxes.compose import SandboxLimits
from longcat_evals.sandboxes.k8s import SandboxTarget
from longcat_evals.sandboxes.prebuild import require_sandbox
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

if TYPE_CHECKING:
    from longcat_evals.evals.swe.schema import Loaded, SweInstance

# The swebench package takes ~2 s to import; dataset/scorer/grading load it inside the tasks so
# that registering the tasks (every `inspect` start) stays fast.
TASK_VERSION = 2
PIDS_LIMIT = 4096
PRO_MEMORY_MB = 30 * 1024
"""The Pro evaluator's memory limit (grading.PRO_MEMORY_MB; repeated to keep swebench unloaded)."""
LOCAL_DEFAULTS = {"cpus": 1.0, "memory_mb": 4096}


def _agent(opts: SweOptions, workdir: str) -> Solver:
    options: dict = {}
    if opts.agent in ("default", "mini"):
        options = {
            "command_timeout_sec": opts.command_timeout_sec,
            "max_output_chars": opts.max_output_chars,
        }
    if opts.agent == "mini":
        options["workdir"] = workdir
    return resolve_agent(opts.agent, oracle=swe_oracle(), **options)


def _workdir(chosen: list[Loaded]) -> str:
    workdirs = {getattr(item, "workdir", None) for item in chosen} - {None}
    return workdirs.pop() if len(workdirs) == 1 else "the repository's directory"


def swe_task(name: str, opts: SweOptions, loaded: list[Loaded]) -> Task:
    """The one task body: the instances' samples (images made when they run), agent, grading.

    Args:
        name: The task's name (dataset name).
        opts: The validated options (`swe_options`).
        loaded: The dataset's instances (`load_local`, `load_official`).
    """
    from longcat_evals.evals.swe.grading import GradingOptions
    from longcat_evals.evals.swe.samples import swe_dataset
    from longcat_evals.evals.swe.scorer import swe_scorer

    limits = SandboxLimits(cpus=opts.cpus, memory_mb=opts.memory_mb, pids=PIDS_LIMIT)
    grading = GradingOptions(
        network=opts.grading_network,
        test_timeout_sec=opts.test_timeout_sec,
        limits=SandboxLimits(
            cpus=opts.cpus, memory_mb=opts.grading_memory_mb or opts.memory_mb, pids=PIDS_LIMIT
        ),
    )
    return Task(
        # Images only for the samples Inspect runs (`--limit`, `--sample-id`): local ones are
        # built then, official ones pulled by Inspect. Each sample's sandbox holds its grader
        # too (grading.swe_sandbox), so the grading options are the samples', not the scorer's.
        dataset=swe_dataset(name, loaded, limits, grading, target=SandboxTarget.of(opts)),
        # In `setup`, not `solver`: `--solver` replaces the solver but never these steps, so no
        # agent ever starts in a container that still holds the fix's history.
        setup=[require_sandbox(), hide_future()],
        solver=_agent(opts, _workdir(loaded)),
        scorer=swe_scorer(),
        message_limit=opts.message_limit,
        fail_on_error=False,
        version=TASK_VERSION,
    )


def load_local(path: str | Path = BUILTIN_INSTANCES) -> list[Loaded]:
    """The instances of a local JSONL dataset (our schema; images are built when they run)."""
    from longcat_evals.evals.swe.adapters import from_local_row, instances
    from longcat_evals.evals.swe.dataset import local_rows

    path = Path(path)
    return instances(local_rows(path), lambda row, where: from_local_row(row, path.parent, where))


def load_official(
    kind: str,
    *,
    dataset: str | None = None,
    revision: str | None = None,
    split: str | None = None,
    pro_checkout: str | None = None,
) -> list[Loaded]:
    """The instances of SWE-bench Verified/Multilingual/Pro (images are pulled by Inspect).

    A bad row (not JSON, missing field, ...) becomes a LoadFailure naming its file and line (or
    row), so it errors only its own sample.
    """
    from longcat_evals.evals.swe.adapters import from_pro_row, from_swebench_row, instances
    from longcat_evals.evals.swe.dataset import official_rows

    adapt: Callable[[dict, str], SweInstance] = from_swebench_row
    if kind == "pro":
        checkout = _pro_checkout(pro_checkout)  # before the rows: a hub load takes a while
        adapt = lambda row, where: from_pro_row(row, checkout, where)  # noqa: E731
    return instances(official_rows(kind, dataset, revision, split), adapt)


def _pro_checkout(pro_checkout: str | None) -> Path:
    if not pro_checkout:
        raise InstanceError(
            "swe_bench_pro needs -T pro_checkout=<path to a clone of "
            "https://github.com/scaleapi/SWE-bench_Pro-os> (its run_scripts/ grade Pro)"
        )
    checkout = Path(pro_checkout).expanduser()
    if not (checkout / "run_scripts").is_dir():
        raise InstanceError(
            f"SWE-bench Pro checkout {checkout} has no run_scripts/ folder; clone "
            "https://github.com/scaleapi/SWE-bench_Pro-os there"
        )
    return checkout


def _official(name: str, kind: str, options: dict[str, Any], **own: Any) -> Task:
    """An official set's task: OPTIONS as `OfficialSweOptions`, OWN its own parameters."""
    defaults = {"grading_memory_mb": PRO_MEMORY_MB} if kind == "pro" else {}
    opts = swe_options(name, options, OfficialSweOptions, tuple(own), **defaults)
    assert isinstance(opts, OfficialSweOptions)
    loaded = load_official(
        kind, dataset=opts.dataset, revision=opts.revision, split=opts.split, **own
    )
    return swe_task(name, opts, loaded)


@task
def swe_local(dataset: str | None = None, **options: Any) -> Task:
    """A local SWE dataset (default: the built-in offline set), images built offline.

    Args:
        dataset: JSONL file of instances (repo as a git bundle or path, environment recipe);
            default: the built-in set shipped in tasks/swe.
        **options: The options of every SWE task (`SweOptions`); here `cpus` defaults to 1,
            `memory_mb` to 4096 and `grading_network` to `offline`.
    """
    opts = swe_options("swe_local", options, own=("dataset",), **LOCAL_DEFAULTS)
    if dataset is not None and not isinstance(dataset, str):  # `-T dataset=5` arrives as an int
        raise OptionError(f"swe_local: bad option -T dataset={dataset!r}: expected a path")
    return swe_task("swe_local", opts, load_local(dataset or BUILTIN_INSTANCES))


@task
def swe_bench_verified(**options: Any) -> Task:
    """SWE-bench Verified (500 Python instances) on the official per-instance images.

    Args:
        **options: The options of the official SWE-bench tasks (`OfficialSweOptions`: the
            dataset's `revision`, `dataset`, `split`, and every SWE task's options); the hub
            dataset is SWE-bench/SWE-bench_Verified (rows in swebench 5.x layout).
    """
    return _official("swe_bench_verified", "verified", options)


@task
def swe_bench_multilingual(**options: Any) -> Task:
    """SWE-bench Multilingual (9 languages) on the official per-instance images.

    Args:
        **options: The options of the official SWE-bench tasks (`OfficialSweOptions`); the hub
            dataset is SWE-bench/SWE-bench_Multilingual (rows in swebench 5.x layout).
    """
    return _official("swe_bench_multilingual", "multilingual", options)


@task
def swe_bench_pro(pro_checkout: str | None = None, **options: Any) -> Task:
    """SWE-bench Pro (public set) on its Docker Hub images, graded by its run scripts.

    Args:
        pro_checkout: Path to a clone of scaleapi/SWE-bench_Pro-os (run_scripts/, dockerfiles/).
        **options: The options of the official SWE-bench tasks (`OfficialSweOptions`); the hub
            dataset is ScaleAI/SWE-bench_Pro, and `grading_memory_mb` defaults to 30720.
    """
    return _official("swe_bench_pro", "pro", options, pro_checkout=pro_checkout)
