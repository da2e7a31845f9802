"""`terminal_bench`: Terminal-Bench tasks (Harbor 2.x or 1.x directories) as an Inspect task."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.solver import chain

import longcat_evals.tasks
from longcat_evals.errors import UserFacingError
from longcat_evals.evals.agents import resolve_agent
from longcat_evals.evals.options import family_options
from longcat_evals.evals.terminal import environment, sample_env
from longcat_evals.evals.terminal import image_map as imap
from longcat_evals.evals.terminal.loader import TaskLoadError, load_all
from longcat_evals.evals.terminal.network import network_lines
from longcat_evals.evals.terminal.options import TerminalOptions
from longcat_evals.evals.terminal.solvers import agent_time_limit, terminal_oracle
from longcat_evals.evals.terminal.spec import TerminalTask
from longcat_evals.evals.terminal.verify import terminal_verifier
from longcat_evals.progress import progress
from longcat_evals.sandboxes import engine, images
from longcat_evals.sandboxes.compose import docker_sandbox
from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.k8s import SandboxTarget
from longcat_evals.sandboxes.lazy_dataset import LazyDataset, unprepared
from longcat_evals.sandboxes.prebuild import BUILD_ERROR_KEY, prebuild, require_sandbox

BUILTIN_SUITE = Path(longcat_evals.tasks.__file__).parent / "terminal" / "builtin"
TASK_VERSION = 1
logger = logging.getLogger(__name__)


def _log(message: str) -> None:
    progress(f"terminal_bench: {message}")


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


def _sample(
    task: TerminalTask,
    resolver,
    network: bool | None,
    memory_mb: int | None,
    target: SandboxTarget | None = None,
) -> Sample:
    offline = not (task.allow_internet if network is None else network)
    built: dict = {}

    def build() -> str:
        try:
            built["env"] = sample_env.prepare(task, resolver, offline, _log)
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
        "environment_source": env.source,
        "image_substitutions": env.substitutions,
        "baked_installs": env.baked,
        "offline_standins": env.offline_standins,
        "network_needs": env.network_needs,
        "script_network_lines": network_lines(environment.test_scripts(task)),
    }
    if env.command is not None:
        meta["compose_command"] = env.command
    if error:
        logger.warning("terminal_bench: %s (this sample will error; the others go on)", error)
        meta[BUILD_ERROR_KEY] = error
        spec = docker_sandbox(image)
    else:
        spec = sample_env.sandbox_spec(task, env, offline, memory_mb)
    meta["compose_file"] = spec.config
    spec = (target or SandboxTarget()).spec(spec)
    return Sample(id=task.id, input=task.instruction, metadata=meta, sandbox=spec)


def _broken(error: TaskLoadError) -> Sample:
    """The sample of a task that could not be loaded: it errors with the load error."""
    logger.warning("terminal_bench: %s (this sample will error; the others go on)", error)
    return Sample(
        id=error.task_id,
        input=_broken_input(error),
        metadata={BUILD_ERROR_KEY: str(error), "format": None},
        sandbox=docker_sandbox(images.ensure_base(log=_log)),
    )


def _broken_input(error: TaskLoadError) -> str:
    return f"(terminal task '{error.task_id}' could not be loaded)"


def _key(item: TerminalTask | TaskLoadError) -> str:
    return item.id if isinstance(item, TerminalTask) else f"broken:{item.task_id}"


def _preview(item: TerminalTask | TaskLoadError) -> Sample:
    if isinstance(item, TerminalTask):
        return unprepared(item.id, item.instruction, _metadata(item))
    return unprepared(item.task_id, _broken_input(item), {"format": None})


def build_dataset(
    path: Path,
    loaded: list[TerminalTask],
    errors: list[TaskLoadError],
    opts: TerminalOptions,
    resolver: imap.Resolver,
) -> LazyDataset:
    """The tasks under PATH as a lazily prepared dataset (load errors become errored samples)."""
    if opts.category or opts.difficulty:
        for error in errors:  # unreadable fields cannot match a filter: left out, but said
            logger.warning(
                "terminal_bench: %s (left out: its category/difficulty cannot be read)", error
            )
        errors = []
    if not loaded and not errors:
        raise TerminalInputError(
            f"terminal_bench: no task under {path} matches -T category/difficulty"
        )
    _log(f"{len(loaded)} task(s) from {path}; images are prepared for the samples that run")

    def prepare(item) -> Sample:
        if isinstance(item, TerminalTask):
            return _sample(item, resolver, opts.network, opts.memory_mb, SandboxTarget.of(opts))
        return _broken(item)

    return LazyDataset(
        [*loaded, *errors], _key, _preview, prepare, name="terminal_bench",
        workers=opts.build_workers, log=_log, before_first=lambda: engine.ensure_engine(log=_log),
    )  # fmt: skip


class TerminalInputError(UserFacingError):
    """Bad `terminal_bench` input (path, task selection, image map, options)."""


@task
def terminal_bench(path: str | None = None, **options: Any) -> Task:
    """Terminal-Bench tasks (Harbor 2.x or 1.x directories) in Docker sandboxes.

    Args:
        path: A task directory or a directory of them (a Terminal-Bench checkout); default: the
            built-in suite shipped in tasks/terminal/builtin.
        **options: The options of `terminal_bench` (`TerminalOptions`).
    """
    opts = family_options(TerminalOptions, "terminal_bench", options, own=("path",))
    if path is not None and not str(path).strip():
        raise TerminalInputError(
            "terminal_bench: -T path= is empty; give a task directory or a suite of them "
            "(leave the option out for the built-in suite)"
        )
    root = Path(path).expanduser() if path else BUILTIN_SUITE
    try:
        # Tasks and the image maps are read before any engine or image work, so a typo costs
        # nothing; the loaders' ValueErrors are bad input, said in one line.
        maps = [(imap.load_map(Path(opts.image_map)), opts.image_map)] if opts.image_map else []
        maps.append((imap.load_map(imap.BUILTIN_MAP), "built-in"))
        resolver = imap.Resolver(maps, opts.base_images)
        loaded, errors = load_all(root, opts.category, opts.difficulty)
    except (ValueError, OSError) as e:
        raise TerminalInputError(f"terminal_bench: {str(e).splitlines()[0]}") from e
    if not loaded and not errors:
        raise TerminalInputError(
            f"terminal_bench: no Terminal-Bench task directories (task.toml or task.yaml) "
            f"found under {root}"
        )
    dataset = build_dataset(root, loaded, errors, opts, resolver)
    solver = resolve_agent(
        opts.agent,
        oracle=terminal_oracle(opts.timeout_multiplier),
        command_timeout_sec=opts.command_timeout_sec,
        max_output_chars=opts.max_output_chars,
    )
    return Task(
        dataset=dataset,
        solver=chain(require_sandbox(), agent_time_limit(solver, opts.timeout_multiplier)),
        scorer=terminal_verifier(opts.timeout_multiplier),
        message_limit=opts.message_limit,
        fail_on_error=False,
        version=TASK_VERSION,
    )
