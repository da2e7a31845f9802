"""Tasks whose environment is a compose file (Terminal-Bench 1.x `docker-compose.yaml`, Harbor
`environment/docker-compose.yaml`): we build every service's image ourselves and write our own
compose file with the project's secure defaults.

Used whenever the task has one, also beside a Dockerfile (Terminal-Bench 1.x runs its
docker-compose.yaml, which builds that Dockerfile). Kept from the task's file: each service's
build (context, dockerfile) or image, its command and environment, and the agent service's
limits (`cpus`, `mem_limit`, `deploy.resources.limits`) where the task sets none itself.
Dropped (and listed in the sample's metadata, `compose_dropped`): host volumes, ports, container
names, privileges and anything else. The agent's service (`main` in Harbor, `client` in 1.x,
else the first) becomes Inspect's `default`; its command, unless a plain keep-alive
(`sleep infinity`), runs in the background of the keep-alive so the container stays up for the
agent. Several services share one network of their own, `internal` (no route out) unless the
task has the internet; each keeps its original name as an alias.
"""

from __future__ import annotations

import re
import shlex

import yaml
from inspect_ai.util import SandboxEnvironmentSpec

from longcat_evals.evals.terminal.environment import Environment, build_dockerfile, image_workdir
from longcat_evals.evals.terminal.spec import TerminalTask, size_mb
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.compose import SandboxLimits, compose_config, service, write_compose
from longcat_evals.sandboxes.errors import SandboxSetupError

MAIN_NAMES = ("main", "client", "default")
NETWORK = "tasknet"
KEPT_KEYS = {"build", "image", "command", "environment", "cpus", "mem_limit", "deploy"}
_KEEP_ALIVE = re.compile(r"^(exec\s+)?sleep\s+(infinity|inf)\s*;?$")
_VAR = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")


def variables(task: TerminalTask) -> dict[str, str]:
    """Values of the variables Harbor and Terminal-Bench put in their compose files."""
    return {
        "T_BENCH_TEST_DIR": "/tests",
        "TEST_DIR": "/tests",
        "T_BENCH_CONTAINER_LOGS_PATH": "/logs",
        "T_BENCH_CONTAINER_AGENT_LOGS_PATH": "/agent-logs",
        "T_BENCH_TASK_DOCKER_CLIENT_IMAGE_NAME": f"tb-{task.id}",
        "T_BENCH_TASK_DOCKER_CLIENT_CONTAINER_NAME": f"tb-{task.id}",
        "CPUS": str(task.cpus or 1),
        "MEMORY": f"{task.memory_mb or 2048}M",
    }


def interpolate(text: str, values: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1) or m.group(3)
        return values.get(name, m.group(2) or "")

    return _VAR.sub(sub, text)


def _as_env(value) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in map(str, value))
    return {}


def _command_text(command) -> str | None:
    if command is None:
        return None
    if isinstance(command, list):
        parts = [str(c) for c in command]
        if parts[:2] in (["sh", "-c"], ["bash", "-c"], ["/bin/sh", "-c"], ["/bin/bash", "-c"]):
            return " ".join(parts[2:])
        return " ".join(shlex.quote(p) for p in parts)
    return str(command)


def own_command(command) -> str | None:
    """The agent service's command as shell text, None when it only keeps the container up."""
    text = _command_text(command)
    if text is None or _KEEP_ALIVE.match(text.strip()):
        return None
    return text


def service_limits(spec: dict) -> dict[str, float]:
    """cpus and memory_mb a compose service sets (compose v2 keys or deploy.resources.limits)."""
    deploy = ((spec.get("deploy") or {}).get("resources") or {}).get("limits") or {}
    cpus = spec.get("cpus") or deploy.get("cpus")
    memory = spec.get("mem_limit") or deploy.get("memory")
    out: dict[str, float] = {}
    try:
        if cpus:
            out["cpus"] = float(cpus)
        if memory:
            out["memory_mb"] = float(size_mb(str(memory)) or 0)
    except ValueError:
        pass
    return out


def prepare_compose(task: TerminalTask, resolver, offline: bool, log) -> Environment:
    path = task.compose_file
    try:
        doc = yaml.safe_load(interpolate(path.read_text(), variables(task)))
    except yaml.YAMLError as e:
        raise SandboxSetupError(f"terminal task '{task.id}': {path.name}: invalid YAML") from e
    declared = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(declared, dict) or not declared:
        raise SandboxSetupError(
            f"terminal task '{task.id}': {path.name}: services: missing or empty"
        )
    main = next((n for n in MAIN_NAMES if n in declared), next(iter(declared)))
    built: dict[str, Environment] = {}
    for name, spec in declared.items():
        spec = spec or {}
        build = spec.get("build")
        if build is not None:
            build = {"context": build} if isinstance(build, str) else build
            context = (path.parent / build.get("context", ".")).resolve()
            dockerfile = context / build.get("dockerfile", "Dockerfile")
            env = build_dockerfile(
                task,
                dockerfile,
                context,
                resolver,
                offline and name == main,
                log,
                f"{task.id}-{name}",
            )
        elif spec.get("image"):
            image, _, sub = resolver.resolve(spec["image"], log)
            if not images.image_exists(image):
                raise SandboxSetupError(
                    f"terminal task '{task.id}': {path.name}: services.{name}.image {image} is "
                    "not here and cannot be pulled; map it with -T image_map=FILE"
                )
            env = Environment(image=image, workdir=image_workdir(image))
            env.substitutions = [sub.as_dict()] if sub else []
        else:
            raise SandboxSetupError(
                f"terminal task '{task.id}': {path.name}: services.{name}: no build or image"
            )
        env.environment = _as_env(spec.get("environment"))
        built[name] = env
    result = built[main]
    result.main_service = main
    result.command = own_command(declared[main].get("command"))
    result.limits = service_limits(declared[main] or {})
    result.source = {"kind": "compose", "file": str(path.relative_to(task.path))}
    dropped = sorted(
        {f"{n}.{k}" for n, d in declared.items() for k in (d or {}) if k not in KEPT_KEYS}
    )
    if dropped:
        result.source["dropped"] = ", ".join(dropped)
    for name, env in built.items():
        if name != main:
            result.substitutions += env.substitutions
            result.services[name] = {
                "image": env.image,
                "command": declared[name].get("command"),
                "environment": env.environment,
            }
    return result


def multi_service_spec(
    task: TerminalTask, env: Environment, offline: bool, limits: SandboxLimits
) -> SandboxEnvironmentSpec:
    """Compose for the agent's container plus the task's other services on one private network."""
    main = service(env.image, network=True, limits=limits, working_dir=env.workdir,
                   environment=env.environment or None)  # fmt: skip
    if env.command is not None:  # the task's own start-up, with the keep-alive after it
        main["entrypoint"] = ["sh", "-c", f"({env.command}) & exec sleep infinity"]
    services = {"default": main}
    aliases = {"default": [env.main_service]}
    for name, extra in env.services.items():
        spec = service(extra["image"], network=True, limits=limits, working_dir="/",
                       environment=extra["environment"] or None, keep_alive=False)  # fmt: skip
        spec.pop("working_dir")
        if extra["command"] is not None:  # else the image's own command starts the service
            spec["command"] = extra["command"]
        services[name] = spec
        aliases[name] = [name]
    for name, spec in services.items():
        spec["networks"] = {NETWORK: {"aliases": aliases[name]}}
    config = compose_config(services)
    config["networks"] = {NETWORK: {"internal": offline}}
    return SandboxEnvironmentSpec("docker", str(write_compose(config)))
