"""Per-sample disk limits: what each container may write, to / and /workspace alike.

Measured on this project's machines (kernel 6.18 built without CONFIG_QUOTA, Docker 26):
- overlay2's `storage_opt: size` needs project quotas on the backing filesystem (xfs `pquota`
  or ext4 `prjquota`): the kernel refuses both mounts ("quota support not available");
- a size-limited tmpfs or loop volume on /workspace would leave / (the writable layer) open;
- the `btrfs` storage driver limits each container's subvolume through btrfs qgroups, which
  need no kernel quota support: with the data-root on btrfs (quotas enabled before any image is
  stored: enabled later, accounting is off until a rescan and a deleted file let a 2 GB write
  through), a 2 GB write into / or /workspace stops with EDQUOT at the limit, again and again.
  `engine.start_private_engine` makes such a data-root (a loop-mounted btrfs image) on fresh
  set-ups.

btrfs limits the bytes a subvolume *references*, the image's own files included, so the size
given to Docker is the image's size plus the sample's allowance.

On an engine without such a driver the limit cannot be enforced: `storage_opt` would make
every container fail to start, so it is left out and `disk_options` warns once per process.
"""

from __future__ import annotations

import logging

from longcat_evals.sandboxes.docker_cli import docker

DISK_KEY = "x-longcat-disk-mb"  # set by compose.service, turned into storage_opt here

logger = logging.getLogger(__name__)
_driver: str | None = None
_warned = False


def storage_driver() -> str:
    global _driver
    if _driver is None:
        _driver = docker("info", "--format", "{{.Driver}}", timeout=60).stdout.strip()
    return _driver


def supports_limits(driver: str) -> bool:
    return driver == "btrfs"


def image_bytes(image: str) -> int | None:
    out = docker("image", "inspect", "--format", "{{.Size}}", image, timeout=60)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def _warn(reason: str) -> None:
    global _warned
    if not _warned:
        message = (
            f"sandboxes' disk limits are not enforced: {reason}; a sample can fill the disk "
            "that holds the engine's data-root (see the Sandboxes section of the README)"
        )
        logger.warning(message)
        _warned = True


def disk_options(spec: dict) -> dict:
    """SPEC (a compose service) with its disk allowance turned into `storage_opt`, or dropped."""
    spec = dict(spec)
    disk_mb = spec.pop(DISK_KEY, None)
    if disk_mb is None:
        return spec
    driver = storage_driver()
    if not supports_limits(driver):
        _warn(f"the engine's storage driver is {driver or 'unknown'} without quota support")
        return spec
    base = image_bytes(spec["image"]) if "image" in spec and "build" not in spec else None
    if base is None:
        _warn(f"image {spec.get('image')} is not built yet, so its size is unknown")
        return spec
    spec["storage_opt"] = {"size": f"{base // 2**20 + int(disk_mb)}m"}
    return spec
