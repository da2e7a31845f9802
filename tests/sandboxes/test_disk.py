"""Per-sample disk limits on an engine whose data-root is a btrfs image with quotas (as fresh
private engines get): a 2 GB write into /workspace and into / stops at the limit, again after
files are deleted, and the host's disk grows by no more than the limit.

The engine the other tests share may still run on overlay2 (made before this existed), so this
starts a throw-away engine of its own, in its own network namespace, and loads the base image.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from longcat_evals.sandboxes import disk, engine

pytestmark = [pytest.mark.docker, pytest.mark.slow]

THROWAWAY_ARGS = ("--bridge=none", "--iptables=false", "--ip6tables=false")
LIMIT_MB = 300
FILL = """
import os, sys
written = 0
try:
    with open(sys.argv[1], "wb") as f:
        while written < 2000:
            f.write(b"x" * 2**20); f.flush(); os.fsync(f.fileno()); written += 1
except OSError as e:
    print(sys.argv[1], written, e.errno)
else:
    print(sys.argv[1], written, 0)
if sys.argv[2:] != ["keep"]:
    os.remove(sys.argv[1])
"""


@pytest.fixture
def btrfs_engine(base_image, tmp_path):
    prefix = engine.engine_dir() / "prefix"
    if os.geteuid() != 0 or not (prefix / "usr/sbin/dockerd").exists():
        pytest.skip("needs root and the private engine's binaries")
    root = Path(f"/tmp/lce-disk-{os.getpid()}")
    data_root = root / "data"
    problem = engine.quota_data_root(data_root, root / "data.btrfs", 3 * 2**30)
    if problem:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"no btrfs data-root here: {problem}")
    socket = str(root / "d.sock")
    pid = engine.launch_dockerd(
        prefix, data_root=data_root, exec_root=root / "run", socket=socket,
        pid_file=root / "dockerd.pid", log_file=root / "dockerd.log",
        extra_args=(*THROWAWAY_ARGS, "--storage-driver=btrfs"), wrapper=("unshare", "--net"),
    )  # fmt: skip
    env = {**os.environ, "DOCKER_HOST": f"unix://{socket}"}
    try:
        save = subprocess.Popen(["docker", "save", base_image], stdout=subprocess.PIPE)
        subprocess.run(["docker", "load", "-q"], stdin=save.stdout, env=env, check=True,
                       capture_output=True, timeout=600)  # fmt: skip
        save.wait()
        yield env, root
    finally:
        os.kill(pid, 15)
        for _ in range(60):
            if not Path(f"/proc/{pid}").exists() or engine._is_zombie(pid):
                break
            subprocess.run(["sleep", "0.5"])
        if subprocess.run(["umount", str(data_root)], capture_output=True).returncode:
            subprocess.run(["umount", "--lazy", str(data_root)], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_disk_fill_stops_at_the_limit_and_the_host_is_unaffected(
    btrfs_engine, base_image, monkeypatch
):
    env, root = btrfs_engine
    monkeypatch.setenv("DOCKER_HOST", env["DOCKER_HOST"])
    monkeypatch.setattr(disk, "_driver", None)  # ask the throw-away engine, not the shared one
    spec = disk.disk_options({"image": base_image, disk.DISK_KEY: LIMIT_MB})
    size = spec["storage_opt"]["size"]
    image = root / "data.btrfs"  # all the engine stores on the host is in this sparse file
    host_before = image.stat().st_blocks * 512
    paths = ["/workspace/fill", "/fill", "/workspace/again", "/tmp/fill"]
    # The last file is kept, so that the host's disk holds what the container could write.
    fills = "; ".join(f"python3 -c '{FILL}' {path}" for path in paths) + " keep"
    out = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "--storage-opt", f"size={size}",
         base_image, "bash", "-c", f"mkdir -p /workspace; {fills}"],
        capture_output=True, text=True, env=env, timeout=900,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines()]
    assert [row[0] for row in rows] == paths
    for _path, written, errno in rows:
        assert errno == "122", out.stdout  # EDQUOT: the quota, not a full disk
        assert 0.8 * LIMIT_MB <= int(written) <= 1.25 * LIMIT_MB, out.stdout
    # 4 x 2000 MB attempted; the host holds at most what the limit let through each time (btrfs
    # hands freed blocks back to the host asynchronously, so deleted fills may still count).
    grown_mb = (image.stat().st_blocks * 512 - host_before) / 2**20
    assert grown_mb < len(paths) * 1.25 * LIMIT_MB, f"the host's disk grew by {grown_mb:.0f} MB"
