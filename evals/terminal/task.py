"""`terminal_bench`: Terminal-Bench tasks (Harbor 2.x or 1.x directories) as an Inspect task."""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal

from inspect_ai import Task, task
from inspect_ai.dataset import Dataset, Sample
from inspect_ai.solver import chain

import longcat_evals.tasks
from longcat_evals.errors import UserFacingError
from longcat_evals.evals.agents import resolve_agent
from longcat_evals.evals.options import AgentName, choice, task_options
from longcat_evals.evals.terminal import environment, sample_env
from longcat_evals.evals.terminal import image_map as imap
from longcat_evals.evals.terminal.loader import TaskLoadError, load_all
from longcat_evals.evals.terminal.network import network_lines
from longcat_evals.evals.terminal.solvers import agent_time_limit, terminal_oracle
from longcat_evals.evals.terminal.spec import TerminalTask
from longcat_evals.evals.terminal.verify import terminal_verifier
from longcat_evals.progress import progress
from longcat_evals.sandboxes import engine, images
from longcat_evals.sandboxes.compose import docker_sandbox
from longcat_evals.sandboxes.errors import SandboxSetupError
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


def _sample(task: TerminalTask, resolver, network: bool | None, memory_mb: int | None) -> Sample:
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
    return Sample(id=task.id, input=task.instruction, metadata=meta, sandbox=spec)


def _broken(error: TaskLoadError) -> Sample:
    logger.warning("terminal_bench: %s (this sample will error; the others go on)", error)
    return Sample(
        id=error.task_id,
        input=f"(terminal task '{error.task_id}' could not be loaded)",
        metadata={BUILD_ERROR_KEY: str(error), "format": None},
        sandbox=docker_sandbox(images.ensure_base(log=_log)),
    )


NOT_PREPARED = (
    "terminal task '{id}': read before its environment was prepared (an Inspect code path "
    "that runs unsliced datasets); nothing was run, so it cannot be scored"
)


def stop_builds() -> list[int]:
    """Kill the `docker build` (and debootstrap) processes this process started; their pids."""
    import psutil

    killed = []
    for child in psutil.Process().children(recursive=True):
        try:
            command = child.cmdline()
        except psutil.Error:
            continue
        if command[:2] == ["docker", "build"] or (command and "debootstrap" in command[0]):
            try:
                child.kill()
                killed.append(child.pid)
            except psutil.Error:
                pass
    return killed


class TerminalDataset(Dataset):
    """Terminal tasks whose images are prepared lazily, for just the samples Inspect runs.

    Inspect reads a task's whole dataset for sample ids and "has a sandbox", then slices it
    (`--limit`, `--sample-id`) and runs only the slice. So the whole dataset yields previews
    (id, input, metadata; a sandbox whose image is not built, and a set-up error should a
    preview ever be run), while a slice or filter (what Inspect runs) prepares its tasks, in
    parallel, the first time it is read, and keeps them. `--limit 1` builds one image.
    """

    def __init__(self, items: list, prepare, workers: int, prepared_view: bool = False,
                 cache: dict | None = None, name: str = "terminal_bench"):  # fmt: skip
        self._items, self._prepare, self._workers = items, prepare, workers
        self._view, self._name = prepared_view, name
        self._cache: dict[str, Sample] = {} if cache is None else cache
        self._shuffled = False

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def location(self) -> str | None:
        return None

    @property
    def shuffled(self) -> bool:
        return self._shuffled

    @staticmethod
    def _key(item) -> str:
        if isinstance(item, TerminalTask):
            return item.id
        return f"broken:{item.task_id}" if isinstance(item, TaskLoadError) else str(item)

    def _preview(self, item) -> Sample:
        if not isinstance(item, TerminalTask):
            return self._ready([item])[0]
        if self._key(item) in self._cache:
            return self._cache[self._key(item)]
        meta = _metadata(item) | {BUILD_ERROR_KEY: NOT_PREPARED.format(id=item.id)}
        return Sample(id=item.id, input=item.instruction, metadata=meta,
                      sandbox=docker_sandbox(images.base_tag()))  # fmt: skip

    def _ready(self, items: list) -> list[Sample]:
        """Prepared samples of ITEMS (built in parallel, once; interrupts stop the builds)."""
        todo = [i for i in items if self._key(i) not in self._cache]
        if todo:
            tasks = [i for i in todo if isinstance(i, TerminalTask)]
            if tasks:
                _log(f"preparing {len(tasks)} task image(s) (built only if missing) …")
            pool = ThreadPoolExecutor(max_workers=max(1, self._workers))
            try:
                for item, sample in zip(todo, pool.map(self._prepare, todo), strict=True):
                    self._cache[self._key(item)] = sample
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                stopped = stop_builds()
                if stopped:
                    _log(f"interrupted: stopped {len(stopped)} image build(s)")
                raise
            pool.shutdown()
        return [self._cache[self._key(i)] for i in items]

    def __getitem__(self, index):
        if isinstance(index, slice):
            view = TerminalDataset(self._items[index], self._prepare, self._workers, True,
                                   self._cache, self._name)  # fmt: skip
            view._shuffled = self._shuffled
            return view
        item = self._items[index]
        return self._ready([item])[0] if self._view else self._preview(item)

    def __iter__(self):
        if self._view:
            return iter(self._ready(self._items))
        return iter([self._preview(item) for item in self._items])

    def __len__(self) -> int:
        return len(self._items)

    def sort(self, reverse: bool = False, key=None) -> None:
        key = key or (lambda sample: len(str(sample.input)))
        previews = {self._key(i): self._preview(i) for i in self._items}
        self._items.sort(key=lambda item: key(previews[self._key(item)]), reverse=reverse)

    def filter(self, predicate, name: str | None = None) -> TerminalDataset:
        kept = [item for item in self._items if predicate(self._preview(item))]
        return TerminalDataset(kept, self._prepare, self._workers, True, self._cache,
                               name or self._name)  # fmt: skip

    def shuffle(self, seed: int | None = None) -> None:
        random.Random(seed).shuffle(self._items) if seed is not None else random.shuffle(
            self._items
        )
        self._shuffled = True

    def shuffle_choices(self, seed: int | None = None) -> None:
        return None  # terminal tasks have no choices


def build_dataset(
    path: Path,
    tasks: str | None,
    category: str | None,
    difficulty: str | None,
    resolver: imap.Resolver,
    network: bool | None,
    memory_mb: int | None,
    build_workers: int,
    selection: tuple[list, list] | None = None,
) -> TerminalDataset:
    """The selected tasks as a lazily prepared dataset (load errors become errored samples).

    SELECTION: `load_all`'s result when the caller has already read the tasks.
    """
    loaded, errors = selection or load_all(path, tasks, category, difficulty)
    if category or difficulty:
        for error in errors:  # unreadable fields cannot match a filter: left out, but said
            logger.warning(
                "terminal_bench: %s (left out: its category/difficulty cannot be read)", error
            )
        errors = []
    if not loaded and not errors:
        raise ValueError(f"No terminal tasks selected under {path}")
    _log(f"{len(loaded)} task(s) from {path}; images are prepared for the samples that run")

    def prepare(item) -> Sample:
        if isinstance(item, TerminalTask):
            return _sample(item, resolver, network, memory_mb)
        return _broken(item)

    return TerminalDataset([*loaded, *errors], prepare, build_workers)


class TerminalInputError(UserFacingError):
    """Bad `terminal_bench` input (path, task selection, image map, options)."""


def build_samples(*args, **kwargs) -> list[Sample]:
    """Every selected task prepared now (see build_dataset for the arguments)."""
    return list(build_dataset(*args, **kwargs)[:])


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
        tasks: Comma-separated task ids or globs (e.g. `git-*,fix-c`); an unknown id is an
            error listing the known ones.
        category: Comma-separated categories to keep (task metadata).
        difficulty: Comma-separated difficulties to keep (easy, medium, hard).
        agent: `default` (ReAct + bash/python/editor), `mini` (bash-only), `oracle` (the task's
            solution), or `null` (does nothing).
        image_map: A YAML image map consulted before the built-in one.
        base_images: `auto` (the task's prebuilt image, and public base images, when present
            locally or pullable, else the Dockerfile build and mapped stand-ins), `map` (always
            our build and the stand-in when the map has one), `original` (never substitute).
        network: Give containers the network (true/false); default: each task's own policy.
        timeout_multiplier: Factor on every task's agent and verifier timeouts.
        command_timeout_sec: Per-command time limit of the default and mini agents' tools.
        max_output_chars: Tool output longer than this is truncated (head and tail kept).
        memory_mb: Override of every task's memory limit.
        message_limit: Message limit of each sample (None: only the timeouts apply).
        build_workers: Task images built in parallel (only those of the samples that run:
            `--limit 1` prepares one).
    """
    task_options("terminal_bench", agent=agent, network=network, memory_mb=memory_mb,
                 timeout_multiplier=timeout_multiplier, command_timeout_sec=command_timeout_sec,
                 max_output_chars=max_output_chars, message_limit=message_limit)  # fmt: skip
    choice("terminal_bench", "base_images", base_images, ("auto", "map", "original"))
    if isinstance(build_workers, bool) or not isinstance(build_workers, int) or build_workers < 1:
        raise TerminalInputError(
            f"terminal_bench: bad option -T build_workers={build_workers!r}: a whole number >= 1"
        )
    if path is not None and not str(path).strip():
        raise TerminalInputError(
            "terminal_bench: -T path= is empty; give a task directory or a suite of them "
            "(leave the option out for the built-in suite)"
        )
    root = Path(path).expanduser() if path else BUILTIN_SUITE
    try:
        # Task selection and the image maps are read before any engine or image work, so a
        # typo costs nothing; the loaders' ValueErrors are bad input, said in one line.
        maps = [(imap.load_map(Path(image_map)), image_map)] if image_map else []
        maps.append((imap.load_map(imap.BUILTIN_MAP), "built-in"))
        resolver = imap.Resolver(maps, base_images)
        selection = load_all(root, tasks, category, difficulty)
    except (ValueError, OSError) as e:
        raise TerminalInputError(f"terminal_bench: {str(e).splitlines()[0]}") from e
    if not any(selection):
        raise TerminalInputError(
            f"terminal_bench: no Terminal-Bench task directories (task.toml or task.yaml) "
            f"found under {root}"
        )
    engine.ensure_engine()
    dataset = build_dataset(
        root, tasks, category, difficulty, resolver, network, memory_mb, build_workers,
        selection=selection,
    )  # fmt: skip
    solver = resolve_agent(
        agent,
        oracle=terminal_oracle(timeout_multiplier),
        command_timeout_sec=command_timeout_sec,
        max_output_chars=max_output_chars,
    )
    return Task(
        dataset=dataset,
        solver=chain(require_sandbox(), agent_time_limit(solver, timeout_multiplier)),
        scorer=terminal_verifier(timeout_multiplier),
        message_limit=message_limit,
        fail_on_error=False,
        version=TASK_VERSION,
    )
