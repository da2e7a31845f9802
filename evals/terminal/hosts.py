"""Which network hosts a shell line or an image reference needs, and whether they answer here.

Used by `validate terminal` (per task and phase) and by environment preparation (is uv's
installer host reachable, or does the offline stand-in have to answer for it). A host
"answers" when an HTTPS request to it gets any HTTP response within a few seconds; each host
is probed once per process.
"""

from __future__ import annotations

import re
import ssl
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from urllib.parse import urlparse

from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.engine import debian_mirror

PROBE_TIMEOUT_SEC = 5.0
PYPI = "pypi.org"
NPM = "registry.npmjs.org"
DOCKER_HUB = "registry-1.docker.io"
_URL = re.compile(r"\b(?:https?|git|ssh)://(?:[^@/\s\"'`]+@)?([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_GIT_SSH = re.compile(r"\bgit@([A-Za-z0-9.-]+):")
# (pattern over a command line, the host it reaches when it names no URL itself)
_TOOL_HOSTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bpip3?\s+install\b|-m\s+pip\s+install\b|\buv\s+pip\s+install\b"), PYPI),
    (re.compile(r"\buvx\b|\buv\s+(add|sync|tool\s+(install|run)|run\s+--with)\b"), PYPI),
    (re.compile(r"\bnpm\s+(install|i|ci)\b|\bnpx\b"), NPM),
    (re.compile(r"\bgo\s+(get|install|mod\s+download)\b"), "proxy.golang.org"),
    (re.compile(r"\bcargo\s+(install|fetch|build)\b"), "index.crates.io"),
    (re.compile(r"\bgem\s+install\b"), "rubygems.org"),
    (re.compile(r"\bconda\s+install\b"), "conda.anaconda.org"),
    (re.compile(r"\buv\s+python\s+install\b"), "github.com"),
]
_APT = re.compile(r"\bapt(-get)?\s+(-\S+\s+)*(update|install|upgrade|dist-upgrade)\b")
_APK = re.compile(r"\bapk\s+(add|update)\b")


def debian_host() -> str:
    return urlparse(debian_mirror()).hostname or "deb.debian.org"


def line_hosts(line: str, distro: str = "debian") -> list[str]:
    """Hosts LINE reaches: URLs it names, else the registry its tool uses.

    DISTRO (`debian`, `ubuntu`, `alpine`) decides where apt/apk go.
    """
    found = [m.group(1).lower() for m in _URL.finditer(line)]
    found += [m.group(1).lower() for m in _GIT_SSH.finditer(line)]
    for pattern, host in _TOOL_HOSTS:
        if pattern.search(line):
            found.append(host)
    if _APT.search(line):
        found.append("archive.ubuntu.com" if distro == "ubuntu" else debian_host())
    if _APK.search(line):
        found.append("dl-cdn.alpinelinux.org")
    return list(dict.fromkeys(found))


def registry_host(ref: str) -> str:
    """The registry an image reference is pulled from (docker.io for bare names)."""
    first = ref.split("/", 1)[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        return first.lower()
    return DOCKER_HUB


@cache
def answers(host: str) -> bool:
    """Whether HOST answers HTTPS here (any HTTP status counts; probed once)."""
    context = ssl.create_default_context(cafile=str(images.ca_bundle() or "") or None)
    request = urllib.request.Request(f"https://{host}/", method="HEAD")
    try:
        urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_SEC, context=context)  # noqa: S310
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False
    return True


def probe(hosts: list[str]) -> dict[str, bool]:
    """answers() for each host, in parallel."""
    unique = list(dict.fromkeys(hosts))
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(unique, pool.map(answers, unique), strict=True))
