"""Helm values for inspect-k8s-sandbox's built-in `agent-env` chart, from our compose specs.

One sample's sandbox is described once, as the compose document `sandboxes.compose` writes
(`service()` / `compose_config()`); this module turns that same document into the chart's
values, so a family can hand Inspect `SandboxEnvironmentSpec("k8s", <values file>)` instead of
the docker spec. The values are validated against the chart's own `values.schema.json`, read
from the installed `inspect-k8s-sandbox` package (the extra `k8s`).

Why not the package's own `convert_compose_to_helm_values`: it refuses our secure defaults
(`pids_limit`, `privileged` are "Unsupported key(s)") and, where it accepts a document, it
keeps compose syntax the chart's schema rejects (a service's `networks` mapping with aliases)
and drops what our specs mean by network on (the chart denies all egress unless
`allowEntities`/`allowDomains` open it; the package leaves that to the user). Where both
express the same thing (image, entrypoint/command, working dir, env, cpu/memory, isolation,
no-new-privileges) the tests check that the two conversions agree.

What compose has and Kubernetes cannot say per container is reported in `HelmValues.notes`
(never silently dropped): the pids limit (a kubelet-wide `podPidsLimit`), `init: true`, the
swap limit, and a service that keeps the runtime's default capability set (SWE's grader, as
the official harnesses grade) rather than dropping all. Image builds (`build`, `x-local`) are
dropped on purpose: the cluster pulls every image from a registry (`longcat-evals bundle
import --registry` puts them there).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.network import EGRESS_NETWORK
from longcat_evals.sandboxes.state import state_dir

WORLD = "world"
"""Cilium's entity for everything outside the cluster: a compose service with a network."""

Runtime = Literal["gvisor", "runc", "CLUSTER_DEFAULT"]
# Keys of a compose service that this module understands. Anything else is refused: a key we
# do not translate would otherwise vanish from the Kubernetes run without a word.
_SERVICE_KEYS = {
    "image", "entrypoint", "command", "working_dir", "environment", "cpus", "mem_limit",
    "memswap_limit", "pids_limit", "privileged", "security_opt", "network_mode", "networks",
    "init", "x-local", "build", "cap_add", "cap_drop", "cgroup_parent", "labels", "storage_opt",
}  # fmt: skip
_NAME = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$")
_MEMORY = re.compile(r"^(\d+)([bkmg])b?$", re.IGNORECASE)
_UNITS = {"b": "", "k": "Ki", "m": "Mi", "g": "Gi"}


class K8sValuesError(SandboxSetupError):
    """A compose spec cannot be expressed as the chart's values (one line: service, key)."""


@dataclass
class HelmValues:
    """The chart's values for one sandbox, and what did not carry over."""

    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    """One line per compose setting with no per-sample Kubernetes equivalent."""


def chart_schema() -> dict[str, Any]:
    """The `values.schema.json` of the installed inspect-k8s-sandbox's built-in chart."""
    return json.loads((chart_dir() / "values.schema.json").read_text())


def chart_dir() -> Path:
    """The built-in `agent-env` chart inside the installed inspect-k8s-sandbox package."""
    try:
        import k8s_sandbox
    except ImportError as e:
        raise K8sValuesError(
            "inspect-k8s-sandbox is not installed: pip install 'longcat-evals[k8s]'"
        ) from e
    return Path(k8s_sandbox.__file__).parent / "resources" / "helm" / "agent-env"


def chart_defaults() -> dict[str, Any]:
    """The chart's own `values.yaml` (what Helm merges our values onto)."""
    return yaml.safe_load((chart_dir() / "values.yaml").read_text())


def merged(values: dict[str, Any], defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """VALUES over the chart's defaults as Helm merges them: maps deep-merged, lists and scalars
    replaced, a null deleting the default's key (how `command: null` removes `tail -f`)."""
    result = dict(chart_defaults() if defaults is None else defaults)
    for key, value in values.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(value, result[key])
        else:
            result[key] = value
    return result


def validate(values: dict[str, Any]) -> None:
    """Raise K8sValuesError naming the first value the chart's schema rejects.

    Helm checks the schema against the merged values (chart defaults + ours), so do we.
    """
    import jsonschema

    validator = jsonschema.Draft7Validator(chart_schema())
    errors = sorted(validator.iter_errors(merged(values)), key=lambda e: list(e.absolute_path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise K8sValuesError(f"helm values: {where}: {errors[0].message} (chart values.schema)")


def load_compose(source: Any) -> dict[str, Any]:
    """The compose document behind SOURCE: a dict, a file path, an Inspect ComposeConfig or a
    `SandboxEnvironmentSpec("docker", ...)` whose config is either."""
    config = getattr(source, "config", source) if hasattr(source, "type") else source
    if isinstance(config, tuple) and len(config) == 2:  # ("docker", "compose.yaml")
        config = config[1]
    if isinstance(config, dict):
        return config
    if isinstance(config, str | Path):
        path = Path(config)
        if not path.is_file():
            raise K8sValuesError(f"compose file {path} not found")
        return yaml.safe_load(path.read_text())
    if hasattr(config, "model_dump"):  # inspect_ai.util.ComposeConfig
        return config.model_dump(exclude_none=True, by_alias=True)
    raise K8sValuesError(f"cannot read a compose spec from {type(config).__name__}")


def helm_values(
    source: Any,
    *,
    registry: str | None = None,
    runtime: Runtime | None = None,
    image_pull_secrets: list[str] | None = None,
    ephemeral_storage: str | None = None,
) -> HelmValues:
    """Translate one sandbox's compose spec into validated values of the built-in chart.

    Args:
        source: The compose document (see `load_compose` for the forms accepted).
        registry: Private registry host[/path] that images are pulled from on the cluster
            (`longcat-evals bundle import --registry` pushed them there). Every image is
            rewritten to `<registry>/<image>`; without it the images must already be pullable
            by their names.
        runtime: The pods' RuntimeClass; the chart's default (`gvisor`) when None.
        image_pull_secrets: Names of existing Secrets with the registry's credentials.
        ephemeral_storage: Per-container scratch-disk request and limit (e.g. `20Gi`); none
            when None (the node's own eviction thresholds apply).

    Returns:
        The values and the notes on settings with no per-sample Kubernetes equivalent.
    """
    compose = load_compose(source)
    services = compose.get("services") if isinstance(compose, dict) else None
    if not isinstance(services, dict) or "default" not in services:
        raise K8sValuesError("compose spec: services: needs a service named 'default'")
    unknown_top = set(compose) - {"services", "networks"}
    if unknown_top:
        raise K8sValuesError(f"compose spec: unsupported top-level key(s) {sorted(unknown_top)}")
    notes: list[str] = []
    networks = compose.get("networks") or {}
    values: dict[str, Any] = {"services": {}}
    wants_world = False
    for name, spec in services.items():
        converted, world = _service(name, spec or {}, networks, registry, ephemeral_storage, notes)
        if runtime is not None:
            converted["runtimeClassName"] = runtime
        values["services"][name] = converted
        wants_world |= world
    # The Docker sandbox's shared egress network (sandboxes/network.py) is how a container
    # reaches the outside there; on a cluster that is `allowEntities: [world]` instead.
    pod_networks = [n for n in networks if n != EGRESS_NETWORK]
    if pod_networks:
        values["networks"] = {_network_name(n): {} for n in pod_networks}
    if wants_world:
        # The chart denies all egress by default; compose's default bridge reaches everywhere.
        values["allowEntities"] = [WORLD]
    if image_pull_secrets:
        values["imagePullSecrets"] = [{"name": s} for s in image_pull_secrets]
    validate(values)
    return HelmValues(values=values, notes=sorted(set(notes)))


def _service(name, spec, networks, registry, ephemeral_storage, notes) -> tuple[dict, bool]:
    where = f"compose spec: services.{name}"
    if not _NAME.match(name):
        raise K8sValuesError(f"{where}: the name is not a Kubernetes name (lower-case a-z0-9-)")
    unknown = set(spec) - _SERVICE_KEYS
    if unknown:
        raise K8sValuesError(f"{where}: no Kubernetes translation for {sorted(unknown)}")
    if not spec.get("image"):
        raise K8sValuesError(f"{where}: image: missing (the cluster pulls images, never builds)")
    image = f"{registry.rstrip('/')}/{spec['image']}" if registry else spec["image"]
    out: dict[str, Any] = {"image": image}
    # Compose `entrypoint` is the container's ENTRYPOINT = Kubernetes `command`; compose
    # `command` is CMD = `args`. A side service keeps its image's ENTRYPOINT: `command: null`
    # deletes the chart's `tail -f /dev/null` default (only `default` has one).
    if spec.get("entrypoint") is not None:
        out["command"] = _as_list(spec["entrypoint"])
    elif name == "default":
        out["command"] = None
    if spec.get("command") is not None:
        out["args"] = _as_list(spec["command"])
    if spec.get("working_dir"):
        out["workingDir"] = spec["working_dir"]
    out["dnsRecord"] = True  # compose resolves every service by its name
    if spec.get("environment"):
        out["env"] = [{"name": k, "value": str(v)} for k, v in _env(spec["environment"]).items()]
    limits: dict[str, Any] = {}
    if spec.get("cpus") is not None:
        limits["cpu"] = spec["cpus"]
    if spec.get("mem_limit") is not None:
        limits["memory"] = _memory(spec["mem_limit"], where)
    if ephemeral_storage:
        limits["ephemeral-storage"] = ephemeral_storage
    if limits:
        # Requests equal to limits: the Guaranteed QoS class, so a busy node cannot squeeze
        # one sample's container below what it gets on Docker.
        out["resources"] = {"limits": limits, "requests": dict(limits)}
    security: dict[str, Any] = {"privileged": bool(spec.get("privileged", False))}
    for option in spec.get("security_opt") or []:
        key, _, value = str(option).replace("=", ":", 1).partition(":")
        if key == "no-new-privileges" and value in ("", "true"):
            security["allowPrivilegeEscalation"] = False
        elif key != "no-new-privileges":
            raise K8sValuesError(f"{where}: security_opt {option!r} has no translation")
    capabilities = {
        key: [str(cap).upper().removeprefix("CAP_") for cap in spec[option]]
        for option, key in (("cap_drop", "drop"), ("cap_add", "add"))
        if spec.get(option)
    }
    if capabilities:  # the same set Docker gets (sandboxes/compose.py RUNTIME_CAPABILITIES)
        security["capabilities"] = capabilities
    if not spec.get("cap_drop"):
        # E.g. SWE grading, which runs with Docker's default set as the official harnesses do.
        added = " plus " + ", ".join(capabilities["add"]) if capabilities.get("add") else ""
        notes.append(
            f"services.{name}: the container runtime's default capability set{added} "
            "(Docker's here; containerd's and CRI-O's defaults differ slightly, and gVisor, the "
            "chart's default runtime, implements capabilities and user namespaces itself)"
        )
    out["securityContext"] = security
    if spec.get("cgroup_parent"):
        notes.append(
            "cgroup_parent: the shared pids ceiling is the kubelet's podPidsLimit on a cluster"
        )
    if spec.get("labels"):
        notes.append("labels: Docker cleanup labels; Helm labels each release's objects itself")
    if spec.get("storage_opt") and not ephemeral_storage:
        notes.append(
            "storage_opt: the per-sample disk limit is ephemeral_storage= on a cluster "
            "(not set: the node's eviction thresholds apply)"
        )
    world = False
    if spec.get("network_mode") == "none":
        if spec.get("networks"):
            raise K8sValuesError(f"{where}: network_mode none and networks both set")
        out["networkIsolated"] = True
    elif spec.get("network_mode") not in (None, "bridge"):
        raise K8sValuesError(f"{where}: network_mode {spec['network_mode']!r} has no translation")
    elif spec.get("networks"):
        attached = spec["networks"]
        names = [n for n in attached if n != EGRESS_NETWORK]
        egress = len(names) < len(list(attached))
        out["networks"] = [_network_name(n) for n in names]
        aliases = {
            alias
            for n in names
            if isinstance(attached, dict)
            for alias in ((attached.get(n) or {}).get("aliases") or [])
            if alias != name
        }
        if aliases:
            out["additionalDnsRecords"] = sorted(aliases)
        world = egress or any(not (networks.get(n) or {}).get("internal", False) for n in names)
        if not names:
            out.pop("networks")
    else:
        world = True  # compose's default network reaches the internet
    if spec.get("pids_limit") is not None:
        notes.append(
            f"pids_limit {spec['pids_limit']}: Kubernetes limits pids per pod only node-wide "
            "(kubelet podPidsLimit); set it on the nodes"
        )
    if spec.get("init"):
        notes.append(
            "init: the chart has no init process; PID 1 is the entrypoint (`sleep`), which "
            "does not reap zombies a task leaves (they last until the pod ends)"
        )
    if spec.get("memswap_limit") is not None:
        notes.append("memswap_limit: Kubernetes nodes run without swap by default")
    return out, world


def _network_name(name: str) -> str:
    return re.sub(r"[^a-z0-9.-]", "-", name.lower()).strip("-.")


def _as_list(value: Any) -> list[str]:
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def _env(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    return dict(item.split("=", 1) if "=" in item else (item, "") for item in map(str, value))


def _memory(value: Any, where: str) -> str:
    match = _MEMORY.match(str(value))
    if not match:
        raise K8sValuesError(f"{where}: mem_limit {value!r} is not a byte value like 2048m")
    return f"{match.group(1)}{_UNITS[match.group(2).lower()]}"


def write_values(values: HelmValues, directory: Path | None = None) -> Path:
    """Write the values content-addressed (helm-values-<hash>.yaml) and return the path.

    The name must not end in `compose.yaml`: inspect-k8s-sandbox would convert it as compose.
    """
    text = yaml.safe_dump(values.values, sort_keys=True)
    directory = directory or (state_dir() / "k8s")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"helm-values-{hashlib.sha256(text.encode()).hexdigest()[:16]}.yaml"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)
    return path


def k8s_sandbox(source: Any, **options: Any):
    """An Inspect `SandboxEnvironmentSpec("k8s", ...)` for the same sandbox as SOURCE.

    OPTIONS are `helm_values`'s. Needs the `k8s` extra (inspect-k8s-sandbox) and, to run, a
    cluster as docs/KUBERNETES.md describes.
    """
    from inspect_ai.util import SandboxEnvironmentSpec

    chart_dir()  # one clear line when the package is missing
    from k8s_sandbox import K8sSandboxEnvironmentConfig

    path = write_values(helm_values(source, **options))
    return SandboxEnvironmentSpec("k8s", K8sSandboxEnvironmentConfig(values=path))


@dataclass(frozen=True)
class SandboxTarget:
    """Where a family's samples run: the docker spec it wrote, or that spec on Kubernetes.

    Every family builds one compose document per sample (`sandboxes.compose`); this is the one
    place that turns it into the sandbox a sample gets, so `-T sandbox=k8s` means the same in
    every family.
    """

    kind: Literal["docker", "k8s"] = "docker"
    registry: str | None = None

    @classmethod
    def of(cls, options: Any) -> SandboxTarget:
        """The target a family's validated options (`SandboxTargetOptions`) name."""
        return cls(kind=options.sandbox, registry=options.k8s_registry)

    def spec(self, docker_spec: Any) -> Any:
        """DOCKER_SPEC (a `SandboxEnvironmentSpec("docker", <compose file>)`) for this target."""
        if self.kind == "docker":
            return docker_spec
        return k8s_sandbox(docker_spec, registry=self.registry)
