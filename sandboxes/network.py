"""Network reach of sandboxes: the outside yes; this host and other samples no.

A container on an ordinary Docker bridge reaches every service of the host: packets to the
bridge's gateway address (or to any other address of the host) are delivered locally, through
the host's INPUT chain, which Docker leaves open. A local SGLang/vLLM server on 0.0.0.0 would be
open to the agent. Measured on Docker 26 with iptables: this holds for `internal: true`
networks too (their bridge still carries a gateway address on the host).

So compose files are rewritten (`harden`) to:
- make every network of a sample's own project `internal` (no route out) and without an address
  on the host side (`com.docker.network.bridge.inhibit_ipv4`): its services talk to each other
  and to nothing else;
- give the agent's container (`default`), when it has network, one more network for the
  outside: `longcat-evals-egress`, a bridge shared by all samples, named `lce-egress` on the
  host, with inter-container traffic off (`enable_icc=false`: samples cannot reach each other)
  and one host firewall rule that rejects new connections from it to the host itself
  (`iptables -I INPUT -i lce-egress -m conntrack --ctstate NEW -j REJECT`). Replies to
  connections the container opened and forwarded traffic to the outside are unaffected.

The rule needs root and iptables on the machine that runs the engine. Without them the egress
network still works and keeps samples apart, but the host is reachable: `ensure_egress` warns,
once per process, in plain words.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

from longcat_evals.sandboxes.docker_cli import docker
from longcat_evals.sandboxes.errors import SandboxSetupError

EGRESS_NETWORK = "longcat-evals-egress"
EGRESS_BRIDGE = "lce-egress"  # host interface names are limited to 15 characters
INFRA_LABEL = "org.longcat-evals.infra"
INHIBIT_IPV4 = "com.docker.network.bridge.inhibit_ipv4"
FIREWALL_RULE = ("INPUT", "-i", EGRESS_BRIDGE, "-m", "conntrack", "--ctstate", "NEW",
                 "-j", "REJECT")  # fmt: skip

logger = logging.getLogger(__name__)
_ready: bool | None = None


def _network_exists() -> bool:
    return docker("network", "inspect", EGRESS_NETWORK, timeout=60).returncode == 0


def _create_network() -> None:
    if _network_exists():
        return
    created = docker(
        "network", "create", "--driver", "bridge",
        "--opt", f"com.docker.network.bridge.name={EGRESS_BRIDGE}",
        "--opt", "com.docker.network.bridge.enable_icc=false",
        "--label", f"{INFRA_LABEL}=egress", EGRESS_NETWORK, timeout=60,
    )  # fmt: skip
    # Another process may have created it meanwhile: only a network still missing is an error.
    if created.returncode != 0 and not _network_exists():
        raise SandboxSetupError(
            f"cannot create the sandboxes' egress network {EGRESS_NETWORK}: "
            f"{created.stderr.strip()[-300:]}"
        )


def firewall_problem(install: bool = True) -> str | None:
    """None when the host rule is in place (installed now if missing and INSTALL), else why not."""
    iptables = shutil.which("iptables")
    if iptables is None:
        return "`iptables` is not installed"
    if os.geteuid() != 0:
        return "setting a host firewall rule needs root"
    if os.environ.get("DOCKER_HOST", "unix://").split("://")[0] not in ("unix", ""):
        return f"the engine runs on another machine (DOCKER_HOST={os.environ['DOCKER_HOST']})"
    check = subprocess.run([iptables, "-C", *FIREWALL_RULE], capture_output=True, text=True)
    if check.returncode == 0:
        return None
    if not install:
        return "the host rule is not installed yet (the first network-on sample installs it)"
    insert = subprocess.run([iptables, "-I", *FIREWALL_RULE], capture_output=True, text=True)
    if insert.returncode != 0:
        return f"`iptables -I {' '.join(FIREWALL_RULE)}` failed: {insert.stderr.strip()}"
    return None


def ensure_egress() -> bool:
    """Make the egress network and the host rule ready (once per process); True when the host
    is shielded, False (after a visible warning) when only the network could be made."""
    global _ready
    if _ready is None:
        _create_network()
        problem = firewall_problem()
        if problem:
            message = (
                f"network-on sandboxes can reach services on this host: {problem}. Run "
                "`longcat-evals setup` as root (or add the rule yourself: "
                f"iptables -I {' '.join(FIREWALL_RULE)}), or keep such servers off 0.0.0.0"
            )
            logger.warning(message)
        _ready = problem is None
    return _ready


def harden(config: dict) -> dict:
    """CONFIG with the topology above; returns a new dict (services and networks copied)."""
    services = {name: dict(spec) for name, spec in config["services"].items()}
    networks = {name: dict(spec or {}) for name, spec in (config.get("networks") or {}).items()}
    uses_default = False
    for name, spec in services.items():
        if spec.get("network_mode") is not None:
            continue  # "none" (the default), or a mode a task chose explicitly
        attached = spec.get("networks")
        if attached is None:
            attached = {} if name == "default" and len(services) == 1 else {"default": {}}
        elif isinstance(attached, list):
            attached = {network: {} for network in attached}
        attached = dict(attached)
        uses_default |= "default" in attached
        # The agent's container gets the outside only when the spec gave it some: no networks
        # named (a network-on single service) or one that is not `internal`. An offline task
        # whose services share an internal network stays offline.
        declared_internal = [bool((networks.get(n) or {}).get("internal")) for n in attached]
        if name == "default" and not (declared_internal and all(declared_internal)):
            attached[EGRESS_NETWORK] = {}
        spec["networks"] = attached
    if uses_default:
        networks.setdefault("default", {})
    for spec in networks.values():
        if spec.get("external") or spec.get("driver", "bridge") != "bridge":
            continue
        spec["internal"] = True
        spec["driver_opts"] = {**spec.get("driver_opts", {}), INHIBIT_IPV4: "true"}
    if any(EGRESS_NETWORK in (s.get("networks") or {}) for s in services.values()):
        networks[EGRESS_NETWORK] = {"external": True, "name": EGRESS_NETWORK}
    result = {**config, "services": services}
    if networks:
        result["networks"] = networks
    return result
