"""The options every family shares, typed once and validated before any work.

Every `@task` validates its options on its first line, so a bad value is one line naming the task,
the option and the valid choices, before an engine is started, an image prepared, a tokenizer or a
dataset loaded: a task with a full signature calls `task_options(...)` with the shared options it
takes; a family whose tasks share a pydantic options model (long-context, SWE) takes them as
`**options` and calls `family_options(...)`. Family-specific choices go through `choice(...)` for
the same one-line shape.

Values arrive from `-T` as YAML (`-T agent=null` is None, `-T network=off` is False, `-T
memory_mb=4g` is the string '4g'), so types are checked strictly: a string never passes for a
number or a boolean.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from longcat_evals.errors import UserFacingError

AgentName = Literal["default", "mini", "oracle", "null"]
"""`default` (ReAct + tools), `mini` (bash only), `oracle` (the family's reference), `null`."""
AGENT_NAMES: tuple[str, ...] = get_args(AgentName)
SANDBOX_FREE_AGENTS: tuple[str, ...] = ("default", "oracle", "null")
"""Agents of families without a sandbox: `mini` runs shell commands, so it needs one."""

DEFAULT_COMMAND_TIMEOUT_SEC = 180
DEFAULT_MAX_OUTPUT_CHARS = 16_000


OptionsModel = TypeVar("OptionsModel", bound=BaseModel)

# Sample selection is Inspect's (sample ids are the instance/task ids, and images are prepared
# only for the samples that run): a task option for it points to the flag instead.
INSPECT_FLAGS = {
    "limit": "--limit",
    "instance_ids": "--sample-id",
    "tasks": "--sample-id",
    "shuffle": "--sample-shuffle",
}


class OptionError(UserFacingError, ValueError):
    """A task option with a bad value: one line with the task, the option and what is valid."""


def agent_name(value: Any, task: str = "task", agents: Iterable[str] = AGENT_NAMES) -> AgentName:
    """The validated agent name; `-T agent=null` reaches tasks as None (YAML) and means `null`.

    This is the one place that maps None to `null`.
    """
    name = "null" if value is None else value
    valid = tuple(agents)
    if name in valid:
        return name
    if name in AGENT_NAMES:
        raise OptionError(
            f"{task}: agent '{name}' is not available here (valid: {', '.join(valid)})"
        )
    raise OptionError(f"{task}: unknown agent {_show(name)} (valid: {', '.join(valid)})")


def choice(task: str, option: str, value: Any, valid: Iterable[Any]) -> Any:
    """VALUE if it is one of VALID, else a one-line OptionError listing them."""
    valid = tuple(valid)
    if value in valid:
        return value
    shown = ", ".join(str(v) for v in valid)
    raise OptionError(f"{task}: unknown {option} {_show(value)} (valid: {shown})")


SandboxKind = Literal["docker", "k8s"]


class SandboxTargetOptions(BaseModel):
    """Where a family's sample containers run (every family with a sandbox takes these)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )

    sandbox: SandboxKind = "docker"
    """`docker` (the local engine) or `k8s` (inspect-k8s-sandbox on the current kubectl
    context: Helm values made from the same compose spec; see docs/KUBERNETES.md)."""
    k8s_registry: str | None = None
    """With `sandbox=k8s`: the registry host[/path] the cluster pulls every image from
    (`longcat-evals bundle import --registry` pushes them there); default: images by name."""


class SharedOptions(SandboxTargetOptions):
    """Options several families take, with one meaning and one type everywhere."""

    # Field docstrings become descriptions: the READMEs' option tables (option_tables.py).
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False, use_attribute_docstrings=True
    )

    agent: AgentName = "default"
    """Which agent solves the samples (see `longcat_evals.evals.agents`)."""
    command_timeout_sec: int = Field(DEFAULT_COMMAND_TIMEOUT_SEC, gt=0)
    """Wall-clock limit of one agent command (bash, python, editor)."""
    max_output_chars: int = Field(DEFAULT_MAX_OUTPUT_CHARS, gt=0)
    """Agent command output longer than this is truncated in the middle."""
    message_limit: int | None = Field(None, gt=0)
    """Messages per sample before the agent is stopped (None: no limit of ours)."""
    timeout_multiplier: float = Field(1.0, gt=0)
    """Factor on every agent and verifier timeout of a task."""
    test_timeout_sec: int | None = Field(None, gt=0)
    """Wall-clock limit of the grading script."""
    network: bool | None = None
    """Give the containers a network (None: each task's own policy)."""
    cpus: float | None = Field(None, gt=0)
    """CPU limit of each container (None: the task's default)."""
    memory_mb: int | None = Field(None, gt=0)
    """Memory limit of each container, in MiB (None: the task's default)."""
    pids: int | None = Field(None, gt=0)
    """Process limit of each container (None: the task's default)."""
    seed: int = 0
    """Seed of generated inputs or of a shuffle."""


SHARED_OPTION_NAMES: tuple[str, ...] = tuple(SharedOptions.model_fields)


def task_options(task: str, *, agents: Iterable[str] = AGENT_NAMES, **values: Any) -> SharedOptions:
    """Validate TASK's shared options (only those it takes) into a SharedOptions, or one line.

    Args:
        task: The task's name, as the user typed it, for the message.
        agents: The agents this task offers (default: all of them).
        **values: Shared option names and the values the task received.
    """
    unknown = sorted(set(values) - set(SHARED_OPTION_NAMES))
    if unknown:  # a programming error in a task, not bad input
        raise TypeError(f"not shared options: {', '.join(unknown)}")
    if "agent" in values:
        values["agent"] = agent_name(values["agent"], task, agents)
    return validated(SharedOptions, task, values)


def family_options(
    model: type[OptionsModel],
    task: str,
    values: dict[str, Any],
    *,
    own: Iterable[str] = (),
    agents: Iterable[str] = AGENT_NAMES,
) -> OptionsModel:
    """A task's `**options` validated into its family's MODEL (which has `agent`), or one line.

    The agent is checked first (None from `-T agent=null` is `null`), so a bad agent name is the
    message even when other options are bad too. OWN: the task's own parameters besides MODEL's.
    """
    values = dict(values)
    values["agent"] = agent_name(
        values.get("agent", model.model_fields["agent"].default), task, agents
    )
    return validated(model, task, values, also=own)


def validated(
    model: type[OptionsModel], task: str, values: dict[str, Any], also: Iterable[str] = ()
) -> OptionsModel:
    """MODEL(**VALUES), with an unknown or bad option reported as one line naming TASK.

    ALSO: the task's own options besides MODEL's, listed among the valid names.
    """
    unknown = sorted(set(values) - set(model.model_fields))
    flags = [name for name in unknown if name in INSPECT_FLAGS]
    if flags:
        raise OptionError(f"{task}: -T {flags[0]} is Inspect's {INSPECT_FLAGS[flags[0]]}")
    if unknown:
        valid = ", ".join([*also, *model.model_fields])
        raise OptionError(f"{task}: unknown option -T {unknown[0]} (valid: {valid})")
    try:
        return model(**values)
    except ValidationError as e:
        errors = e.errors()
        field = str(errors[0]["loc"][0]) if errors[0]["loc"] else "?"
        # A union field (int | str | list) fails once per member: say every expectation once.
        reasons = dict.fromkeys(
            err["msg"][:1].lower() + err["msg"][1:] for err in errors if err["loc"][:1] == (field,)
        )
        reason = next(iter(reasons)) if len(reasons) == 1 else _expected(model, field)
        raise OptionError(
            f"{task}: bad option -T {field}={_show(values.get(field))}: {reason}"
        ) from None


def options_model(task: Callable[..., Any]) -> type[BaseModel] | None:
    """The options model a `@task` taking `**options` names in its docstring, else None.

    The docstring's `**options:` entry names it in backticks (`SweOptions`); the model's fields
    are then the task's options besides its parameters (tests and the docs read them here).
    """
    function = inspect.unwrap(task)
    entry = re.search(r"\*\*options:(.*?)(?:\n\s*\n|$)", inspect.getdoc(function) or "", re.S)
    for name in re.findall(r"`(\w+)`", entry[1] if entry else ""):
        model = function.__globals__.get(name)
        if isinstance(model, type) and issubclass(model, BaseModel):
            return model
    return None


def task_option_names(task: Callable[..., Any]) -> list[str]:
    """Every `-T` name a `@task` takes: its parameters and its options model's fields."""
    params = [
        name
        for name, p in inspect.signature(inspect.unwrap(task)).parameters.items()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]
    model = options_model(task)
    return params + [n for n in (model.model_fields if model else ()) if n not in params]


def _expected(model: type[BaseModel], field: str) -> str:
    """'expected int | str | list[int]': the field's type as the user can read it."""
    info = model.model_fields.get(field)
    annotation = getattr(info, "annotation", None)
    text = str(annotation).replace("typing.", "") if annotation is not None else "another value"
    return f"expected {text}"


def _show(value: Any) -> str:
    """A value as the user typed it: strings quoted, long ones cut."""
    text = f"'{value}'" if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."
