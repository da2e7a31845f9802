"""Cost of faithful SWE grading per instance, against the instance's own test command.

Baseline (measured in the same run, same image): the raw test command (`environment.test_cmd`)
run by `docker exec` in an already-running container whose tree has the gold patch and the
test patch applied, i.e. only the tests. Measured: `grading.grade(instance, gold patch)`, the
whole faithful path: start a fresh container, the harness's apply chain, the eval script
(reset and apply the test patch, the tests, reset), swebench's log parsing and report,
container removal. Variants run interleaved per instance, repeated, medians reported.

    .venv/bin/python bench/swe_grading.py [--repeats 3] [--instance-ids a,b]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from rich.console import Console
from rich.table import Table

from longcat_evals.evals.swe.grading import GradingContainer, grade
from longcat_evals.evals.swe.samples import build_images
from longcat_evals.evals.swe.schema import LoadFailure, SweInstance
from longcat_evals.evals.swe.task import load_local
from longcat_evals.evals.swe.validate import choose
from longcat_evals.sandboxes import engine


async def raw_test_seconds(instance: SweInstance) -> float:
    """Time of the test command alone, in a prepared container (gold + test patch applied)."""
    async with GradingContainer(instance.image, instance.workdir) as box:
        await box.sh("git config --global --add safe.directory '*'")
        for name, patch in (("gold", instance.patch), ("tests", instance.test_patch)):
            await box.write(f"/tmp/{name}.diff", patch)
            code, out = await box.sh(f"git apply /tmp/{name}.diff")
            if code != 0:
                raise RuntimeError(f"{instance.instance_id}: {name} patch did not apply: {out}")
        started = time.monotonic()
        code, out = await box.sh(instance.environment.test_cmd, timeout=1800)
        elapsed = time.monotonic() - started
        if code != 0:
            raise RuntimeError(f"{instance.instance_id}: tests failed with gold: {out[-500:]}")
        return elapsed


async def main(repeats: int, instance_ids: str | None) -> None:
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
            raw.append(await raw_test_seconds(instance))
            result = await grade(instance, instance.patch)
            if not result.resolved:
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
    asyncio.run(main(args.repeats, args.instance_ids))
