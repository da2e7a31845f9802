"""Turn a directory of Terminal-Bench task directories (Harbor 2.x or 1.x) into TerminalTasks.

A task that cannot be read raises `TaskLoadError` with one line naming the task, the file/field
and what to do; `load_all` keeps going and returns those errors beside the good tasks, so the
caller can turn each into an errored sample (one broken task never stops the others).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import yaml
from pydantic import ValidationError

from longcat_evals.evals.terminal import spec
from longcat_evals.evals.terminal.spec import TerminalTask

COMPOSE_NAMES = ("docker-compose.yaml", "docker-compose.yml", "compose.yaml", "compose.yml")


class TaskLoadError(ValueError):
    """A task directory is malformed; the message is one line: task, file/field, problem."""

    def __init__(self, task_id: str, where: str, problem: str):
        self.task_id = task_id
        super().__init__(f"terminal task '{task_id}': {where}: {problem}")


def _text(path: Path, tid: str) -> str:
    """A task file's text; undecodable or unreadable files are one-line load errors."""
    try:
        return path.read_text()
    except UnicodeDecodeError as e:
        where = path.name if path.parent.name == tid else f"{path.parent.name}/{path.name}"
        raise TaskLoadError(tid, where, f"not UTF-8 ({e.reason} at byte {e.start})") from e
    except OSError as e:
        raise TaskLoadError(tid, path.name, f"unreadable ({e.strerror})") from e


def task_format(path: Path) -> str | None:
    if (path / "task.toml").is_file():
        return "harbor"
    if (path / "task.yaml").is_file():
        return "tb1"
    return None


def discover(root: Path) -> list[Path]:
    """Task directories under ROOT: ROOT itself, its children, or those of ROOT/tasks (TB 1.x)."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"terminal tasks path {root} is not a directory")
    if task_format(root):
        return [root]
    children = sorted(p for p in root.iterdir() if p.is_dir() and task_format(p))
    if not children and (root / "tasks").is_dir():
        return discover(root / "tasks")
    return children


def _validation_problem(e: ValidationError, file: str) -> tuple[str, str]:
    first = e.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{file}: {where}", f"{first['msg']} (got {first.get('input')!r})"


def _compose(directory: Path) -> Path | None:
    return next((directory / n for n in COMPOSE_NAMES if (directory / n).is_file()), None)


def _load_harbor(path: Path) -> TerminalTask:
    tid = path.name
    try:
        raw = tomllib.loads(_text(path / "task.toml", tid))
        config = spec.HarborConfig.model_validate(raw)
    except tomllib.TOMLDecodeError as e:
        raise TaskLoadError(tid, "task.toml", f"invalid TOML ({e}); fix the syntax") from e
    except ValidationError as e:
        raise TaskLoadError(tid, *_validation_problem(e, "task.toml")) from e
    env = config.environment
    try:
        memory = env.memory_mb or spec.size_mb(env.memory)
    except ValueError as e:
        raise TaskLoadError(tid, "task.toml: environment.memory", str(e)) from e
    try:
        storage = env.storage_mb or spec.size_mb(env.storage)
    except ValueError as e:
        raise TaskLoadError(tid, "task.toml: environment.storage", str(e)) from e
    for field, value in (("cpus", env.cpus), ("memory", memory), ("storage", storage)):
        if value is not None and value <= 0:  # would fail the whole run's sandbox specs
            raise TaskLoadError(
                tid, f"task.toml: environment.{field}", f"must be > 0 (got {value})"
            )
    instruction = path / "instruction.md"
    if not instruction.is_file() or not _text(instruction, tid).strip():
        raise TaskLoadError(tid, "instruction.md", "missing or empty; write the task's prompt")
    env_dir = path / "environment"
    dockerfile = env_dir / "Dockerfile"
    compose = _compose(env_dir)
    if not dockerfile.is_file() and compose is None and not env.docker_image:
        raise TaskLoadError(
            tid,
            "environment/",
            "no Dockerfile, docker-compose.yaml or environment.docker_image in task.toml",
        )
    test_script = path / "tests" / "test.sh"
    if not test_script.is_file():
        raise TaskLoadError(tid, "tests/test.sh", "missing; the verifier has nothing to run")
    solve = path / "solution" / "solve.sh"
    meta = config.metadata
    tags = meta.get("tags") or []
    return TerminalTask(
        id=tid,
        path=path,
        format="harbor",
        instruction=_text(instruction, tid),
        category=meta.get("category"),
        difficulty=meta.get("difficulty"),
        tags=[str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
        agent_timeout_sec=config.agent.timeout_sec or spec.HARBOR_AGENT_TIMEOUT_SEC,
        verifier_timeout_sec=config.verifier.timeout_sec or spec.HARBOR_VERIFIER_TIMEOUT_SEC,
        build_timeout_sec=env.build_timeout_sec or spec.BUILD_TIMEOUT_SEC,
        cpus=env.cpus,
        memory_mb=memory,
        storage_mb=storage,
        # Harbor gives tasks the internet unless they say otherwise.
        allow_internet=True if env.allow_internet is None else env.allow_internet,
        docker_image=env.docker_image,
        dockerfile=dockerfile if dockerfile.is_file() else None,
        compose_file=compose,
        context=env_dir,
        tests_dir=path / "tests",
        test_script=test_script,
        solution_dir=(path / "solution") if solve.is_file() else None,
        solution_script=_text(solve, tid) if solve.is_file() else None,
        verifier_env=config.verifier.env,
        solution_env=config.solution.env,
        parser="reward_file",
    )


def _tb1_solution(path: Path, tid: str) -> str | None:
    if (path / "solution.sh").is_file():
        return _text(path / "solution.sh", tid)
    if not (path / "solution.yaml").is_file():
        return None
    try:
        steps = yaml.safe_load(_text(path / "solution.yaml", tid))
    except yaml.YAMLError as e:
        raise TaskLoadError(tid, "solution.yaml", f"invalid YAML ({_yaml_where(e)})") from e
    if not isinstance(steps, list):
        raise TaskLoadError(tid, "solution.yaml", "expected a list of commands")
    lines = []
    for number, step in enumerate(steps):
        command = step.get("command") if isinstance(step, dict) else step
        if not isinstance(command, str):
            raise TaskLoadError(tid, f"solution.yaml: [{number}].command", "missing or not text")
        lines.append(command)
    return "\n".join(lines) + "\n"


def _yaml_where(e: yaml.YAMLError) -> str:
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or type(e).__name__
    return f"{problem} at line {mark.line + 1}" if mark else str(problem)


def _load_tb1(path: Path) -> TerminalTask:
    tid = path.name
    try:
        raw = yaml.safe_load(_text(path / "task.yaml", tid))
    except yaml.YAMLError as e:
        raise TaskLoadError(tid, "task.yaml", f"invalid YAML ({_yaml_where(e)})") from e
    if not isinstance(raw, dict):
        raise TaskLoadError(tid, "task.yaml", "expected a mapping of fields")
    try:
        config = spec.TB1Config.model_validate(raw)
    except ValidationError as e:
        raise TaskLoadError(tid, *_validation_problem(e, "task.yaml")) from e
    instruction = config.instruction
    if not instruction and config.descriptions:
        base = [d for d in config.descriptions if d.key == "base"] or config.descriptions
        instruction = base[0].description
    if not instruction or not instruction.strip():
        raise TaskLoadError(tid, "task.yaml: instruction", "missing or empty")
    if config.parser_name not in ("pytest", "swebench"):
        raise TaskLoadError(
            tid,
            "task.yaml: parser_name",
            f"{config.parser_name!r} unsupported (known: pytest, swebench)",
        )
    dockerfile, compose = path / "Dockerfile", _compose(path)
    if not dockerfile.is_file() and compose is None:
        raise TaskLoadError(tid, "Dockerfile", "missing (and no docker-compose.yaml)")
    if not (path / "run-tests.sh").is_file():
        raise TaskLoadError(tid, "run-tests.sh", "missing; the verifier has nothing to run")
    if not (path / "tests").is_dir():
        raise TaskLoadError(tid, "tests/", "missing; 1.x tasks keep their test files there")
    return TerminalTask(
        id=tid,
        path=path,
        format="tb1",
        instruction=instruction,
        category=config.category,
        difficulty=config.difficulty,
        tags=config.tags,
        agent_timeout_sec=config.max_agent_timeout_sec or spec.TB1_AGENT_TIMEOUT_SEC,
        verifier_timeout_sec=config.max_test_timeout_sec or spec.TB1_TEST_TIMEOUT_SEC,
        # Terminal-Bench 1.x containers have the network; their tests usually install pytest.
        allow_internet=True,
        dockerfile=dockerfile if dockerfile.is_file() else None,
        compose_file=compose,
        context=path,
        tests_dir=path / "tests",
        test_script=path / "run-tests.sh",
        solution_script=_tb1_solution(path, tid),
        verifier_env={"TEST_DIR": "/tests"},
        solution_env={"TEST_DIR": "/tests"},
        parser=config.parser_name,
    )


def _link_out(root: Path) -> tuple[Path, Path] | None:
    """The first symbolic link under ROOT that points outside it, and its target (else None)."""
    for dirpath, dirnames, filenames in os.walk(root):  # does not descend into linked dirs
        for name in dirnames + filenames:
            item = Path(dirpath, name)
            if not item.is_symlink():
                continue
            try:
                target = item.resolve()
            except (OSError, RuntimeError):  # a link loop leads nowhere inside either
                return item, Path(os.readlink(item))
            if not target.is_relative_to(root):
                return item, target
    return None


def load_task(path: Path) -> TerminalTask:
    """Load one task directory (format detected from task.toml / task.yaml)."""
    path = Path(path).resolve()
    kind = task_format(path)
    if kind is None:
        raise TaskLoadError(path.name, "task.toml", "missing (and no task.yaml either)")
    # Task files go to the model and into containers: a link out would send a host file there.
    link = _link_out(path)
    if link:
        where = link[0].relative_to(path).as_posix()
        raise TaskLoadError(path.name, where, f"links outside the task directory ({link[1]}); "
                            "put the file itself in the task")  # fmt: skip
    try:
        return _load_harbor(path) if kind == "harbor" else _load_tb1(path)
    except UnicodeDecodeError as e:
        raise TaskLoadError(
            path.name, "a text file", f"not UTF-8 ({e.reason} at byte {e.start})"
        ) from e
    except OSError as e:
        raise TaskLoadError(path.name, e.filename or "a file", f"unreadable ({e.strerror})") from e


def _split(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip() for item in items if item.strip()]


def load_all(
    root: Path,
    category: str | list[str] | None = None,
    difficulty: str | list[str] | None = None,
) -> tuple[list[TerminalTask], list[TaskLoadError]]:
    """Load the tasks under ROOT and keep those of CATEGORY and DIFFICULTY.

    Returns (good tasks, load errors). Every task that cannot be read comes back as an error
    whatever the category/difficulty filters say (its fields cannot be read); the caller decides
    what to do with them (`terminal_bench` makes errored samples of them unless a
    category/difficulty filter is set, in which case it only warns). Tasks are chosen by id with
    Inspect's `--sample-id` (ids and globs).
    """
    dirs = discover(root)
    categories, difficulties = set(_split(category)), set(_split(difficulty))
    loaded: list[TerminalTask] = []
    errors: list[TaskLoadError] = []
    for directory in dirs:
        try:
            task = load_task(directory)
        except TaskLoadError as e:
            errors.append(e)
            continue
        if categories and task.category not in categories:
            continue
        if difficulties and task.difficulty not in difficulties:
            continue
        loaded.append(task)
    return loaded, errors
