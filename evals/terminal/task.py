"""`terminal_bench`: Terminal-Bench tasks (Harbor 2.x or 1.x directories) as an Inspect task."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.solver import chain

import longcat_evals.tasks
from longcat_evals.evals.agents import resolve_agent
from longcat_evals.evals.options import AgentName, choice, task_options
from longcat_evals.evals.terminal import environment
from longcat_evals.evals.terminal import image_map as imap
from longcat_evals.evals.terminal.loader import TaskLoadError, load_all
from longcat_evals.evals.terminal.network import network_lines
from longcat_evals.evals.terminal.solvers import agent_time_limit, terminal_oracle
from longcat_evals.evals.terminal.spec import TerminalTask
from longcat_evals.evals.terminal.verify import terminal_verifier
from longcat_evals.sandboxes import engine, images
from longcat_evals.sandboxes.compose import docker_sandbox
from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.prebuild import BUILD_ERROR_KEY, prebuild, require_sandbox

BUILTIN_SUITE = Path(longcat_evals.tasks.__file__).parent / "terminal" / "builtin"
TASK_VERSION = 1


def _log(message: str) -> None:
    print(f"terminal_bench: {message}", flush=True)


def _metadata(task: TerminalTask) -> dict:
    return {
        "format": task.format,
        "path": str(task.path),
        "category": task.category,
        "difficulty": task.difficulty,
        "tags": task.tags,
        "tests_dir": str(task.tests_dir),
        "test_script": str(task.test_script),
        "parser": task.parser,
        "verifier_env": task.verifier_env,
        "verifier_timeout_sec": task.verifier_timeout_sec,
        "agent_timeout_sec": task.agent_timeout_sec,
        "solution_dir": str(task.solution_dir) if task.solution_dir else None,
        "solution_script": None if task.solution_dir else task.solution_script,
        "solution_env": task.solution_env,
        "storage_mb_ignored": task.storage_mb,
    }


def _sample(task: TerminalTask, resolver, network: bool | None, memory_mb: int | None) -> Sample:
    offline = not (task.allow_internet if network is None else network)
    built: dict = {}

    def build() -> str:
        try:
            built["env"] = environment.prepare(task, resolver, offline, _log)
        except SandboxSetupError:
            raise
        except Exception as e:  # any surprise in one task's set-up errors that sample only
            raise SandboxSetupError(
                f"terminal task '{task.id}': environment set-up failed: {type(e).__name__}: {e}"
            ) from e
        return built["env"].image

    image, error = prebuild(build, lambda: images.ensure_base(log=_log))
    env = built.get("env") or environment.Environment(image=image, workdir="/")
    meta = _metadata(task) | {
        "image": env.image,
        "workdir": env.workdir,
        "offline": offline,
        "image_substitutions": env.substitutions,
        "baked_installs": env.baked,
        "network_needs": env.network_needs,
        "script_network_lines": network_lines(environment.test_scripts(task)),
    }
    if error:
        _log(f"WARNING: {error} (this sample will error; the others go on)")
        meta[BUILD_ERROR_KEY] = error
        spec = docker_sandbox(image)
    else:
        spec = environment.sandbox_spec(task, env, offline, memory_mb)
    meta["compose_file"] = spec.config
    return Sample(id=task.id, input=task.instruction, metadata=meta, sandbox=spec)


def _broken(error: TaskLoadError) -> Sample:
    _log(f"WARNING: {error} (this sample will error; the others go on)")
    return Sample(
        id=error.task_id,
        input=f"(terminal task '{error.task_id}' could not be loaded)",
        metadata={BUILD_ERROR_KEY: str(error), "format": None},
        sandbox=docker_sandbox(images.ensure_base(log=_log)),
    )


def build_samples(
    path: Path,
    tasks: str | None,
    category: str | None,
    difficulty: str | None,
    resolver: imap.Resolver,
    network: bool | None,
    memory_mb: int | None,
    build_workers: int,
) -> list[Sample]:
    loaded, errors = load_all(path, tasks, category, difficulty)
    if category or difficulty:
        for error in errors:  # unreadable fields cannot match a filter: left out, but said
            _log(f"WARNING: {error} (left out: its category/difficulty cannot be read)")
        errors = []
    if not loaded and not errors:
        raise ValueError(f"No terminal tasks selected under {path}")
    _log(f"{len(loaded)} task(s) from {path}; preparing their images (built only if missing) …")
    with ThreadPoolExecutor(max_workers=max(1, build_workers)) as pool:
        samples = list(pool.map(lambda t: _sample(t, resolver, network, memory_mb), loaded))
    return samples + [_broken(e) for e in errors]


@task
def terminal_bench(
    path: str | None = None,
    tasks: str | None = None,
    category: str | None = None,
    difficulty: str | None = None,
    agent: AgentName = "default",
    image_map: str | None = None,
    base_images: Literal["auto", "map", "original"] = "auto",
    network: bool | None = None,
    timeout_multiplier: float = 1.0,
    command_timeout_sec: int = 180,
    max_output_chars: int = 16000,
    memory_mb: int | None = None,
    message_limit: int | None = 300,
    build_workers: int = 4,
) -> Task:
    """Terminal-Bench tasks (Harbor 2.x or 1.x directories) in Docker sandboxes.

    Args:
        path: A task directory or a directory of them (a Terminal-Bench checkout); default: the
            built-in suite shipped in tasks/terminal/builtin.
        tasks: Comma-separated task ids or globs (e.g. `git-*,fix-c`).
        category: Comma-separated categories to keep (task metadata).
        difficulty: Comma-separated difficulties to keep (easy, medium, hard).
        agent: `default` (ReAct + bash/python/editor), `mini` (bash-only), `oracle` (the task's
            solution), or `null` (does nothing).
        image_map: A YAML image map consulted before the built-in one.
        base_images: `auto` (use a public base image when present or pullable, else its mapped
            stand-in), `map` (always the stand-in when the map has one), `original` (never map).
        network: Give containers the network (true/false); default: each task's own policy.
        timeout_multiplier: Factor on every task's agent and verifier timeouts.
        command_timeout_sec: Per-command time limit of the default and mini agents' tools.
        max_output_chars: Tool output longer than this is truncated (head and tail kept).
        memory_mb: Override of every task's memory limit.
        message_limit: Message limit of each sample (None: only the timeouts apply).
        build_workers: Task images built in parallel.
    """
    task_options("terminal_bench", agent=agent, network=network, memory_mb=memory_mb,
                 timeout_multiplier=timeout_multiplier, command_timeout_sec=command_timeout_sec,
                 max_output_chars=max_output_chars, message_limit=message_limit)  # fmt: skip
    choice("terminal_bench", "base_images", base_images, ("auto", "map", "original"))
    engine.ensure_engine()
    maps = [(imap.load_map(Path(image_map)), image_map)] if image_map else []
    maps.append((imap.load_map(imap.BUILTIN_MAP), "built-in"))
    resolver = imap.Resolver(maps, base_images)
    root = Path(path).expanduser() if path else BUILTIN_SUITE
    samples = build_samples(
        root, tasks, category, difficulty, resolver, network, memory_mb, build_workers
    )
    solver = resolve_agent(
        agent,
        oracle=terminal_oracle(timeout_multiplier),
        command_timeout_sec=command_timeout_sec,
        max_output_chars=max_output_chars,
    )
    return Task(
        dataset=MemoryDataset(samples, name="terminal_bench"),
        solver=chain(require_sandbox(), agent_time_limit(solver, timeout_multiplier)),
        scorer=terminal_verifier(timeout_multiplier),
        message_limit=message_limit,
        fail_on_error=False,
        version=TASK_VERSION,
    )
