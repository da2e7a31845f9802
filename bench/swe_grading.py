"""Cost of faithful SWE grading per instance, against the instance's own test command.

Baseline (measured in the same run, same image): the raw test command (`environment.test_cmd`)
run by `docker exec` in an already-running container whose tree has the gold patch and the
test patch applied, i.e. only the tests. Measured: `grading.grade(instance, gold patch)` in a
sample's grader (`validate.grade_patches`), the whole faithful path from the grader's first
command: the harness's apply chain, the eval script (reset and apply the test patch, the
tests, reset), swebench's log parsing and report. The grader's start and removal are the
sample's (Inspect starts it with the agent's container) and are not in `total_seconds`.
Variants run interleaved per instance, repeated, medians reported.

    .venv/bin/python bench/swe_grading.py [--repeats 3] [--instance-ids a,b]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from rich.console import Console
from rich.table import Table

from longcat_evals.evals.swe.samples import build_images
from longcat_evals.evals.swe.schema import LoadFailure, SweInstance
from longcat_evals.evals.swe.task import load_local
from longcat_evals.evals.swe.validate import choose, grade_patches
from longcat_evals.sandboxes import engine


def _docker(*args: str, stdin: str | None = None, timeout: int = 120) -> str:
    result = subprocess.run(
        ["docker", *args], input=stdin, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"docker {args[0]}: {(result.stdout + result.stderr)[-500:]}")
    return result.stdout


def raw_test_seconds(instance: SweInstance) -> float:
    """Time of the test command alone, in a prepared container (gold + test patch applied)."""
    container = _docker(
        "run", "--detach", "--network", "none", "--init", "--workdir", instance.workdir,
        "--entrypoint", "sleep", instance.image, "infinity",
    ).strip()  # fmt: skip
    try:
        _docker("exec", container, "git", "config", "--global", "--add", "safe.directory", "*")
        for patch in (instance.patch, instance.test_patch):
            _docker("exec", "-i", container, "git", "apply", "-", stdin=patch)
        started = time.monotonic()
        _docker("exec", container, "bash", "-c", instance.environment.test_cmd, timeout=1800)
        return time.monotonic() - started
    finally:
        subprocess.run(["docker", "rm", "--force", container], capture_output=True)


def main(repeats: int, instance_ids: str | None) -> None:
    console = Console(width=150)
    engine.ensure_engine()
    chosen = choose(load_local(), instance_ids)
    loaded = build_images(chosen, log=lambda m: console.print(m))
    instances = [i for i in loaded if not isinstance(i, LoadFailure)]
    table = Table(title=f"SWE grading vs raw test command (median of {repeats}; seconds)")
    for column in ("instance", "language", "raw tests", "grading", "of which eval script",
                   "ratio grading/raw", "overhead"):  # fmt: skip
        table.add_column(column, justify="right" if column != "instance" else "left")
    ratios, overheads = [], []
    for instance in instances:
        raw, total, script = [], [], []
        for _ in range(repeats):
            raw.append(raw_test_seconds(instance))
            (result,) = grade_patches([(instance, instance.patch)])
            if isinstance(result, str) or not result.resolved:
                raise RuntimeError(f"{instance.instance_id}: gold patch not resolved: {result}")
            total.append(result.total_seconds)
            script.append(result.test_seconds)
        r, t, s = (statistics.median(x) for x in (raw, total, script))
        ratios.append(t / r)
        overheads.append(t - r)
        table.add_row(instance.instance_id, instance.language, f"{r:.2f}", f"{t:.2f}",
                      f"{s:.2f}", f"{t / r:.2f}x", f"+{t - r:.2f}")  # fmt: skip
        console.print(f"  {instance.instance_id}: raw {r:.2f} s, grading {t:.2f} s")
    console.print(table)
    console.print(
        f"median ratio grading/raw {statistics.median(ratios):.2f}x, "
        f"median overhead +{statistics.median(overheads):.2f} s per instance "
        f"({len(instances)} instances, {repeats} repeats)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--instance-ids", default=None)
    args = parser.parse_args()
    main(args.repeats, args.instance_ids)
