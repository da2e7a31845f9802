"""The SWE tasks: `swe_bench_verified`, `swe_bench_multilingual`, `swe_bench_pro`, `swe_local`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from inspect_ai import Task, task
from inspect_ai.solver import Solver

from longcat_evals.evals.agents import DEFAULT_COMMAND_TIMEOUT_SEC, resolve_agent
from longcat_evals.evals.agents.tools import DEFAULT_MAX_OUTPUT_CHARS
from longcat_evals.evals.options import SHARED_OPTION_NAMES, AgentName, task_options
from longcat_evals.evals.swe.solvers import hide_future, swe_oracle
from longcat_evals.sandboxes import engine
from longcat_evals.sandboxes.compose import SandboxLimits
from longcat_evals.sandboxes.prebuild import require_sandbox
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

if TYPE_CHECKING:
    from longcat_evals.evals.swe.dataset import Loaded

# The swebench package takes ~2 s to import; dataset/scorer/grading load it inside the tasks so
# that registering the tasks (every `inspect` start) stays fast.
TASK_VERSION = 2
DEFAULT_MESSAGE_LIMIT = 250
PIDS_LIMIT = 4096
PRO_MEMORY_MB = 30 * 1024
"""The Pro evaluator's memory limit (grading.PRO_MEMORY_MB; repeated to keep swebench unloaded)."""
Network = Literal["online", "offline"]


def _agent(
    agent: str | None, command_timeout_sec: int, max_output_chars: int, workdir: str
) -> Solver:
    options: dict = {}
    if agent in ("default", "mini"):
        options = {"command_timeout_sec": command_timeout_sec, "max_output_chars": max_output_chars}
    if agent == "mini":
        options["workdir"] = workdir
    return resolve_agent(agent, oracle=swe_oracle(), **options)


def _workdir(chosen: list[Loaded]) -> str:
    workdirs = {getattr(item, "workdir", None) for item in chosen} - {None}
    return workdirs.pop() if len(workdirs) == 1 else "the repository's directory"


def _task(
    name: str,
    loaded: list[Loaded],
    *,
    instance_ids: str | list[str] | None,
    limit: int | None,
    shuffle: bool,
    seed: int,
    agent: str | None,
    command_timeout_sec: int,
    max_output_chars: int,
    test_timeout_sec: int | None,
    message_limit: int,
    cpus: float,
    memory_mb: int,
    grading_network: Network | None,
    grading_memory_mb: int | None,
) -> Task:
    from longcat_evals.evals.swe.dataset import build_images, select, to_samples
    from longcat_evals.evals.swe.grading import GradingOptions
    from longcat_evals.evals.swe.scorer import swe_scorer

    limits = SandboxLimits(cpus=cpus, memory_mb=memory_mb, pids=PIDS_LIMIT)
    grading = GradingOptions(
        network=grading_network,
        test_timeout_sec=test_timeout_sec,
        limits=SandboxLimits(cpus=cpus, memory_mb=grading_memory_mb or memory_mb, pids=PIDS_LIMIT),
    )
    # Build only the chosen instances' images (official images are pulled by Inspect instead).
    chosen = build_images(select(loaded, instance_ids, limit, shuffle, seed))
    return Task(
        # Each sample's sandbox holds its grader too (grading.swe_sandbox), so the grading
        # options are the samples', not the scorer's.
        dataset=to_samples(chosen, name, limits, grading=grading),
        # In `setup`, not `solver`: `--solver` replaces the solver but never these steps, so no
        # agent ever starts in a container that still holds the fix's history.
        setup=[require_sandbox(), hide_future()],
        solver=_agent(agent, command_timeout_sec, max_output_chars, _workdir(chosen)),
        scorer=swe_scorer(),
        message_limit=message_limit,
        fail_on_error=False,
        version=TASK_VERSION,
        name=name,
    )


@task
def swe_local(
    dataset: str = str(BUILTIN_INSTANCES),
    instance_ids: str | list[str] | None = None,
    limit: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
    agent: AgentName | None = "default",
    command_timeout_sec: int = DEFAULT_COMMAND_TIMEOUT_SEC,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    test_timeout_sec: int | None = None,
    message_limit: int = DEFAULT_MESSAGE_LIMIT,
    cpus: float = 1.0,
    memory_mb: int = 4096,
    grading_network: Network | None = None,
    grading_memory_mb: int | None = None,
) -> Task:
    """A local SWE dataset (default: the built-in offline set), images built offline.

    Args:
        dataset: JSONL file of instances (repo as a git bundle or path, environment recipe).
        instance_ids: Only these instances (comma-separated or a list).
        limit: At most this many instances (after shuffling).
        shuffle: Shuffle the instances (seeded by `seed`).
        seed: Seed of the shuffle.
        agent: `default` (ReAct), `mini` (bash only), `oracle` (gold patch) or `null`.
        command_timeout_sec: Wall-clock limit of one agent command.
        max_output_chars: Agent command output is truncated in the middle past this.
        test_timeout_sec: Wall-clock limit of the eval script in the grading container
            (default: the official harness's, 1800 s).
        message_limit: Messages per sample before the agent is stopped.
        cpus: CPU limit of the agent's and the grading container.
        memory_mb: Memory limit of the agent's container (and the grading container's unless
            `grading_memory_mb`).
        grading_network: `online` (Docker's bridge network, as the official harness grades)
            or `offline` (no network; each score's metadata says `grading_network: offline`, and
            an instance whose eval script needs the network is unscored as `needs_network`).
            Default: offline (local images are built with no network).
        grading_memory_mb: Memory limit of the grading container (default: memory_mb).
    """
    from longcat_evals.evals.swe.dataset import load_local

    task_options("swe_local", agent=agent, command_timeout_sec=command_timeout_sec, seed=seed,
                 max_output_chars=max_output_chars, test_timeout_sec=test_timeout_sec,
                 message_limit=message_limit, cpus=cpus, memory_mb=memory_mb)  # fmt: skip
    engine.ensure_engine()
    return _task(
        "swe_local", load_local(dataset, build=False),
        instance_ids=instance_ids, limit=limit, shuffle=shuffle, seed=seed, agent=agent,
        command_timeout_sec=command_timeout_sec, max_output_chars=max_output_chars,
        test_timeout_sec=test_timeout_sec, message_limit=message_limit, cpus=cpus,
        memory_mb=memory_mb, grading_network=grading_network,
        grading_memory_mb=grading_memory_mb,
    )  # fmt: skip


def _official(
    kind: str,
    name: str,
    *,
    dataset: str | None,
    revision: str | None,
    split: str | None,
    pro_checkout: str | None = None,
    **options,
) -> Task:
    """The one body of the official tasks; OPTIONS are `_task`'s keyword arguments."""
    from longcat_evals.evals.swe.dataset import load_official

    task_options(name, **{k: v for k, v in options.items() if k in SHARED_OPTION_NAMES})
    engine.ensure_engine()
    loaded = load_official(
        kind, dataset=dataset, revision=revision, split=split, pro_checkout=pro_checkout
    )
    return _task(name, loaded, **options)


@task
def swe_bench_verified(
    revision: str | None = None,
    dataset: str | None = None,
    split: str | None = None,
    instance_ids: str | list[str] | None = None,
    limit: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
    agent: AgentName | None = "default",
    command_timeout_sec: int = DEFAULT_COMMAND_TIMEOUT_SEC,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    test_timeout_sec: int | None = None,
    message_limit: int = DEFAULT_MESSAGE_LIMIT,
    cpus: float = 2.0,
    memory_mb: int = 8192,
    grading_network: Network | None = None,
    grading_memory_mb: int | None = None,
) -> Task:
    """SWE-bench Verified (500 Python instances) on the official per-instance images.

    Args:
        revision: Hub commit of SWE-bench/SWE-bench_Verified to pin (rows in swebench 5.x layout).
        dataset: A local export instead of the hub (.json array, .jsonl, .parquet, a
            `datasets` save_to_disk folder, a folder holding <split>.parquet) or a hub id.
        split: Dataset split (default `test`).
        instance_ids: Only these instances (comma-separated or a list).
        limit: At most this many instances (after shuffling).
        shuffle: Shuffle the instances (seeded by `seed`).
        seed: Seed of the shuffle.
        agent: `default` (ReAct), `mini` (bash only), `oracle` (gold patch) or `null`.
        command_timeout_sec: Wall-clock limit of one agent command.
        max_output_chars: Agent command output is truncated in the middle past this.
        test_timeout_sec: Wall-clock limit of the eval script in the grading container
            (default: the official harness's, 1800 s).
        message_limit: Messages per sample before the agent is stopped.
        cpus: CPU limit of the agent's and the grading container.
        memory_mb: Memory limit of the agent's container (and the grading container's unless
            `grading_memory_mb`).
        grading_network: `online` (Docker's bridge network, as the official harness grades)
            or `offline` (no network; each score's metadata says `grading_network: offline`, and
            an instance whose eval script needs the network is unscored as `needs_network`).
            Default: online.
        grading_memory_mb: Memory limit of the grading container (default:
            memory_mb; swebench sets none).
    """
    return _official(
        "verified", "swe_bench_verified", dataset=dataset, revision=revision, split=split,
        instance_ids=instance_ids, limit=limit, shuffle=shuffle, seed=seed, agent=agent,
        command_timeout_sec=command_timeout_sec, max_output_chars=max_output_chars,
        test_timeout_sec=test_timeout_sec, message_limit=message_limit, cpus=cpus,
        memory_mb=memory_mb, grading_network=grading_network,
        grading_memory_mb=grading_memory_mb,
    )  # fmt: skip


@task
def swe_bench_multilingual(
    revision: str | None = None,
    dataset: str | None = None,
    split: str | None = None,
    instance_ids: str | list[str] | None = None,
    limit: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
    agent: AgentName | None = "default",
    command_timeout_sec: int = DEFAULT_COMMAND_TIMEOUT_SEC,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    test_timeout_sec: int | None = None,
    message_limit: int = DEFAULT_MESSAGE_LIMIT,
    cpus: float = 2.0,
    memory_mb: int = 8192,
    grading_network: Network | None = None,
    grading_memory_mb: int | None = None,
) -> Task:
    """SWE-bench Multilingual (9 languages) on the official per-instance images.

    Args:
        revision: Hub commit of SWE-bench/SWE-bench_Multilingual to pin (swebench 5.x rows).
        dataset: A local export instead of the hub (.json array, .jsonl, .parquet, a
            `datasets` save_to_disk folder, a folder holding <split>.parquet) or a hub id.
        split: Dataset split (default `test`).
        instance_ids: Only these instances (comma-separated or a list).
        limit: At most this many instances (after shuffling).
        shuffle: Shuffle the instances (seeded by `seed`).
        seed: Seed of the shuffle.
        agent: `default` (ReAct), `mini` (bash only), `oracle` (gold patch) or `null`.
        command_timeout_sec: Wall-clock limit of one agent command.
        max_output_chars: Agent command output is truncated in the middle past this.
        test_timeout_sec: Wall-clock limit of the eval script in the grading container
            (default: the official harness's, 1800 s).
        message_limit: Messages per sample before the agent is stopped.
        cpus: CPU limit of the agent's and the grading container.
        memory_mb: Memory limit of the agent's container (and the grading container's unless
            `grading_memory_mb`).
        grading_network: `online` (Docker's bridge network, as the official harness grades)
            or `offline` (no network; each score's metadata says `grading_network: offline`, and
            an instance whose eval script needs the network is unscored as `needs_network`).
            Default: online.
        grading_memory_mb: Memory limit of the grading container (default:
            memory_mb; swebench sets none).
    """
    return _official(
        "multilingual", "swe_bench_multilingual", dataset=dataset, revision=revision,
        split=split,
        instance_ids=instance_ids, limit=limit, shuffle=shuffle, seed=seed, agent=agent,
        command_timeout_sec=command_timeout_sec, max_output_chars=max_output_chars,
        test_timeout_sec=test_timeout_sec, message_limit=message_limit, cpus=cpus,
        memory_mb=memory_mb, grading_network=grading_network,
        grading_memory_mb=grading_memory_mb,
    )  # fmt: skip


@task
def swe_bench_pro(
    pro_checkout: str | None = None,
    revision: str | None = None,
    dataset: str | None = None,
    split: str | None = None,
    instance_ids: str | list[str] | None = None,
    limit: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
    agent: AgentName | None = "default",
    command_timeout_sec: int = DEFAULT_COMMAND_TIMEOUT_SEC,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    test_timeout_sec: int | None = None,
    message_limit: int = DEFAULT_MESSAGE_LIMIT,
    cpus: float = 2.0,
    memory_mb: int = 8192,
    grading_network: Network | None = None,
    grading_memory_mb: int | None = PRO_MEMORY_MB,
) -> Task:
    """SWE-bench Pro (public set) on its Docker Hub images, graded by its run scripts.

    Args:
        pro_checkout: Path to a clone of scaleapi/SWE-bench_Pro-os (run_scripts/, dockerfiles/).
        revision: Hub commit of ScaleAI/SWE-bench_Pro to pin.
        dataset: A local export instead of the hub (.json array, .jsonl, .parquet, a
            `datasets` save_to_disk folder, a folder holding <split>.parquet) or a hub id.
        split: Dataset split (default `test`).
        instance_ids: Only these instances (comma-separated or a list).
        limit: At most this many instances (after shuffling).
        shuffle: Shuffle the instances (seeded by `seed`).
        seed: Seed of the shuffle.
        agent: `default` (ReAct), `mini` (bash only), `oracle` (gold patch) or `null`.
        command_timeout_sec: Wall-clock limit of one agent command.
        max_output_chars: Agent command output is truncated in the middle past this.
        test_timeout_sec: Wall-clock limit of the eval script in the grading container
            (default: the official harness's, 3600 s).
        message_limit: Messages per sample before the agent is stopped.
        cpus: CPU limit of the agent's and the grading container.
        memory_mb: Memory limit of the agent's container (and the grading container's unless
            `grading_memory_mb`).
        grading_network: `online` (Docker's bridge network, as the official harness grades)
            or `offline` (no network; each score's metadata says `grading_network: offline`, and
            an instance whose eval script needs the network is unscored as `needs_network`).
            Default: online (the Pro evaluator's `--block_network` is opt-in).
        grading_memory_mb: Memory limit of the grading container (default:
            30720, the Pro evaluator's limit).
    """
    return _official(
        "pro", "swe_bench_pro", dataset=dataset, revision=revision, split=split,
        pro_checkout=pro_checkout,
        instance_ids=instance_ids, limit=limit, shuffle=shuffle, seed=seed, agent=agent,
        command_timeout_sec=command_timeout_sec, max_output_chars=max_output_chars,
        test_timeout_sec=test_timeout_sec, message_limit=message_limit, cpus=cpus,
        memory_mb=memory_mb, grading_network=grading_network,
        grading_memory_mb=grading_memory_mb,
    )  # fmt: skip
