"""A static check of a directory of Terminal-Bench tasks (no containers, nothing built).

For each task: whether it loads (else the one-line error), its base images and the image-map
stand-in each would get, what of its test script would be baked in and what would still need
the network offline. `longcat-evals validate terminal PATH` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from longcat_evals.evals.terminal import image_map, network
from longcat_evals.evals.terminal.environment import test_scripts
from longcat_evals.evals.terminal.loader import TaskLoadError, discover, load_task
from longcat_evals.evals.terminal.spec import TerminalTask


@dataclass
class TaskCheck:
    id: str
    format: str = "-"
    category: str | None = None
    difficulty: str | None = None
    bases: list[tuple[str, str]] = field(default_factory=list)
    """(FROM reference, the map rule that would stand in for it or 'unmapped')."""
    baked: list[str] = field(default_factory=list)
    needs_network: list[str] = field(default_factory=list)
    error: str | None = None


def base_refs(task: TerminalTask) -> list[str]:
    files = [task.dockerfile] if task.dockerfile else []
    if task.compose_file and not task.dockerfile:
        doc = yaml.safe_load(task.compose_file.read_text()) or {}
        for spec in (doc.get("services") or {}).values():
            build = (spec or {}).get("build")
            if build is not None:
                build = {"context": build} if isinstance(build, str) else build
                context = task.compose_file.parent / build.get("context", ".")
                files.append(context / build.get("dockerfile", "Dockerfile"))
    refs = [task.docker_image] if task.docker_image and not files else []
    for path in files:
        stages = set()
        for line in path.read_text().splitlines() if path.is_file() else []:
            match = image_map._FROM.match(line)
            if match and match.group("ref") not in stages:
                refs.append(match.group("ref"))
            if match and match.group("alias"):
                stages.add(match.group("alias"))
    return refs


def check(path: Path, maps: list[tuple[image_map.ImageMap, str]]) -> list[TaskCheck]:
    resolver = image_map.Resolver(maps, "map")
    rows = []
    for directory in discover(path):
        try:
            task = load_task(directory)
        except TaskLoadError as e:
            rows.append(TaskCheck(directory.name, error=str(e)))
            continue
        row = TaskCheck(task.id, task.format, task.category, task.difficulty)
        for ref in base_refs(task):
            found = resolver.lookup(ref)
            row.bases.append((ref, f"{found[0].use} ({found[0].match})" if found else "unmapped"))
        script = test_scripts(task)
        if task.dockerfile or task.compose_file:  # images we build get the installs baked in
            row.baked, row.needs_network = network.plan(script)
        else:
            row.needs_network = network.network_lines(script)
        rows.append(row)
    return rows
