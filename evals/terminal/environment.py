"""Build each task's image ourselves (offline stand-ins for its base images) and its compose file.

The task's Dockerfile is rewritten (FROM lines per the image map, test-time installs baked in)
into a generated Dockerfile beside a content-hash tag: an unchanged task is never rebuilt. The
build context stays the task's own `environment/` (Harbor) or task directory (1.x); tests and
solution are never copied into the image by us.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from longcat_evals.evals.terminal import network
from longcat_evals.evals.terminal.image_map import Resolver, rewrite_dockerfile
from longcat_evals.evals.terminal.spec import TerminalTask
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.compose import SandboxLimits
from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.state import state_dir

RECIPE_VERSION = "terminal-env-1"
DEFAULT_PIDS = 1024
_USER = re.compile(r"^\s*USER\s+(\S+)", re.IGNORECASE | re.MULTILINE)


@dataclass
class Environment:
    """What was built for one task: the image, its working directory and what we changed."""

    image: str
    workdir: str
    substitutions: list[dict[str, str]] = field(default_factory=list)
    baked: list[str] = field(default_factory=list)
    network_needs: list[str] = field(default_factory=list)
    main_service: str = "default"
    """The task's own name for the agent's container (other services may address it so)."""
    environment: dict[str, str] = field(default_factory=dict)
    services: dict[str, dict] = field(default_factory=dict)
    """Extra compose services (name -> image, command, environment) of multi-container tasks."""


def slug(task_id: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", task_id.lower()).strip("-.") or "task"


def test_scripts(task: TerminalTask) -> str:
    """Every shell script verification runs, concatenated (for the network analysis)."""
    parts = [task.test_script.read_text(errors="replace")] if task.test_script else []
    if task.tests_dir and task.tests_dir.is_dir():
        parts += [p.read_text(errors="replace") for p in sorted(task.tests_dir.rglob("*.sh"))]
    return "\n".join(dict.fromkeys(parts))


def render(task: TerminalTask, dockerfile: Path, resolver: Resolver, offline: bool, log):
    """(generated Dockerfile text, substitutions, baked lines, unmet network lines)."""
    text, subs = rewrite_dockerfile(dockerfile.read_text(), resolver, log)
    baked, left = network.plan(test_scripts(task)) if offline else ([], [])
    if baked:
        users = _USER.findall(text)
        steps = ["", "# longcat-evals: the test script's installs, baked in (it runs offline)"]
        steps += ["USER root", *network.bake_steps(baked)]
        if users and users[-1] not in ("root", "0"):
            steps.append(f"USER {users[-1]}")
        text += "\n".join(steps) + "\n"
    return text, subs, baked, left


@contextmanager
def clean_context(task: TerminalTask, context: Path) -> Iterator[Path]:
    """CONTEXT, or a copy of it without the task's tests and solution when it holds them.

    Terminal-Bench 1.x builds from the task directory itself, so a `COPY . /app` would put the
    hidden tests and the solution in the image; the copy keeps them out of every build.
    """
    hidden = {
        p.resolve()
        for p in (
            task.tests_dir,
            task.test_script,
            task.solution_dir,
            task.path / "solution.sh",
            task.path / "solution.yaml",
        )  # fmt: skip
        if p is not None and p.exists()
    }
    root = context.resolve()
    if not any(h.is_relative_to(root) for h in hidden):
        yield context
        return
    with tempfile.TemporaryDirectory(dir=state_dir(), prefix="tb-context-") as tmp:
        copy = Path(tmp) / "context"

        def ignore(directory: str, names: list[str]) -> list[str]:
            return [n for n in names if (Path(directory) / n).resolve() in hidden]

        shutil.copytree(root, copy, ignore=ignore, symlinks=True)
        yield copy


def image_workdir(tag: str) -> str:
    out = subprocess.run(
        ["docker", "image", "inspect", "-f", "{{.Config.WorkingDir}}", tag],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() or "/"


def build_dockerfile(
    task: TerminalTask,
    dockerfile: Path,
    context: Path,
    resolver: Resolver,
    offline: bool,
    log: Callable[[str], None] = print,
    name: str | None = None,
) -> Environment:
    """Build DOCKERFILE (rewritten) in CONTEXT; returns the tagged Environment."""
    text, subs, baked, left = render(task, dockerfile, resolver, offline, log)
    for sub in subs:
        log(f"[{task.id}] base image {sub.original} -> {sub.image} (image map: {sub.rule})")
    with clean_context(task, context) as clean:
        digest = images.hash_inputs(RECIPE_VERSION, text, clean)
        tag = images.tag_for(f"tb-{slug(name or task.id)}", digest)
        if not images.image_exists(tag):
            builds = state_dir() / "terminal"
            builds.mkdir(exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=builds, prefix=f"{slug(task.id)}-", suffix=".Dockerfile", delete=False
            ) as handle:
                handle.write(text)
            try:
                images.build_image(
                    tag,
                    clean,
                    dockerfile=Path(handle.name),
                    labels={images.RECIPE_LABEL: f"terminal/{task.id}"},
                    log=log,
                    what=f"terminal task '{task.id}' ({dockerfile.relative_to(task.path)})",
                )
            finally:
                Path(handle.name).unlink(missing_ok=True)
    return Environment(
        image=tag,
        workdir=image_workdir(tag),
        substitutions=[s.as_dict() for s in subs],
        baked=baked,
        network_needs=left,
    )


def limits_for(task: TerminalTask, memory_mb: int | None = None) -> SandboxLimits:
    defaults = SandboxLimits()
    return SandboxLimits(
        cpus=task.cpus or defaults.cpus,
        memory_mb=memory_mb or task.memory_mb or defaults.memory_mb,
        pids=DEFAULT_PIDS,
    )


def prepare(
    task: TerminalTask, resolver: Resolver, offline: bool, log: Callable[[str], None] = print
) -> Environment:
    """Make the task's image(s) ready; raise SandboxSetupError with a one-line reason."""
    if task.compose_file is not None and task.dockerfile is None:
        from longcat_evals.evals.terminal.compose_env import prepare_compose

        return prepare_compose(task, resolver, offline, log)
    if task.dockerfile is not None:
        return build_dockerfile(task, task.dockerfile, task.context, resolver, offline, log)
    if task.docker_image:
        image, _, sub = resolver.resolve(task.docker_image, log)
        if sub is not None:
            log(f"[{task.id}] image {sub.original} -> {sub.image} (image map: {sub.rule})")
        if not images.image_exists(image):
            pulled = subprocess.run(["docker", "pull", "--quiet", image], capture_output=True)
            if pulled.returncode != 0:
                raise SandboxSetupError(
                    f"terminal task '{task.id}': image {image} cannot be pulled "
                    f"({pulled.stderr.decode(errors='replace').strip()[-200:]})"
                )
        # A prebuilt image cannot have installs baked in: every network line stays a need.
        return Environment(
            image=image,
            workdir=image_workdir(image),
            substitutions=[sub.as_dict()] if sub else [],
            network_needs=network.network_lines(test_scripts(task)) if offline else [],
        )
    raise SandboxSetupError(f"terminal task '{task.id}': no Dockerfile or image to run")


def sandbox_spec(task: TerminalTask, env: Environment, offline: bool, memory_mb: int | None):
    """The sample's Inspect sandbox: our secure compose defaults, network per the task."""
    from longcat_evals.sandboxes.compose import docker_sandbox

    if env.services:
        from longcat_evals.evals.terminal.compose_env import multi_service_spec

        return multi_service_spec(task, env, offline, limits_for(task, memory_mb))
    return docker_sandbox(
        env.image,
        network=not offline,
        limits=limits_for(task, memory_mb),
        working_dir=env.workdir,
        local_image=images.image_exists(env.image),
        environment=env.environment or None,
    )
