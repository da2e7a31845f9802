"""Offline bundles: images, dataset files and verifier caches carried into an air-gapped site.

A bundle is a directory:

    manifest.json        format, version, and one entry per item: kind, name, sha256, size
    blobs/<sha256>       each item's bytes, named by their digest (equal content stored once)

Kinds: `image` (a `docker save` archive; name = the tag), `data` and `wheels` (a file; name =
its path relative to what was exported, restored under `import --into`). Import checks every
entry's size and sha256 before it loads or writes anything, so a damaged or altered bundle
changes nothing on the target. The manifest's own sha256 ("bundle digest") is printed by
export; give it to import with `--expect-digest` (over a channel you trust) and an edited
manifest is refused too.

The docker CLI calls here prepare images before any run (outside a sample's path).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from longcat_evals.progress import Progress, progress
from longcat_evals.sandboxes.docker_cli import DockerError, docker
from longcat_evals.sandboxes.errors import SandboxSetupError
from longcat_evals.sandboxes.images import image_exists

FORMAT = "longcat-evals-bundle"
VERSION = 1
MANIFEST = "manifest.json"
BLOBS = "blobs"
Kind = Literal["image", "data", "wheels"]
_CHUNK = 1 << 20
# An image reference as docker prints it; anything else (a leading '-' would read as a flag of
# `docker tag`) is refused.
_IMAGE_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")


class BundleError(SandboxSetupError):
    """A bundle cannot be written, or is missing, damaged or altered (one line)."""


@dataclass(frozen=True)
class Entry:
    kind: Kind
    name: str
    sha256: str
    size: int


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _store(bundle: Path, source: Path, move: bool) -> tuple[str, int]:
    """Put SOURCE's bytes under blobs/<sha256>; return the digest and size."""
    digest, size = sha256_file(source), source.stat().st_size
    blob = bundle / BLOBS / digest
    if blob.exists():
        if move:
            source.unlink()
    elif move:
        source.replace(blob)
    else:
        shutil.copyfile(source, blob)
    return digest, size


def _docker(args: list[str], what: str) -> str:
    try:
        return docker(*args, check=True).stdout
    except DockerError as e:
        raise BundleError(f"{what}: {e.reason}") from e


def _files_under(path: Path, kind: str) -> Iterable[tuple[str, Path]]:
    """(name in the bundle, file) for a file or every file under a directory."""
    if path.is_file():
        yield path.name, path
    elif path.is_dir():
        for item in sorted(p for p in path.rglob("*") if p.is_file()):
            yield str(PurePosixPath(path.name, *item.relative_to(path).parts)), item
    else:
        raise BundleError(f"export: {kind} {path} not found")


def export(
    out: Path,
    *,
    images: Iterable[str] = (),
    data: Iterable[Path] = (),
    wheels: Iterable[Path] = (),
    log: Progress = progress,
) -> str:
    """Write a bundle of IMAGES (tags), DATA and WHEELS (files or dirs) to OUT.

    Returns the bundle digest (the sha256 of manifest.json).
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BundleError(f"export: {out} exists and is not empty; give a new directory")
    (out / BLOBS).mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    for tag in dict.fromkeys(images):
        log(f"image {tag}: docker save")
        with tempfile.NamedTemporaryFile(dir=out / BLOBS, suffix=".tar", delete=False) as tmp:
            archive = Path(tmp.name)
        try:
            _docker(["save", "--output", str(archive), tag], f"export: image {tag}")
            digest, size = _store(out, archive, move=True)
        finally:
            archive.unlink(missing_ok=True)
        entries.append(Entry("image", tag, digest, size))
    for kind, paths in (("data", data), ("wheels", wheels)):
        names: set[str] = set()
        for path in paths:
            for name, file in _files_under(Path(path), kind):
                if name in names:
                    raise BundleError(f"export: two {kind} files would both be named {name}")
                names.add(name)
                digest, size = _store(out, file, move=False)
                entries.append(Entry(kind, name, digest, size))  # type: ignore[arg-type]
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "entries": [e.__dict__ for e in entries],
    }
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (out / MANIFEST).write_text(text)
    digest = hashlib.sha256(text.encode()).hexdigest()
    total = sum(e.size for e in {e.sha256: e for e in entries}.values())
    log(f"bundle {out}: {len(entries)} item(s), {total / 1e6:.1f} MB; bundle digest {digest}")
    return digest


def _safe_name(name: Any, where: str) -> str:
    """A relative path that stays inside the target directory."""
    if not isinstance(name, str) or not name:
        raise BundleError(f"{where}: name missing")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        raise BundleError(f"{where}: name {name!r} leaves the target directory; refused")
    return name


def verify(bundle: Path, expect_digest: str | None = None) -> list[Entry]:
    """Check the manifest and every blob's size and sha256; raise BundleError at the first fault."""
    bundle = Path(bundle)
    manifest_path = bundle / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"bundle {bundle}: {MANIFEST} missing; not a bundle")
    raw = manifest_path.read_bytes()
    if expect_digest is not None and hashlib.sha256(raw).hexdigest() != expect_digest.lower():
        raise BundleError(
            f"bundle {bundle}: {MANIFEST} does not have the expected digest; it was altered"
        )
    try:
        manifest = json.loads(raw)
    except json.JSONDecodeError as e:
        raise BundleError(f"bundle {bundle}: {MANIFEST} is not JSON (line {e.lineno})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"bundle {bundle}: {MANIFEST}: format is not {FORMAT!r}")
    if manifest.get("version") != VERSION:
        raise BundleError(
            f"bundle {bundle}: {MANIFEST}: version {manifest.get('version')!r} is not "
            f"{VERSION}; use the longcat-evals release that wrote it"
        )
    entries: list[Entry] = []
    for i, item in enumerate(manifest.get("entries") or []):
        where = f"bundle {bundle}: entries[{i}]"
        try:
            entry = Entry(item["kind"], item["name"], item["sha256"], int(item["size"]))
        except (KeyError, TypeError, ValueError) as e:
            raise BundleError(f"{where}: malformed ({e})") from e
        if entry.kind not in ("image", "data", "wheels"):
            raise BundleError(f"{where}: unknown kind {entry.kind!r}")
        if entry.kind != "image":
            _safe_name(entry.name, where)
        elif not isinstance(entry.name, str) or not _IMAGE_REF.match(entry.name):
            raise BundleError(f"{where}: image name {entry.name!r} is not an image reference")
        if len(entry.sha256) != 64 or any(c not in "0123456789abcdef" for c in entry.sha256):
            raise BundleError(f"{where}: sha256 {entry.sha256!r} is not a hex digest")
        entries.append(entry)
    checked: set[str] = set()
    for entry in entries:
        if entry.sha256 in checked:
            continue
        blob = bundle / BLOBS / entry.sha256
        label = f"bundle {bundle}: {entry.kind} {entry.name} (blobs/{entry.sha256[:12]}…)"
        if not blob.is_file():
            raise BundleError(f"{label}: file missing; the bundle is incomplete, re-export it")
        if blob.stat().st_size != entry.size or sha256_file(blob) != entry.sha256:
            raise BundleError(f"{label}: checksum mismatch; the file was altered or damaged")
        checked.add(entry.sha256)
    return entries


def import_bundle(
    bundle: Path,
    *,
    into: Path | None = None,
    registry: str | None = None,
    expect_digest: str | None = None,
    log: Progress = progress,
) -> list[Entry]:
    """Verify BUNDLE whole, then load its images and write its files under INTO.

    With REGISTRY (host[:port][/path]) each image is also tagged `<registry>/<tag>` and pushed
    there, for a cluster that pulls from it (`sandboxes.k8s.helm_values(registry=...)`).
    """
    bundle = Path(bundle)
    entries = verify(bundle, expect_digest)
    files = [e for e in entries if e.kind != "image"]
    if files and into is None:
        raise BundleError(f"bundle {bundle}: has {len(files)} data/wheels file(s); give --into DIR")
    for entry in entries:
        if entry.kind != "image":
            continue
        blob = bundle / BLOBS / entry.sha256
        loaded = _docker(["load", "--input", str(blob)], f"import: image {entry.name}")
        if entry.name not in loaded and not image_exists(entry.name):
            raise BundleError(f"import: image {entry.name}: docker load did not create the tag")
        log(f"image {entry.name}: loaded")
        if registry:
            target = f"{registry.rstrip('/')}/{entry.name}"
            _docker(["tag", entry.name, target], f"import: tag {target}")
            _docker(["push", target], f"import: push {target}")
            log(f"image {entry.name}: pushed as {target}")
    for entry in files:
        target = Path(into) / entry.kind / entry.name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(bundle / BLOBS / entry.sha256, tmp)
        tmp.replace(target)
    if files:
        log(f"{len(files)} file(s) written under {into}")
    return entries


def images_of_tasks(specs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Every image the samples of the tasks SPECS ((name, task args)) run in.

    Loading a task builds its local images, as a run would; what a sample's docker sandbox
    names is what the air-gapped side needs.
    """
    # inspect_ai's loader is what `inspect eval` uses to resolve a task name and its -T args.
    from inspect_ai._eval.loader import load_tasks

    from longcat_evals.sandboxes.k8s import load_compose

    found: dict[str, None] = {}
    for name, args in specs:
        for task in load_tasks([name], args):
            sandboxes = [task.sandbox] + [s.sandbox for s in task.dataset]
            for spec in sandboxes:
                kind, config = (spec if isinstance(spec, tuple) else (spec, None))[:2]
                if hasattr(spec, "type"):
                    kind, config = spec.type, spec.config
                if kind != "docker" or not config:
                    continue
                for service in load_compose(config).get("services", {}).values():
                    if service and service.get("image"):
                        found[service["image"]] = None
    return list(found)
