"""The `-T` option tables of the family READMEs, rendered from the tasks' own documentation.

For every registered `@task` of this project: its parameters (name, type from the signature,
default, description from the Google-style `Args:` section) and, when it takes `**options`
validated by a pydantic model, that model's fields with their field docstrings. The docstring
names the model in backticks on its `**options:` line (`LongContextOptions`); the model gets its
own table, once per README, so four tasks sharing it do not repeat it.

Tables sit between markers in the README next to the task's module
(`<!-- options:longcat_evals/niah -->` ... `<!-- /options -->`, `<!-- options:LongContextOptions
-->` for a model); `longcat-evals docs` rewrites them in place and `--check` (and
tests/test_docs.py) fails when one differs. An option without a description is an error, never
a blank cell.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import NoneType, UnionType
from typing import Any

import docstring_parser  # the parser Inspect itself uses for tool docstrings
from inspect_ai._util.entrypoints import ensure_entry_points
from inspect_ai._util.registry import registry_find, registry_info
from pydantic import BaseModel

import longcat_evals
from longcat_evals.errors import UserFacingError

# In an editable install (the only one that has the READMEs) the package's parent is the checkout.
ROOT = Path(longcat_evals.__file__).resolve().parent.parent
REGENERATE = "longcat-evals docs"
MARKER = re.compile(r"<!-- options:(\S+) -->\n(.*?)<!-- /options -->", re.DOTALL)
BACKTICKED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")
HEADER = "| option | type | default | description |\n|---|---|---|---|\n"


class OptionDocsError(UserFacingError):
    """A task option the docs cannot describe, or a README whose markers do not fit its tasks."""


@dataclass
class Readme:
    """One family README and the tables it must carry, by marker key."""

    path: Path
    tables: dict[str, str] = field(default_factory=dict)


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _type_text(tp: Any) -> str:
    """A type as a user of `-T` reads it: `int | None`, `"auto" | "map"`, `list[int | str]`."""
    if tp is NoneType or tp is None:
        return "None"
    if tp is Any:
        return "Any"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return " | ".join(repr(v).replace("'", '"') for v in typing.get_args(tp))
    if origin in (typing.Union, UnionType):
        return " | ".join(_type_text(arg) for arg in typing.get_args(tp))
    if origin is not None:
        args = ", ".join(_type_text(arg) for arg in typing.get_args(tp))
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{args}]" if args else name
    return getattr(tp, "__name__", str(tp).replace("typing.", ""))


def _default_text(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "required"
    if isinstance(value, str):
        # A default pointing into the checkout (a shipped data file) is shown relative to it, so
        # the table is the same on every machine.
        if value.startswith("/") and Path(value).is_relative_to(ROOT):
            value = str(Path(value).relative_to(ROOT))
        return _code(value) if value else '`""`'
    return _code(repr(value))


def _code(text: str) -> str:
    return f"`{text}`"


def _cell(text: str) -> str:
    """One table cell: on one line, with the column separator escaped (also inside code)."""
    return " ".join(text.split()).replace("|", "\\|")


def _row(name: str, type_text: str, default: str, description: str) -> str:
    cells = [_code(name), _code(type_text) if type_text else "", default, description]
    return "| " + " | ".join(_cell(c) for c in cells) + " |\n"


def _undocumented(where: str, what: str, how: str) -> OptionDocsError:
    return OptionDocsError(f"{where}: option {what} has no description; {how}")


def model_table(model: type[BaseModel]) -> str:
    """The table of MODEL's fields, each described by its field docstring."""
    rows = []
    where = f"{model.__module__}.{model.__qualname__}"
    for name, info in model.model_fields.items():
        if not info.description:
            raise _undocumented(
                where,
                name,
                "write a docstring under the field (the model needs "
                "`use_attribute_docstrings=True` in its model_config)",
            )
        default = info.get_default(call_default_factory=True)
        rows.append(
            _row(name, _type_text(info.annotation), _default_text(default), info.description)
        )
    return HEADER + "".join(rows)


def _options_model(fn: Callable, description: str, where: str) -> type[BaseModel]:
    """The pydantic model the `**options:` description names in backticks."""
    found = {
        name: fn.__globals__[name]
        for name in BACKTICKED.findall(description)
        if isinstance(fn.__globals__.get(name), type)
        and issubclass(fn.__globals__[name], BaseModel)
    }
    if len(found) != 1:
        raise OptionDocsError(
            f"{where}: the docstring's `**options:` line must name the one pydantic model that "
            f"validates them, in backticks and imported in {fn.__module__} (found "
            f"{', '.join(found) or 'none'})"
        )
    return next(iter(found.values()))


def task_table(fn: Callable, where: str) -> tuple[str, type[BaseModel] | None]:
    """The table of task function FN's parameters, and the model of its `**options` if any.

    WHERE names the task in errors. Every parameter must be described in the `Args:` section and
    every entry there must be a parameter.
    """
    fn = inspect.unwrap(fn)
    try:
        hints = typing.get_type_hints(fn)
    except NameError:  # a name imported only for type checkers: show the annotations as written
        hints = {}
    docs = {
        p.arg_name: p.description or "" for p in docstring_parser.parse(fn.__doc__ or "").params
    }
    rows, model = [], None
    params = inspect.signature(fn).parameters.values()
    for param in params:
        key = f"**{param.name}" if param.kind is param.VAR_KEYWORD else param.name
        description = docs.get(key) or docs.get(param.name) or ""
        if not description.strip():
            raise _undocumented(
                where, key, f"describe it in the Args: section of {fn.__name__}'s docstring"
            )
        if param.kind is param.VAR_KEYWORD:
            model = _options_model(fn, description, where)
            rows.append(_row(key, model.__name__, "", description))
            continue
        written = "" if param.annotation is param.empty else str(param.annotation)
        type_text = _type_text(hints[param.name]) if param.name in hints else written
        rows.append(_row(param.name, type_text, _default_text(param.default), description))
    names = {p.name for p in params} | {f"**{p.name}" for p in params}
    stray = sorted(set(docs) - names)
    if stray:
        raise OptionDocsError(
            f"{where}: the docstring describes {', '.join(stray)}, which {fn.__name__} does not "
            "take; remove it or add the parameter"
        )
    return HEADER + "".join(rows), model


def readmes() -> dict[Path, Readme]:
    """Every registered task's table (and its options model's) under its family README."""
    # The tasks `inspect eval` sees: registered through the project's inspect_ai entry point.
    ensure_entry_points("longcat_evals")
    found: dict[Path, Readme] = {}
    for task in registry_find(lambda info: info.type == "task"):
        fn = inspect.unwrap(task)
        if not fn.__module__.startswith("longcat_evals."):
            continue
        name = registry_info(task).name
        path = Path(inspect.getfile(fn)).resolve().parent / "README.md"
        readme = found.setdefault(path, Readme(path))
        readme.tables[name], model = task_table(fn, name)
        if model is not None:
            readme.tables[model.__name__] = model_table(model)
    return found


def rewritten(readme: Readme, text: str) -> str:
    """TEXT with every marked table replaced by the generated one (missing markers are errors)."""
    present = {key for key, _ in MARKER.findall(text)}
    missing = [key for key in readme.tables if key not in present]
    if missing:
        raise OptionDocsError(
            f"{_shown(readme.path)}: no table for {missing[0]}; put "
            f"`<!-- options:{missing[0]} -->` and `<!-- /options -->` on their own lines where it "
            f"belongs, then run `{REGENERATE}`"
        )
    unknown = sorted(present - set(readme.tables))
    if unknown:
        raise OptionDocsError(
            f"{_shown(readme.path)}: a table for {unknown[0]}, which no task of this family "
            f"documents; remove its markers (known: {', '.join(readme.tables)})"
        )

    def table(match: re.Match) -> str:
        return f"<!-- options:{match[1]} -->\n{readme.tables[match[1]]}<!-- /options -->"

    return MARKER.sub(table, text)


def differences(readme: Readme, text: str) -> list[str]:
    """One line per table of README that TEXT (its content) does not carry as generated."""
    current = dict(MARKER.findall(text))
    wanted = dict(MARKER.findall(rewritten(readme, text)))
    return [
        f"{_shown(readme.path)}: the table of {key} differs from the docstrings; run `{REGENERATE}`"
        for key in readme.tables
        if current[key] != wanted[key]
    ]


def stale() -> list[str]:
    """One line per family README table that differs from what the docstrings give."""
    lines = []
    for readme in readmes().values():
        if not readme.path.exists():
            lines.append(f"{_shown(readme.path)}: missing; write it with the markers of its tasks")
            continue
        lines += differences(readme, readme.path.read_text())
    return lines


def write() -> list[Path]:
    """Rewrite every family README's tables in place; the READMEs that changed."""
    changed = []
    for readme in readmes().values():
        text = readme.path.read_text() if readme.path.exists() else ""
        new = rewritten(readme, text)
        if new != text:
            readme.path.write_text(new)
            changed.append(readme.path)
    return changed
