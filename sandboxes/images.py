"""Images every family builds on: a Debian 12 base and toolchain images layered on it.

- The root filesystem is `debian:bookworm-slim` when a registry answers, else a local
  `debootstrap --variant=minbase` import (no registry needed; ENVIRONMENT.md measures ~25 s).
- `base` adds the host's CA bundle (for TLS-intercepting proxies) and a few basics.
- Toolchains (`python`, `node`, `go`, `rust`, `java`, `c`) are Debian packages on top of base.

Every tag is `longcat-evals/<name>:<hash>` where the hash covers the recipe text, its build
inputs and the tag of the image it starts FROM, so an unchanged recipe is never rebuilt and a
changed one never reuses a stale image. `longcat-evals/<name>:latest` points at the newest build.
Images carry the label `org.longcat-evals.managed` so `prune` touches only ours, and compose files
mark them `x-local: true` so Inspect never tries to pull them.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes.docker_cli import DockerTimeout, docker
from longcat_evals.sandboxes.engine import apt_install, debian_mirror
from longcat_evals.sandboxes.errors import ImageBuildError, SandboxSetupError
from longcat_evals.sandboxes.ownership import scratch_dir
from longcat_evals.sandboxes.state import state_dir

REPOSITORY = "longcat-evals"
MANAGED_LABEL = "org.longcat-evals.managed"
RECIPE_LABEL = "org.longcat-evals.recipe"
RECIPES_DIR = Path(__file__).parent / "recipes"
TOOLCHAINS = ("python", "node", "go", "rust", "java", "c")
REGISTRY_ROOTFS = "debian:bookworm-slim"
DEBOOTSTRAP_SUITE = "bookworm"
CA_BUNDLE_ENV = "LONGCAT_CA_BUNDLE"
CA_BUNDLE_CANDIDATES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # Alpine, macOS
)
PULL_TIMEOUT_SEC = 60
BUILD_TIMEOUT_SEC = 1800
BUILD_LOG_TAIL_LINES = 15


@dataclass
class BuildStats:
    """How many images an `ensure_*` call built and reused (printed by the CLI)."""

    built: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)


def image_exists(tag: str) -> bool:
    return docker("image", "inspect", tag).returncode == 0


def tag_for(name: str, digest: str) -> str:
    return f"{REPOSITORY}/{name}:{digest[:12]}"


def ca_bundle(explicit: str | os.PathLike | None = None) -> Path | None:
    """The CA bundle given (option, then LONGCAT_CA_BUNDLE), else the system's, else None."""
    chosen = explicit or os.environ.get(CA_BUNDLE_ENV)
    if chosen:
        if not Path(chosen).is_file():
            raise SandboxSetupError(
                f"CA bundle {chosen} not found (from --ca-bundle or {CA_BUNDLE_ENV}); "
                "give the path of a PEM file"
            )
        return Path(chosen)
    for candidate in (os.environ.get("SSL_CERT_FILE"), *CA_BUNDLE_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


@contextmanager
def _lock(name: str) -> Iterator[None]:
    """Serialise builds of one image across processes (pytest, `make demo`, helpers)."""
    lock_dir = state_dir() / "locks"
    lock_dir.mkdir(exist_ok=True)
    with open(lock_dir / f"{name.replace('/', '_')}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def hash_inputs(*parts: str | bytes | Path) -> str:
    """sha256 over strings, bytes and files/directories (paths relative, contents in order)."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, Path):
            files = sorted(p for p in part.rglob("*") if p.is_file()) if part.is_dir() else [part]
            for file in files:
                rel = file.relative_to(part) if part.is_dir() else Path(file.name)
                digest.update(str(rel).encode() + b"\0" + file.read_bytes() + b"\0")
        else:
            digest.update(part if isinstance(part, bytes) else part.encode())
            digest.update(b"\0")
    return digest.hexdigest()


def build_image(
    tag: str,
    context: Path,
    dockerfile: Path | None = None,
    build_args: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    network: str | None = None,
    log: Progress = progress,
    what: str | None = None,
) -> str:
    """`docker build` CONTEXT into TAG; on failure raise ImageBuildError with the log's tail.

    The full build log is kept under the state dir (logs/build-*.log) and named in the error.
    """
    log_dir = state_dir() / "logs"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"build-{tag.replace('/', '_').replace(':', '_')}.log"
    # --force-rm: a failed step's intermediate container is removed too (the legacy builder
    # keeps it otherwise); BuildKit leaves none either way.
    cmd = ["build", "--force-rm", "--tag", tag, "--label", f"{MANAGED_LABEL}=true"]
    for key, value in (labels or {}).items():
        cmd += ["--label", f"{key}={value}"]
    for key, value in (build_args or {}).items():
        cmd += ["--build-arg", f"{key}={value}"]
    if dockerfile is not None:
        cmd += ["--file", str(dockerfile)]
    if network:
        cmd += ["--network", network]
    cmd.append(str(context))
    log(f"Building {tag} ({what or context}) …")
    started = time.monotonic()
    with open(log_path, "w") as handle:
        try:
            failed = docker(*cmd, timeout=BUILD_TIMEOUT_SEC, output=handle).returncode != 0
        except DockerTimeout:
            failed = True
            handle.write(f"\n[build timed out after {BUILD_TIMEOUT_SEC} s]\n")
    if failed:
        lines = [ln for ln in log_path.read_text(errors="replace").splitlines() if ln.strip()]
        tail = " | ".join(lines[-BUILD_LOG_TAIL_LINES:])
        raise ImageBuildError(
            f"docker build of {what or context} failed (full log: {log_path}): {tail}"
        )
    log(f"Built {tag} in {time.monotonic() - started:.0f} s")
    return tag


# ----------------------------------------------------------------------------- rootfs and base


def _debootstrap_rootfs(tag: str, log: Progress, suite: str = DEBOOTSTRAP_SUITE) -> None:
    if shutil.which("debootstrap") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            apt_install(["debootstrap"])
        else:
            raise SandboxSetupError(
                f"no registry answers for {REGISTRY_ROOTFS} and `debootstrap` is not installed; "
                "install debootstrap (apt-get install debootstrap) or make a registry reachable"
            )
    mirror = debian_mirror()
    log(f"Building the root filesystem with debootstrap ({suite}, {mirror}) …")
    with scratch_dir("rootfs-", state_dir()) as tmp:
        root = Path(tmp) / "root"
        result = subprocess.run(
            ["debootstrap", "--variant=minbase", suite, str(root), mirror],
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if result.returncode != 0:
            tail = " | ".join((result.stdout + result.stderr).strip().splitlines()[-5:])
            raise SandboxSetupError(f"debootstrap {suite} from {mirror} failed: {tail}")
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        imported = docker(
            "import", "--change", f"LABEL {MANAGED_LABEL}=true", "-", tag, stdin=tar.stdout
        )
        tar.wait()
        if imported.returncode != 0:
            raise SandboxSetupError(f"docker import of the rootfs failed: {imported.stderr}")


def registry_answers() -> bool:
    """Whether `docker pull` of the Debian rootfs works (a quick, bounded try)."""
    try:
        return docker("pull", "--quiet", REGISTRY_ROOTFS, timeout=PULL_TIMEOUT_SEC).returncode == 0
    except DockerTimeout:
        return False


def rootfs_tag() -> str:
    return tag_for("rootfs", hash_inputs(f"rootfs:{DEBOOTSTRAP_SUITE}:minbase"))


def _ca_bytes(ca: str | os.PathLike | None) -> bytes:
    bundle = ca_bundle(ca)
    return bundle.read_bytes() if bundle else b""


def base_tag(ca: str | os.PathLike | None = None) -> str:
    """The base tag for the current recipe, CA bundle and rootfs (nothing is built)."""
    return tag_for(
        "base", hash_inputs(RECIPES_DIR / "base.Dockerfile", _ca_bytes(ca), rootfs_tag())
    )


def ensure_rootfs(stats: BuildStats, log: Progress = progress) -> str:
    """A Debian 12 root image: pulled when possible, else debootstrapped (tagged by recipe)."""
    tag = rootfs_tag()
    with _lock("rootfs"):
        if image_exists(tag):
            stats.reused.append(tag)
            return tag
        if image_exists(REGISTRY_ROOTFS) or registry_answers():
            log(f"Using {REGISTRY_ROOTFS} from the registry as the root filesystem")
            docker("tag", REGISTRY_ROOTFS, tag, check=True)
        else:
            _debootstrap_rootfs(tag, log)
        stats.built.append(tag)
    return tag


def ensure_base(
    stats: BuildStats | None = None,
    ca: str | os.PathLike | None = None,
    log: Progress = progress,
) -> str:
    """The base image tag (built once per recipe + CA bundle + rootfs)."""
    stats = stats if stats is not None else BuildStats()
    rootfs = ensure_rootfs(stats, log)
    bundle_bytes = _ca_bytes(ca)
    recipe = RECIPES_DIR / "base.Dockerfile"
    tag = base_tag(ca)
    with _lock("base"):
        if image_exists(tag):
            stats.reused.append(tag)
            return tag
        with scratch_dir("ctx-", state_dir()) as tmp:
            (Path(tmp) / "host-ca-bundle.crt").write_bytes(bundle_bytes)
            build_image(
                tag,
                Path(tmp),
                dockerfile=recipe,
                build_args={"ROOTFS": rootfs},
                labels={RECIPE_LABEL: "base"},
                log=log,
                what="recipe base",
            )
        docker("tag", tag, f"{REPOSITORY}/base:latest", check=True)
        stats.built.append(tag)
    return tag


def toolchain_tag(name: str, base: str) -> str:
    return tag_for(name, hash_inputs(_recipe(name), base))


def _recipe(name: str) -> Path:
    path = RECIPES_DIR / f"{name}.Dockerfile"
    if name == "base" or not path.is_file():
        raise SandboxSetupError(
            f"Unknown toolchain image '{name}' (known: {', '.join(TOOLCHAINS)})"
        )
    return path


def ensure_toolchain(
    name: str,
    stats: BuildStats | None = None,
    ca: str | os.PathLike | None = None,
    log: Progress = progress,
) -> str:
    """The tag of toolchain image NAME, building it (and the base) only when missing."""
    stats = stats if stats is not None else BuildStats()
    recipe = _recipe(name)
    base = ensure_base(stats, ca, log)
    tag = toolchain_tag(name, base)
    with _lock(name):
        if image_exists(tag):
            stats.reused.append(tag)
            return tag
        with scratch_dir("ctx-", state_dir()) as tmp:
            build_image(
                tag,
                Path(tmp),
                dockerfile=recipe,
                build_args={"BASE": base},
                labels={RECIPE_LABEL: name},
                log=log,
                what=f"recipe {name}",
            )
        docker("tag", tag, f"{REPOSITORY}/{name}:latest", check=True)
        stats.built.append(tag)
    return tag


def list_images() -> list[dict[str, str]]:
    """Our images: repository:tag, id, size, created (from `docker images`)."""
    out = docker(
        "images", "--filter", f"label={MANAGED_LABEL}=true",
        "--format", "{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}\t{{.CreatedSince}}",
        check=True,
    )  # fmt: skip
    rows = []
    for line in out.stdout.splitlines():
        ref, image_id, size, created = line.split("\t")
        rows.append({"image": ref, "id": image_id, "size": size, "created": created})
    return rows


def current_tags() -> set[str]:
    """Tags the current recipes resolve to (without building anything)."""
    base = base_tag()
    tags = {rootfs_tag(), base, f"{REPOSITORY}/base:latest"}
    for name in TOOLCHAINS:
        tags |= {toolchain_tag(name, base), f"{REPOSITORY}/{name}:latest"}
    return tags


def prune(everything: bool = False) -> list[str]:
    """Remove stale rootfs/base/toolchain images (tags no current recipe resolves to).

    With `everything`, remove every image carrying our label, families' task images included
    (they are rebuilt on demand).
    """
    keep = current_tags()
    recipe_repos = {f"{REPOSITORY}/{name}" for name in ("rootfs", "base", *TOOLCHAINS)}
    removed = []
    for row in list_images():
        ref = row["image"]
        stale = ref.rsplit(":", 1)[0] in recipe_repos and ref not in keep
        if everything or stale:
            if docker("rmi", ref).returncode == 0:
                removed.append(ref)
    return removed
