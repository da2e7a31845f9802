"""What a task's test script fetches from the network, and what of it we can bake in at build.

Harbor and Terminal-Bench 1.x test scripts often install their test tools at verification time
(`apt-get install curl`, `pip install pytest`, `curl .../uv/install.sh | sh`). Our containers
run offline unless the task allows the internet, so: package installs (apt-get/pip) found in
the script are run once at image build time (they then succeed offline, being already
satisfied); anything else that needs the network is reported, and a score below 1 from such a
script is marked "needs network" instead of being counted as a plain 0.
"""

from __future__ import annotations

import re

_NETWORK = re.compile(
    r"\b(curl|wget)\s|\bapt(-get)?\s+(-\S+\s+)*(update|install)\b|\bpip3?\s+install\b"
    r"|-m\s+pip\s+install\b|\buv\s+(add|pip\s+install|sync|init|tool\s+install|run\s+--with)\b"
    r"|\buvx\b|\bnpm\s+(install|i|ci)\b|\bgit\s+clone\b|\bgo\s+(get|install)\b"
    r"|\bcargo\s+install\b"
)
_BAKEABLE = re.compile(
    r"^(sudo\s+)?(apt(-get)?\s+(-\S+\s+)*install|pip3?\s+install|python3?\s+-m\s+pip\s+install)\s"
)
_APT_UPDATE = re.compile(r"^(sudo\s+)?apt(-get)?\s+(-\S+\s+)*update(\s+-\S+)*\s*;?$")


def _commands(script: str) -> list[str]:
    lines = []
    for raw in script.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def network_lines(script: str) -> list[str]:
    """Lines of SCRIPT that reach the network."""
    return [line for line in _commands(script) if _NETWORK.search(line)]


def bakeable(line: str) -> bool:
    """A plain package install whose arguments are fixed (no variables, pipes or chains)."""
    return bool(_BAKEABLE.match(line)) and not re.search(r"[$|;&`]", line)


def plan(script: str) -> tuple[list[str], list[str]]:
    """(install lines to bake at build time, network lines left unsatisfied offline)."""
    lines = network_lines(script)
    baked = [line for line in lines if bakeable(line)]
    left = [ln for ln in lines if ln not in baked and not (baked and _APT_UPDATE.match(ln))]
    return baked, left


BAKE_FAILED_FILE = "/etc/longcat-evals-bake-failed"
# What curl, pip, apt, uv, git and npm print when the network is not there.
_FAILURE = re.compile(
    r"Could not resolve host|Temporary failure (in name resolution|resolving)"
    r"|Name or service not known|Network is unreachable|Failed to establish a new connection"
    r"|Failed to connect to|Could not connect to|getaddrinfo|No route to host"
    r"|dns error|failed to lookup address",
    re.IGNORECASE,
)


def bake_steps(baked: list[str]) -> list[str]:
    """Dockerfile RUN lines performing BAKED installs.

    A failed install does not fail the build: it is listed in BAKE_FAILED_FILE, which the
    verifier reads, so the sample is reported as needing network rather than erroring.
    """
    steps = []
    for line in baked:
        command = re.sub(r"^sudo\s+", "", line)
        if command.startswith("apt"):
            command = f"apt-get update -q && yes | DEBIAN_FRONTEND=noninteractive {command}"
        else:
            command = f"PIP_BREAK_SYSTEM_PACKAGES=1 {command}"
        quoted = line.replace("'", "'\\''")
        steps.append(f"RUN ({command}) || echo '{quoted}' >> {BAKE_FAILED_FILE}")
    return steps


def failure_evidence(output: str) -> str | None:
    """The first line of OUTPUT showing a failed network access, if any."""
    for line in output.splitlines():
        if _FAILURE.search(line):
            return line.strip()[:200]
    return None
