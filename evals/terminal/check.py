"""A static check of a directory of Terminal-Bench tasks (no containers, nothing built).

For each task: whether it loads (else the one-line error), how its environment would be had,
and per phase — build (image pulls and the Dockerfile's downloads), agent (the task's internet
policy), solution (the oracle's script) and verify (the test script) — which network hosts it
needs and whether the harness can satisfy each here: from a host that answers (probed once
each), a local image, an offline stand-in, or an install baked in at build time. A task is
*runnable offline here* when its build needs are met and its test script needs nothing the
image lacks with the containers' network off. `longcat-evals validate terminal PATH` prints it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from longcat_evals.evals.terminal import hosts, image_map, network, uv_offline
from longcat_evals.evals.terminal.environment import quiet_stripped, stripped_copy, test_scripts
from longcat_evals.evals.terminal.loader import TaskLoadError, discover, load_task
from longcat_evals.evals.terminal.spec import TerminalTask
from longcat_evals.sandboxes.docker_cli import succeeds

Phase = Literal["build", "agent", "solution", "verify"]
PHASES: tuple[Phase, ...] = ("build", "agent", "solution", "verify")
PULL = "pull (its registry answers)"
SUITE_PYTHON = {"bookworm": "3.11", "trixie": "3.13"}
"""The CPython each Debian stand-in ships (python3 is in every stand-in, base included)."""


@dataclass
class Need:
    """One network need of one phase."""

    phase: Phase
    host: str
    what: str
    met_by: str | None
    """How the harness satisfies it here (None: it cannot)."""


@dataclass
class TaskCheck:
    id: str
    format: str = "-"
    category: str | None = None
    difficulty: str | None = None
    environment: str = ""
    """How the environment would be had (prebuilt image, Dockerfile build, compose)."""
    bases: list[tuple[str, str]] = field(default_factory=list)
    """(FROM / COPY --from reference, the map rule that would stand in for it or 'unmapped')."""
    baked: list[str] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Why the task cannot run here at all (e.g. a build needing a stripped file)."""
    error: str | None = None

    def phase(self, phase: Phase) -> list[Need]:
        return [n for n in self.needs if n.phase == phase]

    def unmet(self, *phases: Phase) -> list[Need]:
        return [n for n in self.needs if n.phase in phases and n.met_by is None]

    @property
    def runnable_offline(self) -> bool:
        """Built here and verified with the network off (the agent's own needs aside)."""
        return not self.error and not self.problems and not self.unmet("build", "verify")

    @property
    def oracle_offline(self) -> bool:
        return self.runnable_offline and not self.unmet("solution")

    @property
    def needs_network(self) -> list[str]:
        """Test-script lines the network-off verifier cannot satisfy."""
        return [n.what for n in self.unmet("verify")]


def _dockerfiles(task: TerminalTask) -> list[Path]:
    if task.compose_file is None:
        return [task.dockerfile] if task.dockerfile else []
    files = []
    doc = yaml.safe_load(task.compose_file.read_text()) or {}
    for spec in (doc.get("services") or {}).values():
        build = (spec or {}).get("build")
        if build is not None:
            build = {"context": build} if isinstance(build, str) else build
            context = task.compose_file.parent / build.get("context", ".")
            files.append(context / build.get("dockerfile", "Dockerfile"))
    return files


def image_refs(path: Path) -> list[tuple[str, bool]]:
    """(external image reference, whether it is the final stage's base) of one Dockerfile."""
    refs: list[tuple[str, bool]] = []
    stages: dict[str, str] = {}
    last = None
    for line in path.read_text(errors="replace").splitlines() if path.is_file() else []:
        match = image_map._FROM.match(line)
        copy = image_map._COPY_FROM.match(line)
        if match:
            ref = match.group("ref")
            base = stages.get(ref, ref)
            if ref not in stages and ref != "scratch" and "$" not in ref:
                refs.append((ref, False))
            if match.group("alias"):
                stages[match.group("alias")] = base
            last = base
        elif copy:
            ref = copy.group("ref")
            if ref not in stages and not ref.isdigit() and "$" not in ref:
                refs.append((ref, False))
    return [(ref, ref == last) for ref, _ in refs]


def base_refs(task: TerminalTask) -> list[str]:
    files = _dockerfiles(task)
    refs = [task.docker_image] if task.docker_image and not files else []
    for path in files:
        refs += [ref for ref, _ in image_refs(path)]
    return refs


def _local(ref: str) -> bool:
    return succeeds("image", "inspect", ref)  # no docker CLI: nothing is local


class Checker:
    """Checks tasks against a resolver's image map and a host probe."""

    def __init__(
        self,
        maps: list[tuple[image_map.ImageMap, str]],
        answers: Callable[[str], bool] = hosts.answers,
        local: Callable[[str], bool] = _local,
    ):
        self.resolver = image_map.Resolver(maps, "map")
        self.answers, self.local = answers, local

    def standin(self, ref: str) -> tuple[str, str] | None:
        found = self.resolver.lookup(ref)
        return (found[0].use, found[0].suite) if found else None

    def image_need(self, phase: Phase, ref: str) -> Need:
        host = hosts.registry_host(ref)
        if self.local(ref):
            met = "local copy"
        elif self.answers(host):
            met = PULL
        elif found := self.standin(ref):
            met = f"stand-in {found[0]}" + (f" (Debian {found[1]})" if found[0] != "uv" else "")
        else:
            met = None
        return Need(phase, host, ref, met)

    def line_needs(self, phase: Phase, lines: list[str], distro: str, met_here: bool) -> list[Need]:
        """Needs of LINES; MET_HERE: the phase has the network (build), so a host that answers
        satisfies them."""
        out = []
        for line in lines:
            for host in hosts.line_hosts(line, distro) or ["?"]:
                reachable = met_here and host != "?" and self.answers(host)
                out.append(
                    Need(phase, host, line, f"{host} answers at build" if reachable else None)
                )
        return out

    def dockerfile_needs(self, path: Path, distro: str) -> list[Need]:
        """Needs of the Dockerfile's RUN instructions (continuations joined)."""
        text = path.read_text(errors="replace") if path.is_file() else ""
        out = []
        for line, _ in uv_offline.logical_lines(text):
            if not re.match(r"^RUN\s", line, re.IGNORECASE) or not network.network_lines(line):
                continue
            if not uv_offline.INSTALLER.search(line):
                out += self.line_needs("build", [line], distro, met_here=True)
                continue
            if self.answers(uv_offline.INSTALLER_HOST):
                met = "astral.sh answers at build"
            else:  # the offline uv kit answers the installer (environment.build_time_uv)
                met = "uv stand-in at build (PyPI uv wheel)" if self.answers(hosts.PYPI) else None
            out.append(Need("build", uv_offline.INSTALLER_HOST, line, met))
            rest = uv_offline._FETCH_INSTALLER.sub(" ", line)[4:]
            if network.network_lines(rest):
                out += self.line_needs("build", [rest], distro, met_here=True)
        return out

    def check(self, task: TerminalTask) -> TaskCheck:
        row = TaskCheck(task.id, task.format, task.category, task.difficulty)
        files = _dockerfiles(task)
        final_suite = None
        distro = "debian"
        prebuilt_here = False
        if task.docker_image and task.compose_file is None:
            need = self.image_need("build", task.docker_image)
            prebuilt_here = need.met_by in ("local copy", PULL)
            if not prebuilt_here and files:
                need.met_by = "Dockerfile build instead"
            row.needs.append(need)
            row.environment = (
                f"prebuilt {task.docker_image} ({need.met_by})"
                if prebuilt_here
                else "Dockerfile build"
            )
        else:
            row.environment = "compose" if task.compose_file else "Dockerfile build"
        if not prebuilt_here:
            for path in files:
                reason = stripped_copy(task, path, path.parent)
                if reason:
                    row.problems.append(reason)
                for ref, final in image_refs(path):
                    need = self.image_need("build", ref)
                    row.needs.append(need)
                    found = self.standin(ref)
                    row.bases.append((ref, f"{found[0]} ({found[1]})" if found else "unmapped"))
                    if final and need.met_by and need.met_by.startswith("stand-in") and found:
                        final_suite = found[1]
                    elif final and "ubuntu" in ref:
                        distro = "ubuntu"
                row.needs += self.dockerfile_needs(path, distro)
        if task.allow_internet:
            policy = "allow_internet = true"
            row.needs.append(
                Need("agent", "*", policy, "offline run: the agent has the image only")
            )
        if task.solution_script:
            lines = network.network_lines(task.solution_script)
            row.needs += self.line_needs("solution", lines, distro, met_here=False)
        row.needs += self.verify_needs(task, row, final_suite, prebuilt_here, distro)
        return row

    def verify_needs(self, task, row, final_suite, prebuilt_here, distro) -> list[Need]:
        script = quiet_stripped(test_scripts(task))
        baked, left = network.plan(script)
        row.baked = baked
        uv = uv_offline.plan(script)
        pypi = self.answers(hosts.PYPI)
        out = []
        for line in baked:
            host = hosts.line_hosts(line, distro)[0]
            out.append(Need("verify", host, line, "baked at build" if self.answers(host) else None))
        for line in uv.installer_lines:
            met = "uv stand-in (PyPI uv wheel)" if pypi and line in uv.satisfied else None
            out.append(Need("verify", "astral.sh", line, met))
        for call in uv.calls:
            met = "uv cache warmed at build" if pypi and call.problem is None else None
            python = next((v for o, v in zip(call.options, call.options[1:], strict=False)
                           if o in ("-p", "--python")), None)  # fmt: skip
            if met and python and final_suite and SUITE_PYTHON[final_suite] != python:
                met = None
                call.problem = f"the stand-in has CPython {SUITE_PYTHON[final_suite]}, not {python}"
            elif met and python and prebuilt_here:
                met += f" (needs CPython {python} in the prebuilt image)"
            out.append(
                Need(
                    "verify",
                    hosts.PYPI,
                    call.describe() + (f" [{call.problem}]" if call.problem else ""),
                    met,
                )
            )
        handled = set(uv.satisfied) | set(uv.installer_lines)
        for call in uv.calls:
            handled |= set(call.physical)
        for line in left:
            if line in handled:
                continue
            for host in hosts.line_hosts(line, distro) or ["?"]:
                out.append(Need("verify", host, line, None))
        return out


def check(
    path: Path,
    maps: list[tuple[image_map.ImageMap, str]],
    answers: Callable[[str], bool] | None = None,
    local: Callable[[str], bool] = _local,
) -> list[TaskCheck]:
    checker = Checker(maps, answers or hosts.answers, local)
    rows = []
    for directory in discover(path):
        try:
            task = load_task(directory)
        except TaskLoadError as e:
            rows.append(TaskCheck(directory.name, error=str(e)))
            continue
        rows.append(checker.check(task))
    return rows
