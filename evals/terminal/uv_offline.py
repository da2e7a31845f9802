"""Offline uv for Terminal-Bench 2.x test scripts: the installer and `uvx` satisfied at build time.

Most Terminal-Bench 2.x `tests/test.sh` scripts do

    curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh
    source $HOME/.local/bin/env
    uvx -p 3.13 -w pytest==8.4.1 -w pytest-json-ctrf==0.3.5 pytest --ctrf ... -rA

For a task that runs offline, the image build (which reaches PyPI) prepares exactly this, so the
script runs unchanged: uv of the script's version from PyPI's `uv` wheel, a curl shim answering
only uv's installer URL with a local installer (same install directory and `env` file), the
uvx requirements (interpreter, tool and every `-w`) resolved once into a system-wide uv cache,
and `/etc/uv/uv.toml` with `offline = true` so uv reads only that cache. A warm-up that fails
(e.g. no CPython of the version `-p` asks for in the stand-in) is written to the bake-failure
file the verifier reads, never silently ignored.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from longcat_evals.evals.terminal import network
from longcat_evals.evals.terminal.standins import UV_DEFAULT_VERSION

KIT = "/opt/longcat-evals/uv"
INSTALLER_HOST = "astral.sh"
CACHE = "/opt/longcat-evals/uv-cache"
INSTALLER = re.compile(r"https?://astral\.sh/uv/(?:(?P<version>[^/\s\"']+)/)?install\.sh")
_FETCH_INSTALLER = re.compile(
    r"\b(curl|wget)\b[^|;&]*?" + INSTALLER.pattern + r"[\"']?(\s*\|\s*(ba|da)?sh\b)?"
)
_VALUE_OPTIONS = {
    "-p", "--python", "-w", "--with", "--from", "--with-editable", "--with-requirements",
    "--index", "--default-index", "--index-url", "-i", "--extra-index-url", "--find-links",
    "-f", "--constraints", "-c", "--overrides", "--env-file", "--directory", "--project",
    "--cache-dir", "--python-preference", "--index-strategy", "--keyring-provider",
    "--resolution", "--prerelease", "--exclude-newer", "--link-mode", "--config-setting", "-C",
}  # fmt: skip
_NOT_WARMABLE = {"--with-editable", "--with-requirements", "--find-links", "-f", "--env-file",
                 "--directory", "--project", "--constraints", "-c", "--overrides"}  # fmt: skip
_SEPARATORS = {"|", "||", "&&", ";", "&"}
_RELEASE = re.compile(r"^\d+\.\d+\.\d+$")
_REDIRECTS = re.compile(r"\s*(\d?>>?|&>)\s*/dev/null(\s+2>&1)?")
_CURL_SETUP = re.compile(
    r"^(sudo\s+)?apt(-get)?\s+((-\S+\s+)*update(\s+-\S+)*"
    r"|(-\S+\s+)*install(\s+-\S+)*(\s+(curl|ca-certificates))+(\s+-\S+)*)$"
)
_PACKAGES = re.compile(r"(?<![\w-])(curl|ca-certificates)(?![\w-])")


@dataclass
class UvxCall:
    """One `uvx …` / `uv tool run …` invocation of a test script."""

    line: str
    """The logical line (continuations joined) it appears on."""
    physical: list[str]
    options: list[str]
    tool: str | None
    problem: str | None = None
    """Why it cannot be warmed at build time (None: it can)."""

    def warm_command(self, uvx: str) -> str:
        """A command resolving and installing the same requirements, running only Python."""
        tokens = [uvx, *self.options]
        if "--from" not in self.options:
            tokens += ["--from", self.tool]
        return shlex.join([*tokens, "python", "-c", "pass"])

    def describe(self) -> str:
        return shlex.join(["uvx", *self.options, self.tool or "?"])


@dataclass
class UvPlan:
    """What the offline uv stand-in prepares for one test script."""

    versions: list[str] = field(default_factory=list)
    """uv versions the script's installer lines fetch (served by the curl shim)."""
    installer_lines: list[str] = field(default_factory=list)
    calls: list[UvxCall] = field(default_factory=list)
    satisfied: list[str] = field(default_factory=list)
    """Physical script lines the stand-in satisfies offline (dropped from the network needs)."""
    curl_setup: list[str] = field(default_factory=list)
    """`apt-get update` / `apt-get install curl` lines serving the installer."""
    setup_packages: list[str] = field(default_factory=list)
    """The packages those lines install (installed at build time)."""
    offline: bool = True
    """Whether the task runs offline (else only the installer is answered locally)."""

    @property
    def needed(self) -> bool:
        return bool(self.versions or self.calls)

    def record(self) -> list[str]:
        """One line per substitution, for the sample's metadata."""
        out = [
            f"uv installer {v}: answered by a local installer of PyPI's uv=={v}"
            for v in self.versions
        ]
        out += [f"{line}: packages installed at build (apt only warns offline)"
                for line in (self.curl_setup if self.offline else [])]  # fmt: skip
        for call in self.calls:
            if call.problem:
                out.append(f"{call.describe()}: not prepared ({call.problem})")
            elif self.offline:
                out.append(f"{call.describe()}: requirements cached at build, uv offline")
        return out


def logical_lines(script: str) -> list[tuple[str, list[str]]]:
    """(line with continuations joined and comments dropped, its stripped physical lines)."""
    out: list[tuple[str, list[str]]] = []
    current: list[str] = []
    physical: list[str] = []
    for raw in script.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line.startswith("#"):
            line = ""
        if line.endswith("\\"):
            current.append(line[:-1].strip())
            physical.append(line)
            continue
        current.append(line)
        physical.append(line)
        joined = " ".join(part for part in current if part)
        if joined:
            out.append((joined, [p for p in physical if p]))
        current, physical = [], []
    if current:
        out.append((" ".join(current), physical))
    return out


def _uvx_tokens(tokens: list[str]) -> list[list[str]]:
    """The argument lists following each `uvx` / `uv tool run` in TOKENS."""
    found = []
    for i, token in enumerate(tokens):
        name = token.rsplit("/", 1)[-1]
        if name == "uvx":
            found.append(tokens[i + 1 :])
        elif name == "uv" and tokens[i + 1 : i + 3] == ["tool", "run"]:
            found.append(tokens[i + 3 :])
    return found


def parse_call(line: str, physical: list[str], args: list[str]) -> UvxCall:
    options: list[str] = []
    tool = None
    problem = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _SEPARATORS:
            break
        if arg.startswith("-"):
            name = arg.split("=", 1)[0]
            takes = name in _VALUE_OPTIONS and "=" not in arg
            value = args[i + 1] if takes and i + 1 < len(args) else None
            if name in _NOT_WARMABLE:
                problem = f"{name} needs files that exist only at verification"
            options += [arg] if not takes else [arg, value or ""]
            i += 2 if takes else 1
            continue
        tool = arg
        break
    if tool is None:
        problem = problem or "no tool named"
    elif any("$" in part or "`" in part for part in [*options, tool]):
        problem = "its requirements depend on shell variables"
    return UvxCall(line, physical, options, tool, problem)


def _installer_satisfied(line: str) -> bool:
    """Whether fetching uv's installer is the line's only network access."""
    rest = _FETCH_INSTALLER.sub(" ", line)
    return not network.network_lines(rest)


def curl_setup(line: str) -> bool:
    """Whether LINE only runs `apt-get update` / installs curl (the installer's prerequisite)."""
    segments = re.split(r"\s*(?:&&|;)\s*", _REDIRECTS.sub("", line).strip().rstrip(";"))
    return all(_CURL_SETUP.match(segment.strip()) for segment in segments if segment.strip())


def plan(script: str) -> UvPlan:
    """What of SCRIPT's uv use the offline stand-in can satisfy."""
    result = UvPlan()
    setup: list[list[str]] = []
    for line, physical in logical_lines(script):
        if curl_setup(line):
            if not network.bakeable(line):  # a plain install is baked (network.plan) instead
                setup.append(physical)
            continue
        versions = [m.group("version") or UV_DEFAULT_VERSION for m in INSTALLER.finditer(line)]
        if versions and not all(_RELEASE.match(v) for v in versions):
            continue  # e.g. a version from a shell variable: it stays a network need
        if versions and _FETCH_INSTALLER.search(line):
            result.installer_lines.append(line)
            result.versions += [v for v in versions if v not in result.versions]
            if _installer_satisfied(line):
                result.satisfied += physical
            continue
        try:
            tokens = shlex.split(line, comments=True)
        except ValueError:
            continue
        calls = [parse_call(line, physical, args) for args in _uvx_tokens(tokens)]
        result.calls += calls
        if calls and all(call.problem is None for call in calls):
            result.satisfied += physical
    if result.versions:
        # The installer's prerequisite: its packages are installed at build, so offline the
        # install is already satisfied and `apt-get update` only warns (it exits 0).
        for physical in setup:
            result.curl_setup += physical
            result.satisfied += physical
            for line in physical:
                result.setup_packages += [
                    p for p in _PACKAGES.findall(line) if p not in result.setup_packages
                ]
    return result


def _failed(what: str) -> str:
    quoted = what.replace("'", "'\\''")
    return f"echo '{quoted}' >> {network.BAKE_FAILED_FILE}"


def dockerfile_steps(uv_plan: UvPlan, kit_image: str, offline: bool = True) -> list[str]:
    """Dockerfile lines (run as root) installing the kit and, OFFLINE, warming the uv cache.

    Online (PyPI answers at verification) only the installer is answered locally: uv then
    resolves from the index as usual, and nothing is forced offline for the agent either.
    """
    install = [f"COPY --from={kit_image} /kit/ {KIT}/", f"RUN sh {KIT}/setup.sh"]
    if not offline:
        return install
    steps = network.bake_steps([f"apt-get install -y {' '.join(uv_plan.setup_packages)}"])
    steps = steps if uv_plan.setup_packages else []
    steps += install
    uvx = f"{KIT}/{uv_plan.versions[0]}/uvx" if uv_plan.versions else "uvx"
    ca = f"if [ -s {KIT}/host-ca.crt ]; then export SSL_CERT_FILE={KIT}/host-ca.crt; fi"
    warmable = [call for call in uv_plan.calls if call.problem is None]
    for call in warmable:
        command = f"{ca}; UV_CACHE_DIR={CACHE} UV_OFFLINE=0 {call.warm_command(uvx)}"
        steps.append(f"RUN ({command}) || {_failed(call.line + ' (uv cache warm-up failed)')}")
    steps.append(f"RUN mkdir -p /etc/uv && cp {KIT}/uv.toml /etc/uv/uv.toml")
    for call in warmable:  # prove the offline resolution works, as the verifier will run it
        steps.append(
            f"RUN ({call.warm_command(uvx)}) || {_failed(call.line + ' (offline check failed)')}"
        )
    steps.append(f"RUN chmod -R a+rwX {CACHE}")  # the verifier may run as the image's USER
    return steps
