"""The one shared option set: every registered task takes it and checks it before any work."""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest
from inspect_ai._util.registry import registry_find, registry_info

import longcat_evals._registry  # noqa: F401  (registers the tasks)
import longcat_evals.evals.swe.samples  # noqa: F401  (loaded by the SWE tasks: imported before
import longcat_evals.evals.swe.scorer  # noqa: F401  subprocess is refused, swebench runs some)
from longcat_evals.evals.long_context.config import LongContextOptions
from longcat_evals.evals.options import (
    AGENT_NAMES,
    SHARED_OPTION_NAMES,
    AgentName,
    OptionError,
    SharedOptions,
    agent_name,
    options_model,
    task_option_names,
    task_options,
)
from longcat_evals.evals.swe.options import OfficialSweOptions, SweOptions
from longcat_evals.evals.terminal.options import TerminalOptions

TASKS = {
    registry_info(t).name.split("/", 1)[1]: t for t in registry_find(lambda i: i.type == "task")
}
# Everything that counts as work: the engine, images, tokenizers, datasets, any docker command.
WORK = [
    ("longcat_evals.sandboxes.engine", "ensure_engine"),
    ("longcat_evals.sandboxes.engine", "probe"),
    ("longcat_evals.sandboxes.images", "ensure_base"),
    ("longcat_evals.evals.long_context.task", "load_tokenizer"),
    ("longcat_evals.evals.swe.task", "load_local"),
    ("longcat_evals.evals.swe.task", "load_official"),
    ("longcat_evals.evals.swe.dataset", "local_rows"),
    ("longcat_evals.evals.swe.dataset", "official_rows"),
    ("longcat_evals.evals.terminal.task", "load_all"),
    ("subprocess", "Popen"),
]
# A valid, non-default value of every shared option.
VALID = {
    "agent": "null",
    "command_timeout_sec": 30,
    "max_output_chars": 1000,
    "message_limit": 20,
    "timeout_multiplier": 2.0,
    "test_timeout_sec": 600,
    "network": False,
    "cpus": 1.5,
    "memory_mb": 1024,
    "pids": 128,
    "seed": 3,
    "sandbox": "docker",
    "k8s_registry": "registry.lab:5000",
}


def _takes_options(name: str) -> bool:
    params = inspect.signature(TASKS[name]).parameters.values()
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


class Prepared(Exception):
    """Raised by the first piece of work a task construction reaches."""


def _refuse(monkeypatch, functions: list[tuple[str, str]]) -> list[str]:
    """FUNCTIONS made to raise Prepared; the names of those called, in order."""
    called: list[str] = []

    def refuse(name: str):
        def stand_in(*args, **kwargs):
            called.append(name)
            raise Prepared(name)

        return stand_in

    for module, attr in functions:
        monkeypatch.setattr(importlib.import_module(module), attr, refuse(f"{module}.{attr}"))
    return called


@pytest.fixture
def work(monkeypatch) -> list[str]:
    """The names of the work functions called (each raises Prepared)."""
    return _refuse(monkeypatch, WORK)


FAMILY_MODELS = {name: options_model(TASKS[name]) for name in TASKS if _takes_options(name)}


def _shared_parameters(name: str) -> list[str]:
    return [n for n in task_option_names(TASKS[name]) if n in SHARED_OPTION_NAMES]


def test_every_family_is_registered():
    assert {"niah", "ruler", "mrcr", "repo_retrieval", "sandbox_smoke", "terminal_bench"} <= set(
        TASKS
    )
    assert {"swe_local", "swe_bench_verified", "swe_bench_multilingual", "swe_bench_pro"} <= set(
        TASKS
    )
    # A task taking `**options` names its options model in its docstring.
    assert FAMILY_MODELS == {
        **dict.fromkeys(("niah", "ruler", "mrcr", "repo_retrieval"), LongContextOptions),
        "swe_local": SweOptions,
        **dict.fromkeys(("swe_bench_verified", "swe_bench_multilingual", "swe_bench_pro"),
                        OfficialSweOptions),
        "terminal_bench": TerminalOptions,
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_bad_agent_is_one_line_before_any_work(name, work):
    with pytest.raises(OptionError) as info:
        TASKS[name](agent="orcale")
    message = str(info.value)
    assert message.startswith(f"{name}: unknown agent 'orcale' (valid: default, ")
    assert "\n" not in message
    assert work == []


@pytest.mark.parametrize("name", sorted(TASKS))
def test_valid_shared_options_pass_and_work_starts(name, work):
    shared = _shared_parameters(name)
    assert "agent" in shared
    with pytest.raises(Prepared):
        TASKS[name](**{option: VALID[option] for option in shared})
    assert len(work) == 1


@pytest.mark.parametrize("name", sorted(FAMILY_MODELS))
@pytest.mark.parametrize(
    ("option", "flag"),
    [("limit", "--limit"), ("instance_ids", "--sample-id"), ("tasks", "--sample-id"),
     ("shuffle", "--sample-shuffle")],
)  # fmt: skip
def test_sample_selection_options_point_to_inspects_flags(name, option, flag, work):
    with pytest.raises(OptionError) as info:
        TASKS[name](**{option: 1})
    assert str(info.value) == f"{name}: -T {option} is Inspect's {flag}"
    assert work == []


# Engine and image work only: reading the dataset is allowed (it gives the sample ids).
ENGINE_WORK = [w for w in WORK if w[0] in ("longcat_evals.sandboxes.engine", "subprocess")]
ENGINE_WORK += [("longcat_evals.sandboxes.images", "ensure_toolchain")]


@pytest.mark.parametrize("name", ["swe_local", "terminal_bench"])
def test_constructing_a_docker_task_starts_no_engine_until_a_sample_is_prepared(name, monkeypatch):
    called = _refuse(monkeypatch, ENGINE_WORK)
    task = TASKS[name](agent="null")
    ids = [sample.id for sample in task.dataset]  # what Inspect reads of the whole dataset
    assert len(ids) == len(set(ids)) > 1 and called == []
    with pytest.raises(Prepared):
        list(task.dataset[:1])  # `--limit 1`: the first sample is prepared, the engine first
    assert called == ["longcat_evals.sandboxes.engine.ensure_engine"]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_the_agent_option_is_the_shared_literal(name):
    params = inspect.signature(TASKS[name]).parameters
    if _takes_options(name):  # through the family's options model
        assert FAMILY_MODELS[name].model_fields["agent"].annotation == AgentName
    else:
        assert "AgentName" in str(params["agent"].annotation)


@pytest.mark.parametrize("model", sorted(set(FAMILY_MODELS.values()), key=lambda m: m.__name__))
def test_a_family_model_types_the_shared_options_as_the_shared_set_does(model):
    for name, field in model.model_fields.items():
        if name in SHARED_OPTION_NAMES and name != "agent":
            shared = SharedOptions.model_fields[name]
            # A family may narrow `X | None` to X (its default is a value, never "the task's").
            assert field.annotation in (shared.annotation, _without_none(shared.annotation)), name
            assert field.metadata == shared.metadata, name
        assert field.description or _has_docstring(model, name), f"{model.__name__}.{name}"


def _without_none(annotation):
    members = [a for a in typing.get_args(annotation) if a is not type(None)]
    return members[0] if len(members) == 1 else annotation


def _has_docstring(model: type, field: str) -> bool:
    """Whether FIELD of MODEL (or of a base class) has an attribute docstring in the source."""
    import ast
    import textwrap

    for cls in model.__mro__:
        if field not in getattr(cls, "__annotations__", {}):
            continue
        body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body
        for node, after in zip(body, body[1:], strict=False):
            if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == field:
                return isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
    return False


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"agent": "orcale"}, "t: unknown agent 'orcale' (valid: default, mini, oracle, null)"),
        ({"agent": ""}, "t: unknown agent '' (valid:"),
        ({"memory_mb": "4g"}, "t: bad option -T memory_mb='4g': input should be a valid integer"),
        ({"memory_mb": True}, "t: bad option -T memory_mb=True: input should be a valid integer"),
        ({"network": "off"}, "t: bad option -T network='off': input should be a valid boolean"),
        ({"cpus": -1}, "t: bad option -T cpus=-1: input should be greater than 0"),
        ({"timeout_multiplier": float("inf")}, "t: bad option -T timeout_multiplier=inf"),
        ({"message_limit": 0}, "t: bad option -T message_limit=0: input should be greater than 0"),
    ],
)
def test_bad_shared_values_are_one_line(values, message):
    with pytest.raises(OptionError) as info:
        task_options("t", **values)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_null_arrives_as_none_and_means_the_null_agent():
    assert agent_name(None) == "null"
    assert task_options("t", agent=None).agent == "null"
    assert AGENT_NAMES == ("default", "mini", "oracle", "null")


def test_an_agent_the_task_does_not_offer_lists_what_it_does():
    with pytest.raises(OptionError, match=r"agent 'mini' is not available here \(valid: default"):
        task_options("t", agents=("default", "null"), agent="mini")


def test_a_task_passing_a_non_shared_option_is_a_bug_not_bad_input():
    with pytest.raises(TypeError, match="not shared options: shuffle"):
        task_options("t", shuffle=True)
