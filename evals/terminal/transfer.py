"""Copy a host directory into the sample's container as one tar (modes kept, one exec)."""

from __future__ import annotations

import io
import shlex
import tarfile
from pathlib import Path

from inspect_ai.util import sandbox

COPY_TIMEOUT_SEC = 120


def tar_bytes(files: dict[str, Path]) -> bytes:
    """A tar of {name in archive: host path}; directories are added recursively."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, path in files.items():
            tar.add(str(path), arcname=name)
    return buffer.getvalue()


async def copy_in(files: dict[str, Path], target: str, *, fresh: bool = True) -> None:
    """Put FILES under TARGET in the container (as root), emptying TARGET first when FRESH."""
    archive = f"/tmp/.longcat-{abs(hash(target))}.tar"
    await sandbox().write_file(archive, tar_bytes(files))
    q = shlex.quote(target)
    script = (f"rm -rf {q} && " if fresh else "") + (
        f"mkdir -p {q} && tar -xf {archive} -C {q} --no-same-owner && rm -f {archive} "
        f"&& find {q} -name '*.sh' -exec chmod +x {{}} +"
    )
    result = await sandbox().exec(["sh", "-c", script], user="root", timeout=COPY_TIMEOUT_SEC)
    if not result.success:
        raise RuntimeError(f"copying into {target} failed: {result.stderr.strip()[-300:]}")
