"""Each task's environment, resolved as Harbor and Terminal-Bench 1.x resolve it, then its compose.

Order: (1) a compose file (Terminal-Bench 1.x `docker-compose.yaml`, Harbor
`environment/docker-compose.yaml`) whenever the task has one, its services built by us;
(2) the task's prebuilt `[environment] docker_image` when it can be had: a local copy, or a pull
when a registry answers (Harbor's default); (3) the task's Dockerfile, built by us with FROM /
COPY --from images per the image map (offline stand-ins). The choice and why is recorded per
sample (`environment_source`).

For a task that runs offline, the test script's package installs and its uv/uvx use are baked
into the image at build time (a thin layer on a prebuilt image). Generated Dockerfiles are
content-hash tagged: an unchanged task is never rebuilt. Build contexts never hold the task's
tests or solution: a Dockerfile that copies one of them is refused with a one-line reason.
"""

from __future__ import annotations

import glob
import json
import re
import shlex
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from longcat_evals.evals.terminal import hosts, network, standins, uv_offline
from longcat_evals.evals.terminal.image_map import Resolver, rewrite_dockerfile
from longcat_evals.evals.terminal.spec import TerminalTask
from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.compose import SandboxLimits
from longcat_evals.sandboxes.docker_cli import DockerTimeout, docker, last_line
from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.state import state_dir

RECIPE_VERSION = "terminal-env-1"
DEFAULT_PIDS = 1024
PREBUILT_PULL_TIMEOUT_SEC = 1800
_USER = re.compile(r"^\s*USER\s+(\S+)", re.IGNORECASE | re.MULTILINE)
_COPY = re.compile(r"^\s*(?P<op>COPY|ADD)\s+(?P<args>.+)$", re.IGNORECASE)


@dataclass
class Environment:
    """What was prepared for one task: the image, its working directory and what we changed."""

    image: str
    workdir: str
    substitutions: list[dict[str, str]] = field(default_factory=list)
    baked: list[str] = field(default_factory=list)
    network_needs: list[str] = field(default_factory=list)
    offline_standins: list[str] = field(default_factory=list)
    """What the offline uv stand-in substituted (installer, cached uvx requirements)."""
    source: dict[str, str] = field(default_factory=dict)
    """Where the environment came from: kind (prebuilt/build/compose), image or file, why."""
    main_service: str = "default"
    """The task's own name for the agent's container (other services may address it so)."""
    environment: dict[str, str] = field(default_factory=dict)
    command: list[str] | str | None = None
    """The agent service's own command from the task's compose file, when not a keep-alive."""
    limits: dict[str, float] = field(default_factory=dict)
    """cpus / memory_mb the task's compose file sets for the agent's service."""
    services: dict[str, dict] = field(default_factory=dict)
    """Extra compose services (name -> image, command, environment) of multi-container tasks."""


@dataclass
class Rendered:
    """A generated Dockerfile and what went into it."""

    text: str
    substitutions: list = field(default_factory=list)
    baked: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    uv: uv_offline.UvPlan = field(default_factory=uv_offline.UvPlan)
    build_uv: list[str] = field(default_factory=list)
    """uv versions whose installer the Dockerfile's own RUN lines got locally."""


def slug(task_id: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", task_id.lower()).strip("-.") or "task"


def test_scripts(task: TerminalTask) -> str:
    """Every shell script verification runs, concatenated (for the network analysis)."""
    parts = [task.test_script.read_text(errors="replace")] if task.test_script else []
    if task.tests_dir and task.tests_dir.is_dir():
        parts += [p.read_text(errors="replace") for p in sorted(task.tests_dir.rglob("*.sh"))]
    return "\n".join(dict.fromkeys(parts))


_QUIET = re.compile(r"\s*(?:\d?>>?|&>)\s*/dev/null(?:\s+2>&1)?\s*$")


def quiet_stripped(script: str) -> str:
    """SCRIPT with trailing `> /dev/null 2>&1` dropped: a quiet install bakes like a loud one."""
    return "\n".join(_QUIET.sub("", line) for line in script.splitlines())


def build_time_uv(text: str, log) -> tuple[str, list[str]]:
    """TEXT with the offline uv kit installed before each RUN that fetches uv's installer, when
    astral.sh does not answer here; (text, uv versions served)."""
    lines = text.splitlines()
    starts, start = [], 0
    for number in range(len(lines)):
        if number == 0 or not lines[number - 1].rstrip().endswith("\\"):
            start = number
        starts.append(start)
    hits = sorted({starts[n] for n, line in enumerate(lines) if uv_offline.INSTALLER.search(line)})
    versions = []
    for number in hits:
        instruction = " ".join(lines[n] for n in range(number, len(lines)) if starts[n] == number)
        for match in uv_offline.INSTALLER.finditer(instruction):
            version = match.group("version") or standins.UV_DEFAULT_VERSION
            if re.fullmatch(r"\d+\.\d+\.\d+", version) and version not in versions:
                versions.append(version)
    if not versions or hosts.answers(uv_offline.INSTALLER_HOST):
        return text, []
    kit = standins.uv_kit(versions, log)
    out: list[str] = []
    user = None
    for number, line in enumerate(lines):
        found = _USER.match(line) if starts[number] == number else None
        if re.match(r"^\s*FROM\s", line, re.IGNORECASE):
            user = None
        elif found:
            user = found.group(1)
        if number in hits and re.match(r"^\s*RUN\s", line, re.IGNORECASE):
            out += ["# longcat-evals: uv's installer answered locally (astral.sh does not answer)"]
            out += ["USER root"] if user not in (None, "root", "0") else []
            out += [
                f"COPY --from={kit} /kit/ {uv_offline.KIT}/",
                f"RUN sh {uv_offline.KIT}/setup.sh",
            ]
            out += [f"USER {user}"] if user not in (None, "root", "0") else []
        out.append(line)
    return "\n".join(out) + "\n", versions


def uv_standin_wanted(offline: bool, uv: uv_offline.UvPlan) -> bool:
    """Offline, or online where uv's installer host does not answer (e.g. only PyPI does)."""
    return uv.needed and (offline or not hosts.answers(uv_offline.INSTALLER_HOST))


def offline_steps(
    task: TerminalTask, text: str, log, offline: bool = True
) -> tuple[str, list[str], list[str], uv_offline.UvPlan]:
    """TEXT plus the bake (offline) and uv stand-in steps for TASK's test script (as root)."""
    script = quiet_stripped(test_scripts(task))
    baked, left = network.plan(script) if offline else ([], [])
    uv = uv_offline.plan(script)
    if not uv_standin_wanted(offline, uv):
        uv = uv_offline.UvPlan()
    uv.offline = offline
    steps: list[str] = []
    if baked:
        steps += ["# longcat-evals: the test script's installs, baked in (it runs offline)"]
        steps += network.bake_steps(baked)
    if uv.needed:
        kit = standins.uv_kit(uv.versions or [standins.UV_DEFAULT_VERSION], log)
        steps += ["# longcat-evals: offline uv for the test script (evals/terminal/README.md)"]
        steps += uv_offline.dockerfile_steps(uv, kit, offline)
    left = [line for line in left if line not in uv.satisfied]
    if steps:
        users = _USER.findall(text)
        text += "\n".join(["", "USER root", *steps]) + "\n"
        if users and users[-1] not in ("root", "0"):
            text += f"USER {users[-1]}\n"
    return text, baked, left, uv


def render(task: TerminalTask, dockerfile: Path, resolver: Resolver, offline: bool, log):
    """The generated Dockerfile for DOCKERFILE (image map applied; offline: bakes, uv)."""
    text, subs = rewrite_dockerfile(dockerfile.read_text(), resolver, log)
    text, build_uv = build_time_uv(text, log)
    text, baked, left, uv = offline_steps(task, text, log, offline)
    return Rendered(text, subs, baked, left, uv, build_uv)


def hidden_paths(task: TerminalTask) -> set[Path]:
    """The task's tests and solution files, kept out of every build context."""
    return {
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


def _copy_sources(args: str) -> list[str]:
    args = args.strip()
    if args.startswith("["):
        try:
            parts = [str(p) for p in json.loads(args)]
        except ValueError:
            return []
    else:
        try:
            parts = shlex.split(args)
        except ValueError:
            return []
    if any(p.startswith("--from") for p in parts):
        return []
    parts = [p for p in parts if not p.startswith("--")]
    return parts[:-1]


def stripped_copy(task: TerminalTask, dockerfile: Path, context: Path) -> str | None:
    """A one-line reason when DOCKERFILE copies a file the clean context leaves out."""
    hidden = hidden_paths(task)
    root = context.resolve()
    for number, line in enumerate(dockerfile.read_text(errors="replace").splitlines(), 1):
        match = _COPY.match(line)
        if not match:
            continue
        for source in _copy_sources(match.group("args")):
            if "$" in source or source.startswith(("http://", "https://", "git@")):
                continue
            matched = [Path(p).resolve() for p in glob.glob(str(root / source))]
            if not matched and not glob.has_magic(source):
                matched = [(root / source).resolve()]
            leaks = [p for p in matched if any(p == h or p.is_relative_to(h) for h in hidden)]
            if leaks and len(leaks) == len(matched):
                rel = (
                    leaks[0].relative_to(task.path)
                    if leaks[0].is_relative_to(task.path)
                    else leaks[0]
                )
                return (
                    f"terminal task '{task.id}': {dockerfile.name} line {number} "
                    f"`{line.strip()}` needs {rel}, which we keep out of every build so the "
                    "agent never sees the task's tests or solution; the verifier copies tests/ to "
                    "/tests itself, so drop that line (or copy it in the test script)"
                )
    return None


@contextmanager
def clean_context(task: TerminalTask, context: Path) -> Iterator[Path]:
    """CONTEXT, or a copy of it without the task's tests and solution when it holds them.

    Terminal-Bench 1.x builds from the task directory itself, so a `COPY . /app` would put the
    hidden tests and the solution in the image; the copy keeps them out of every build.
    """
    hidden = hidden_paths(task)
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
    return docker("image", "inspect", "-f", "{{.Config.WorkingDir}}", tag).stdout.strip() or "/"


def build_text(
    task: TerminalTask,
    text: str,
    context: Path,
    log: Progress,
    name: str,
    what: str,
) -> str:
    """Build the generated Dockerfile TEXT in CONTEXT (clean of tests/solution); its tag."""
    with clean_context(task, context) as clean:
        digest = images.hash_inputs(RECIPE_VERSION, text, clean)
        tag = images.tag_for(f"tb-{slug(name)}", digest)
        if images.image_exists(tag):
            return tag
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
                what=what,
            )
        finally:
            Path(handle.name).unlink(missing_ok=True)
    return tag


def build_dockerfile(
    task: TerminalTask,
    dockerfile: Path,
    context: Path,
    resolver: Resolver,
    offline: bool,
    log: Progress = progress,
    name: str | None = None,
) -> Environment:
    """Build DOCKERFILE (rewritten) in CONTEXT; returns the tagged Environment."""
    reason = stripped_copy(task, dockerfile, context)
    if reason:
        raise SandboxSetupError(reason)
    rendered = render(task, dockerfile, resolver, offline, log)
    for sub in rendered.substitutions:
        log(f"[{task.id}] base image {sub.original} -> {sub.image} (image map: {sub.rule})")
    relative = (
        dockerfile.relative_to(task.path) if dockerfile.is_relative_to(task.path) else dockerfile
    )
    tag = build_text(
        task, rendered.text, context, log, name or task.id,
        f"terminal task '{task.id}' ({relative})",
    )  # fmt: skip
    return Environment(
        image=tag,
        workdir=image_workdir(tag),
        substitutions=[s.as_dict() for s in rendered.substitutions],
        baked=rendered.baked,
        network_needs=rendered.left,
        offline_standins=[
            f"Dockerfile's uv installer {v}: answered by a local installer of PyPI's uv=={v}"
            for v in rendered.build_uv
        ]
        + rendered.uv.record(),
        source={"kind": "build", "file": str(relative)},
    )


def limits_for(
    task: TerminalTask, memory_mb: int | None = None, env: Environment | None = None
) -> SandboxLimits:
    defaults = SandboxLimits()
    own = env.limits if env else {}
    return SandboxLimits(
        cpus=task.cpus or own.get("cpus") or defaults.cpus,
        memory_mb=memory_mb
        or task.memory_mb
        or int(own.get("memory_mb") or 0)
        or defaults.memory_mb,
        pids=DEFAULT_PIDS,
    )


def obtain_prebuilt(ref: str, resolver: Resolver) -> tuple[bool, str]:
    """(whether prebuilt image REF is here now, how: 'local copy', 'pulled' or why not)."""
    if resolver.mode == "map":
        return False, "base_images=map builds stand-ins"
    if images.image_exists(ref):
        return True, "local copy"
    if not resolver.registry_answers():
        return False, "not here and no registry answers"
    try:
        pulled = docker("pull", "--quiet", ref, timeout=PREBUILT_PULL_TIMEOUT_SEC)
    except DockerTimeout:
        return False, f"pull timed out after {PREBUILT_PULL_TIMEOUT_SEC} s"
    if pulled.returncode != 0:
        return False, f"pull failed: {(last_line(pulled) or 'failed')[:200]}"
    return True, "pulled"


def use_prebuilt(task: TerminalTask, ref: str, how: str, offline: bool, log) -> Environment:
    """The prebuilt image REF (offline: a thin layer with the test script's bakes and uv)."""
    image = ref
    text, baked, left, uv = offline_steps(task, f"FROM {ref}\n", log, offline)
    uv_record = uv.record()
    if baked or uv.needed:
        with tempfile.TemporaryDirectory(dir=state_dir(), prefix="ctx-") as tmp:
            image = build_text(
                task, text, Path(tmp), log, f"{task.id}-prebuilt",
                f"offline layer on {ref} for terminal task '{task.id}'",
            )  # fmt: skip
    log(f"[{task.id}] environment: prebuilt image {ref} ({how})")
    return Environment(
        image=image,
        workdir=image_workdir(image),
        baked=baked,
        network_needs=left,
        offline_standins=uv_record,
        source={"kind": "prebuilt", "image": ref, "how": how},
    )
