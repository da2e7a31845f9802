"""Stand-in images for Terminal-Bench bases when no registry answers: Debian releases and uv.

- A Debian *suite* picks the release: `bookworm` (Debian 12, CPython 3.11, OpenJDK 17) is the
  project's own base and toolchain images; `trixie` (Debian 13, CPython 3.13, OpenJDK 21) is the
  same recipes on a Debian 13 root filesystem, pulled as `debian:trixie-slim` when a registry
  answers, else debootstrapped from the machine's Debian mirror (as bookworm is).
- `uv-<version>` stands in for `ghcr.io/astral-sh/uv:<version>`: a scratch image with `/uv` and
  `/uvx` taken from PyPI's `uv` wheel of that version (the same static binaries astral ships).
- `uv-offline-<version>` is the kit a task image copies for an offline verifier (see
  `uv_offline.py`): that uv, a curl shim for uv's installer, the local installer, a uv.toml.

The wheel is fetched by the host's pip (PyPI is reachable here; no registry is needed).
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.docker_cli import docker
from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.state import state_dir

SUITES = {"bookworm": "debian:bookworm-slim", "trixie": "debian:trixie-slim"}
"""Debian suites a stand-in can be built on, and the registry image used when one answers."""
SUITE_TOOLCHAINS = ("python", "java", "c", "node", "go", "rust")
UV_DEFAULT_VERSION = "0.9.5"
"""The uv served for an unversioned installer URL (https://astral.sh/uv/install.sh)."""
KIT_FILES = images.RECIPES_DIR / "uv-offline"
_VERSION = re.compile(r"^\d+(\.\d+){1,2}([a-z0-9.+-]*)$")
_WHEEL_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def _check_suite(suite: str) -> None:
    if suite not in SUITES:
        raise SandboxSetupError(f"unknown Debian suite {suite!r} (known: {', '.join(SUITES)})")


def rootfs(suite: str, log: Progress = progress) -> str:
    """A Debian SUITE root image: pulled when a registry answers, else debootstrapped."""
    _check_suite(suite)
    if suite == images.DEBOOTSTRAP_SUITE:
        return images.ensure_rootfs(images.BuildStats(), log)
    tag = images.tag_for(f"rootfs-{suite}", images.hash_inputs(f"rootfs:{suite}:minbase"))
    with images._lock(f"rootfs-{suite}"):
        if images.image_exists(tag):
            return tag
        registry = SUITES[suite]
        if images.image_exists(registry) or images.registry_answers():
            if docker("pull", "--quiet", registry).returncode == 0:
                log(f"Using {registry} from the registry as the {suite} root filesystem")
                docker("tag", registry, tag, check=True)
                return tag
        images._debootstrap_rootfs(tag, log, suite=suite)
    return tag


def base(suite: str, log: Progress = progress) -> str:
    """The project's base recipe (CA bundle, basics) on Debian SUITE."""
    _check_suite(suite)
    if suite == images.DEBOOTSTRAP_SUITE:
        return images.ensure_base(log=log)
    root = rootfs(suite, log)
    recipe = images.RECIPES_DIR / "base.Dockerfile"
    bundle = images.ca_bundle()
    ca = bundle.read_bytes() if bundle else b""
    tag = images.tag_for(f"base-{suite}", images.hash_inputs(recipe, ca, root))
    with images._lock(f"base-{suite}"):
        if not images.image_exists(tag):
            with tempfile.TemporaryDirectory(dir=state_dir(), prefix="ctx-") as tmp:
                (Path(tmp) / "host-ca-bundle.crt").write_bytes(ca)
                images.build_image(
                    tag, Path(tmp), dockerfile=recipe, build_args={"ROOTFS": root},
                    labels={images.RECIPE_LABEL: f"base-{suite}"}, log=log,
                    what=f"recipe base on Debian {suite}",
                )  # fmt: skip
    return tag


def toolchain(name: str, suite: str, log: Progress = progress) -> str:
    """Toolchain image NAME (the project's recipe) on Debian SUITE."""
    _check_suite(suite)
    if suite == images.DEBOOTSTRAP_SUITE:
        return images.ensure_toolchain(name, log=log)
    if name not in SUITE_TOOLCHAINS:
        raise SandboxSetupError(
            f"unknown toolchain {name!r} (known: {', '.join(SUITE_TOOLCHAINS)})"
        )
    parent = base(suite, log)
    recipe = images.RECIPES_DIR / f"{name}.Dockerfile"
    tag = images.tag_for(f"{name}-{suite}", images.hash_inputs(recipe, parent))
    with images._lock(f"{name}-{suite}"):
        if not images.image_exists(tag):
            with tempfile.TemporaryDirectory(dir=state_dir(), prefix="ctx-") as tmp:
                images.build_image(
                    tag, Path(tmp), dockerfile=recipe, build_args={"BASE": parent},
                    labels={images.RECIPE_LABEL: f"{name}-{suite}"}, log=log,
                    what=f"recipe {name} on Debian {suite}",
                )  # fmt: skip
    return tag


def check_version(version: str) -> str:
    if not _VERSION.match(version):
        raise SandboxSetupError(
            f"uv version {version!r} is not a release number (e.g. 0.9.5); the stand-in takes uv "
            "from PyPI's `uv` wheel of that exact version"
        )
    return version


def _engine_arch() -> str:
    arch = docker("info", "--format", "{{.Architecture}}").stdout.strip() or platform.machine()
    if arch not in _WHEEL_ARCH:
        raise SandboxSetupError(f"no uv stand-in for the Docker engine's architecture {arch!r}")
    return _WHEEL_ARCH[arch]


def fetch_uv(version: str, into: Path) -> None:
    """Put uv VERSION's `uv` and `uvx` (from PyPI's manylinux wheel) into INTO."""
    check_version(version)
    cache = state_dir() / "uv-wheels"
    cache.mkdir(exist_ok=True)
    arch = _engine_arch()
    wheels = sorted(cache.glob(f"uv-{version}-py3-none-manylinux*_{arch}*.whl"))
    if not wheels:
        pip = [
            sys.executable, "-m", "pip", "download", f"uv=={version}", "--no-deps",
            "--only-binary=:all:", "--platform", f"manylinux_2_17_{arch}", "--dest", str(cache),
            "--quiet", "--disable-pip-version-check",
        ]  # fmt: skip
        got = subprocess.run(pip, capture_output=True, text=True, timeout=600)
        wheels = sorted(cache.glob(f"uv-{version}-py3-none-manylinux*_{arch}*.whl"))
        if got.returncode != 0 or not wheels:
            tail = (got.stderr or got.stdout).strip().splitlines()[-1:] or ["no wheel"]
            raise SandboxSetupError(
                f"cannot fetch uv {version} from PyPI for the offline stand-in ({tail[0]}); "
                "make PyPI reachable or run the task with -T network=true"
            )
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name in ("uv", "uvx"):
            (into / name).write_bytes(wheel.read(f"uv-{version}.data/scripts/{name}"))
            (into / name).chmod(0o755)


def uv_image(version: str, log: Progress = progress) -> str:
    """The stand-in for ghcr.io/astral-sh/uv:VERSION (scratch, /uv and /uvx)."""
    check_version(version)
    recipe = images.RECIPES_DIR / "uv.Dockerfile"
    tag = images.tag_for(f"uv-{version}", images.hash_inputs(recipe, f"uv=={version}"))
    with images._lock(f"uv-{version}"):
        if not images.image_exists(tag):
            with tempfile.TemporaryDirectory(dir=state_dir(), prefix="ctx-") as tmp:
                fetch_uv(version, Path(tmp))
                images.build_image(
                    tag, Path(tmp), dockerfile=recipe,
                    labels={images.RECIPE_LABEL: f"uv-{version}"}, log=log,
                    what=f"stand-in for ghcr.io/astral-sh/uv:{version} (PyPI uv=={version})",
                )  # fmt: skip
    return tag


def uv_kit(versions: list[str], log: Progress = progress) -> str:
    """The offline uv kit image holding uv VERSIONS (the first serves unversioned installers)."""
    versions = [check_version(v) for v in dict.fromkeys(versions)]
    recipe = images.RECIPES_DIR / "uv-offline.Dockerfile"
    bundle = images.ca_bundle()
    ca = bundle.read_bytes() if bundle else b""
    digest = images.hash_inputs(recipe, KIT_FILES, ca, ",".join(versions))
    tag = images.tag_for("uv-offline", digest)
    with images._lock("uv-offline"):
        if not images.image_exists(tag):
            with tempfile.TemporaryDirectory(dir=state_dir(), prefix="ctx-") as tmp:
                kit = Path(tmp) / "kit"
                shutil.copytree(KIT_FILES, kit)
                for path in kit.iterdir():
                    path.chmod(0o755)
                (kit / "host-ca.crt").write_bytes(ca)
                (kit / "default-version").write_text(versions[0] + "\n")
                for version in versions:
                    (kit / version).mkdir()
                    fetch_uv(version, kit / version)
                images.build_image(
                    tag, Path(tmp), dockerfile=recipe,
                    labels={images.RECIPE_LABEL: "uv-offline"}, log=log,
                    what=f"offline uv kit (uv {', '.join(versions)} from PyPI)",
                )  # fmt: skip
    return tag
