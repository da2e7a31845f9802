"""Offline stand-ins for the public images tasks start FROM or COPY --from.

Tasks often begin `FROM python:3.13-slim` or `FROM ubuntu:24.04`, or copy uv in with
`COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /bin/`. Where no registry answers, an image map
(YAML, ours: strict) names which locally buildable image stands in: one of the project's
toolchain images (`python`, `c`, `node`, `go`, `rust`, `java`) or `base`, on the Debian `suite`
the entry names (bookworm = Debian 12, trixie = Debian 13), `uv` (the uv binaries of the tag's
version, from PyPI), or any local tag. Entries may add shell steps and environment variables
right after the FROM so the stand-in behaves like the original (e.g. a `python` command). User
maps are consulted before the built-in one. Every substitution is returned to the caller, which
prints it and records it in the sample.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import longcat_evals.tasks
from longcat_evals.evals.terminal import standins
from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.errors import SandboxSetupError

BUILTIN_MAP = Path(longcat_evals.tasks.__file__).parent / "terminal" / "image_map.yaml"
_FROM = re.compile(
    r"^(?P<lead>\s*FROM\s+(?:--\S+\s+)*)(?P<ref>\S+)(?P<rest>(?:\s+AS\s+(?P<alias>\S+))?\s*)$",
    re.IGNORECASE,
)
_COPY_FROM = re.compile(
    r"^(?P<lead>\s*COPY\s+(?:--\S+\s+)*?--from=)(?P<ref>\S+)(?P<rest>\s.*)$", re.IGNORECASE
)
_ARG = re.compile(r"^\s*ARG\s+(?P<name>\w+)(?:=(?P<value>\S*))?\s*$", re.IGNORECASE)
_VAR = re.compile(r"\$\{?(\w+)\}?")


class MapEntry(BaseModel):
    """One rule of an image map."""

    model_config = ConfigDict(extra="forbid")

    match: str | list[str]
    """Glob(s) over the normalised reference, e.g. `python:3*` (docker.io/library/ and digests
    are stripped; a missing tag reads as `:latest`)."""

    def matches(self, name: str) -> bool:
        globs = [self.match] if isinstance(self.match, str) else self.match
        return any(fnmatch.fnmatch(name, glob) for glob in globs)

    @property
    def label(self) -> str:
        return self.match if isinstance(self.match, str) else " | ".join(self.match)

    use: str
    """A toolchain name (python, c, node, go, rust, java), `base`, `uv`, or a local image tag."""
    suite: Literal["bookworm", "trixie"] = "bookworm"
    """The Debian release a toolchain or `base` stand-in is built on (12 or 13)."""
    run: list[str] = Field(default_factory=list)
    """Shell steps run right after the FROM, so the stand-in behaves like the original."""
    env: dict[str, str] = Field(default_factory=dict)
    """Environment variables set right after the FROM."""
    note: str | None = None
    """Why this stand-in is close enough (shown in the README and metadata)."""


class ImageMap(BaseModel):
    """An image map file: `version: 1` and a list of `entries` (first match wins)."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    entries: list[MapEntry]


@dataclass
class Substitution:
    original: str
    image: str
    rule: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {"from": self.original, "to": self.image, "rule": self.rule, "map": self.source}


def load_map(path: Path) -> ImageMap:
    """Read an image map; one-line errors name the file and the field."""
    try:
        raw = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"image map {path}: cannot read ({e.__class__.__name__}: {e})") from e
    try:
        return ImageMap.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"image map {path}: {where}: {first['msg']}") from e


def normalise(ref: str) -> str:
    ref = ref.split("@", 1)[0]
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/"):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
    last = ref.rsplit("/", 1)[-1]
    return ref if ":" in last else f"{ref}:latest"


def uv_version(ref: str) -> str:
    """The uv release a ghcr.io/astral-sh/uv reference names (`latest`: our default)."""
    tag = normalise(ref).rsplit(":", 1)[1]
    if tag == "latest":
        return standins.UV_DEFAULT_VERSION
    if not re.fullmatch(r"\d+\.\d+\.\d+", tag):
        raise SandboxSetupError(
            f"{ref}: only plain uv release tags (e.g. uv:0.9.5) have a stand-in; map this one "
            "with -T image_map=FILE"
        )
    return tag


def resolve_use(use: str, log: Progress = progress, suite: str = "bookworm", ref: str = "") -> str:
    """The local tag an entry's `use` names, building stand-in images on demand."""
    if use == "base":
        return standins.base(suite, log)
    if use in images.TOOLCHAINS:
        return standins.toolchain(use, suite, log)
    if use == "uv":
        return standins.uv_image(uv_version(ref), log)
    return use


class Resolver:
    """Decides, per FROM reference, whether to keep it or substitute a mapped local image."""

    def __init__(self, maps: list[tuple[ImageMap, str]], mode: str = "auto"):
        if mode not in ("auto", "map", "original"):
            raise ValueError(f"base_images={mode!r} unknown (known: auto, map, original)")
        self.maps, self.mode = maps, mode
        self._registry: bool | None = None

    def registry_answers(self) -> bool:
        if self._registry is None:
            self._registry = images.registry_answers()
        return self._registry

    def lookup(self, ref: str) -> tuple[MapEntry, str] | None:
        name = normalise(ref)
        for image_map, source in self.maps:
            for entry in image_map.entries:
                if entry.matches(name):
                    return entry, source
        return None

    def resolve(self, ref: str, log: Progress = progress):
        """(image to use, its entry or None, the Substitution or None)."""
        if self.mode == "original" or ref.startswith(f"{images.REPOSITORY}/"):
            return ref, None, None
        if self.mode == "auto" and (images.image_exists(ref) or self.registry_answers()):
            return ref, None, None
        found = self.lookup(ref)
        if found is None:
            if images.image_exists(ref):
                return ref, None, None
            raise SandboxSetupError(
                f"base image {ref} cannot be pulled here and no image map entry matches "
                f"{normalise(ref)}; add one to a map given with -T image_map=FILE"
            )
        entry, source = found
        tag = resolve_use(entry.use, log, entry.suite, ref)
        rule = entry.label if entry.suite == "bookworm" else f"{entry.label} ({entry.suite})"
        return tag, entry, Substitution(ref, tag, rule, source)


def rewrite_dockerfile(
    text: str, resolver: Resolver, log: Progress = progress
) -> tuple[str, list[Substitution]]:
    """Replace each external FROM / COPY --from image per the resolver.

    Stage names (and COPY --from stage numbers) and ARGs are respected.
    """
    args: dict[str, str] = {}
    stages: set[str] = set()
    out: list[str] = []
    subs: list[Substitution] = []
    seen_from = False
    for line in text.splitlines():
        arg = _ARG.match(line)
        if arg and not seen_from and arg.group("value") is not None:
            args[arg.group("name")] = arg.group("value").strip("\"'")
        copy = _COPY_FROM.match(line)
        if copy:
            ref = _VAR.sub(lambda m: args.get(m.group(1), m.group(0)), copy.group("ref"))
            if ref in stages or ref.isdigit() or "$" in ref:
                out.append(line)
            else:
                image, entry, sub = resolver.resolve(ref, log)
                out.append(f"{copy.group('lead')}{image}{copy.group('rest')}")
                if sub is not None:
                    subs.append(sub)
            continue
        match = _FROM.match(line)
        if not match:
            out.append(line)
            continue
        seen_from = True
        ref = _VAR.sub(lambda m: args.get(m.group(1), m.group(0)), match.group("ref"))
        alias = match.group("alias")
        if ref in stages or "$" in ref or ref == "scratch":
            out.append(line)
        else:
            image, entry, sub = resolver.resolve(ref, log)
            out.append(f"{match.group('lead')}{image}{match.group('rest')}")
            if entry is not None:
                subs.append(sub)
                out += [f"ENV {k}={shlex.quote(v)}" for k, v in entry.env.items()]
                out += [f"RUN {step}" for step in entry.run]
        if alias:
            stages.add(alias)
    return "\n".join(out) + "\n", subs
