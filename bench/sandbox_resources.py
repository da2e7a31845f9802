"""Per-sample CPU, memory, disk and wall time of one Inspect eval's containers (capacity input).

Runs `inspect eval TASK -T ...` in-process while a sampler polls, every 0.25 s, each container's
cgroup (CPU time used; peak memory, page cache included, as the memory limit counts it) and,
every 1 s, the size of its writable overlay layer (`du` of its UpperDir: the engine must be
local and readable, as the project's private engine is). Only this run's containers are
counted: the compose projects whose compose file lies under this run's own LONGCAT_STATE_DIR,
plus SWE grading containers (`longcat-swe-grade-*`, started with `docker run`) of an image this
run's sandboxes use (on a shared engine another session grading the same image at the same
time is counted too: every matched container is listed). Images are reused by tag, so a
private state dir builds nothing new.

    .venv/bin/python bench/sandbox_resources.py longcat_evals/terminal_bench \
        -T agent=oracle -T tasks=csv-report,c-wordfreq --json out.json

Figures are this machine's (2 cores shared with other sessions): CPU time is contended time.
A container living under 0.25 s can be missed; its CPU time is read up to 0.25 s early.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CGROUP = Path("/sys/fs/cgroup")


@dataclass
class Seen:
    name: str
    image: str
    cid: str
    upper: str
    first: float
    last: float = 0.0
    cpu_s: float = 0.0
    mem_peak: int = 0
    disk_peak: int = 0


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _counters(cid: str) -> tuple[int | None, int | None]:
    """(CPU ns used, peak memory bytes incl. page cache) of container CID's cgroup."""
    v1_cpu = CGROUP / "cpuacct" / "docker" / cid / "cpuacct.usage"
    if v1_cpu.exists():
        mem = CGROUP / "memory" / "docker" / cid / "memory.max_usage_in_bytes"
        return _read_int(v1_cpu), _read_int(mem)
    for group in (CGROUP / "docker" / cid, CGROUP / "system.slice" / f"docker-{cid}.scope"):
        if group.exists():
            usec = next((int(line.split()[1]) for line in (group / "cpu.stat").read_text()
                         .splitlines() if line.startswith("usage_usec")), None)  # fmt: skip
            return (usec * 1000 if usec is not None else None), _read_int(group / "memory.peak")
    return None, None


def _du(path: str) -> int:
    done = subprocess.run(["du", "-sb", path], capture_output=True, text=True)
    return int(done.stdout.split()[0]) if done.returncode == 0 and done.stdout else 0


class Sampler(threading.Thread):
    """Polls this run's containers: cgroup CPU time and peak memory, writable-layer bytes."""

    def __init__(self, state: str, started: float):
        super().__init__(daemon=True)
        self.state, self.started = state, started
        self.seen: dict[str, Seen] = {}
        self.images: set[str] = set()
        self.stop = threading.Event()

    def _ours(self) -> dict[str, tuple[str, str]]:
        """name -> (full id, image) of this run's running containers."""
        out = subprocess.run(
            ["docker", "ps", "--no-trunc", "--format",
             '{{.Names}}\t{{.ID}}\t{{.Image}}\t'
             '{{.Label "com.docker.compose.project.config_files"}}'],
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        ours = {}
        for line in out.splitlines():
            name, cid, image, config = (line.split("\t") + ["", "", ""])[:4]
            if config.startswith(self.state):
                ours[name] = (cid, image)
                self.images.add(image)
            elif name.startswith("longcat-swe-grade-") and image in self.images:
                ours[name] = (cid, image)
        return ours

    def run(self) -> None:
        tick = 0
        while not self.stop.is_set():
            now = time.monotonic() - self.started
            for name, (cid, image) in self._ours().items():
                seen = self.seen.get(name)
                if seen is None:
                    upper = subprocess.run(
                        ["docker", "inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", cid],
                        capture_output=True, text=True,
                    ).stdout.strip()  # fmt: skip
                    seen = self.seen[name] = Seen(name, image, cid, upper, first=now)
                cpu_ns, mem = _counters(cid)
                if cpu_ns is not None:
                    seen.cpu_s = max(seen.cpu_s, cpu_ns / 1e9)
                if mem is not None:
                    seen.mem_peak = max(seen.mem_peak, mem)
                if seen.upper and tick % 4 == 0:
                    seen.disk_peak = max(seen.disk_peak, _du(seen.upper))
                seen.last = now
            tick += 1
            self.stop.wait(0.25)


def _image_size(image: str) -> float:
    out = subprocess.run(["docker", "image", "inspect", "--format", "{{.Size}}", image],
                         capture_output=True, text=True).stdout.strip()  # fmt: skip
    return float(out or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task")
    parser.add_argument("-T", dest="task_args", action="append", default=[])
    parser.add_argument("--max-samples", type=int, default=1)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args()
    state = tempfile.mkdtemp(prefix="longcat-capacity-")
    os.environ["LONGCAT_STATE_DIR"] = state  # before the project reads it
    from inspect_ai import eval as inspect_eval

    from longcat_evals.results.scoring import headline

    task_args = dict(item.split("=", 1) for item in args.task_args)
    started = time.monotonic()
    sampler = Sampler(os.path.realpath(state), started)
    sampler.start()
    [log] = inspect_eval(args.task, model="mockllm/model", task_args=task_args,
                         max_samples=args.max_samples, log_dir=os.path.join(state, "logs"),
                         display="none")  # fmt: skip
    wall = time.monotonic() - started
    sampler.stop.set()
    sampler.join()
    row = headline(log)
    durations = []
    for sample in log.samples or []:
        if sample.total_time is not None:
            durations.append(sample.total_time)
    containers = []
    for seen in sampler.seen.values():
        containers.append({
            "name": seen.name, "image": seen.image, "role": (
                "grading" if seen.name.startswith("longcat-swe-grade-") else "sandbox"),
            "cpu_s": round(seen.cpu_s, 2),
            "cpu_mean_cores": round(seen.cpu_s / (seen.last - seen.first), 2)
            if seen.last > seen.first else None,
            "mem_peak_mib": round(seen.mem_peak / 1024**2, 1),
            "writable_peak_mb": round(seen.disk_peak / 1e6, 1),
            "image_mb": round(_image_size(seen.image) / 1e6, 1),
            "observed_s": round(seen.last - seen.first, 1),
        })  # fmt: skip
    result = {
        "task": args.task, "task_args": task_args, "max_samples": args.max_samples,
        "cpus": os.cpu_count(), "wall_s": round(wall, 1), "samples": row.samples,
        "score": row.score, "errors": row.errors,
        "sample_time_s": sorted(round(d, 1) for d in durations), "containers": containers,
    }  # fmt: skip
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_path:
        with open(args.json_path, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
