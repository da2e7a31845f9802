"""What a task's test script fetches from the network, and what of it we can bake in at build.

Harbor and Terminal-Bench 1.x test scripts often install their test tools at verification time
(`apt-get install curl`, `pip install pytest`, `curl .../uv/install.sh | sh`). Our containers
run offline unless the task allows the internet, so: package installs (apt-get/pip) found in
the script are run once at image build time (they then succeed offline, being already
satisfied); anything else that needs the network is reported. A score below 1 from a script
that reaches the network is marked "needs network" only with evidence: its output shows a
failed access to an outside host and no test run; a script whose tests ran and failed keeps
its 0.
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
# What curl, wget, pip, uv, apt, git, npm, go, cargo and Python's urllib/requests print when a
# name cannot be resolved or a host cannot be reached.
_FAILURE = re.compile(
    r"Could not resolve host|Couldn't resolve host|unable to resolve host"
    r"|Temporary failure (in name resolution|resolving)|Name or service not known"
    r"|Network is unreachable|No route to host|Failed to establish a new connection"
    r"|NameResolutionError|getaddrinfo (EAI_AGAIN|ENOTFOUND)|\bEAI_AGAIN\b"
    r"|dns error|failed to lookup address|dial tcp: lookup \S+.*no such host"
    r"|(Failed to|Could not) connect to (?P<host>[^\s:]+)",
    re.IGNORECASE,
)
# Connecting to these is the task's own business (a service the agent should have started),
# never evidence that the run needed the outside world.
_LOCAL_HOST = re.compile(r"^(localhost|127\.[\d.]+|0\.0\.0\.0|::1|\[::1\])$", re.IGNORECASE)
# A test framework ran (then its failures are the verdict, whatever the network did).
_TESTS_RAN = re.compile(
    r"^=+ test session starts =+$|^=+ .*\b(passed|failed|errors?|no tests ran)\b.* in [\d.]+s"
    r"|^Ran \d+ tests? in ",
    re.MULTILINE,
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
    """The first line of OUTPUT showing a failed access to an outside host, if any."""
    for line in output.splitlines():
        for match in _FAILURE.finditer(line):
            host = match.group("host")
            if host is None or not _LOCAL_HOST.match(host.strip("'\"`")):
                return line.strip()[:200]
    return None


# pip without retries says only this when no index is reachable (offline: no other cause).
_NO_INDEX = re.compile(
    r"Could not find a version that satisfies the requirement .*\(from versions: none\)"
)


def offline_evidence(output: str, lines: list[str]) -> str | None:
    """Offline only: an OUTPUT line saying a network step of LINES could not even start.

    A script whose network step needs a tool the image lacks (`curl … | sh` without curl) could
    not have fetched it either; pip with no index reachable lists no versions at all.
    """
    for out in output.splitlines():
        if _NO_INDEX.search(out):
            return out.strip()[:200]
    tools = set()
    for line in lines:  # the command word of each network line (after sudo and VAR=value)
        words = [w for w in line.split() if w != "sudo" and "=" not in w]
        if words:
            tools.add(words[0].rsplit("/", 1)[-1])
    for out in output.splitlines():
        for tool in tools:
            if re.search(rf"(^|[\s:]){re.escape(tool)}: (command )?not found", out):
                return out.strip()[:200]
    return None


def tests_ran(output: str) -> bool:
    """Whether OUTPUT shows a test run (pytest session or unittest summary)."""
    return bool(_TESTS_RAN.search(output))
