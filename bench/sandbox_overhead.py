"""Per-sample cost of an Inspect docker sandbox (start + exec + cleanup) vs `docker run --rm`.

Measured in the same run on the same image: the floor `docker run --rm IMAGE true`; the raw
compose cycle our compose file implies (`up -d --wait`, `exec default true`, `down`), which is
what any compose-based sandbox pays; and Inspect's docker sandbox per sample. The Inspect figure
is differential: the wall time of an eval with N_LARGE sequential samples minus one with N_SMALL,
divided by the difference, so the eval's fixed start-up cost cancels out.

    python bench/sandbox_overhead.py [--repeats 3] [--small 2] [--large 8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import Generate, TaskState, solver
from inspect_ai.util import sandbox

from longcat_evals.sandboxes import engine, images
from longcat_evals.sandboxes.compose import docker_sandbox


@solver
def exec_true():
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = await sandbox().exec(["true"])
        assert result.success, result.stderr
        return state

    return solve


def floor_seconds(image: str, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(["docker", "run", "--rm", "--network", "none", image, "true"], check=True)
        times.append(time.perf_counter() - started)
    return times


def compose_seconds(image: str, repeats: int) -> list[float]:
    compose_file = docker_sandbox(image).config
    times = []
    for number in range(repeats):
        base = ["docker", "compose", "-p", f"bench-{number}", "-f", compose_file]
        started = time.perf_counter()
        subprocess.run([*base, "up", "-d", "--wait"], check=True, capture_output=True)
        subprocess.run([*base, "exec", "default", "true"], check=True, capture_output=True)
        subprocess.run([*base, "down"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def eval_seconds(image: str, samples: int) -> float:
    spec = docker_sandbox(image)
    task = Task(
        dataset=[Sample(id=i, input="x", sandbox=spec) for i in range(samples)],
        solver=exec_true(),
    )
    with tempfile.TemporaryDirectory() as logs:
        started = time.perf_counter()
        [log] = inspect_eval(
            task, model="mockllm/model", max_samples=1, log_dir=logs, display="none"
        )
        elapsed = time.perf_counter() - started
    assert log.status == "success", log.error
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--small", type=int, default=2)
    parser.add_argument("--large", type=int, default=8)
    args = parser.parse_args()

    status = engine.ensure_engine()
    image = images.ensure_base()
    print(f"engine {status.server}, compose {status.compose}, image {image}")
    eval_seconds(image, 1)  # warm-up: first compose/Inspect start is slower

    floors, composes, per_sample = [], [], []
    for repeat in range(args.repeats):
        floors += floor_seconds(image, args.large - args.small)
        composes += compose_seconds(image, args.large - args.small)
        small, large = eval_seconds(image, args.small), eval_seconds(image, args.large)
        per_sample.append((large - small) / (args.large - args.small))
        print(
            f"repeat {repeat + 1}: eval({args.small})={small:.2f}s eval({args.large})={large:.2f}s"
            f" -> {per_sample[-1]:.3f} s/sample"
        )
    floor = statistics.median(floors)
    compose = statistics.median(composes)
    inspect = statistics.median(per_sample)
    print(
        f"floor    docker run --rm IMAGE true  : {floor * 1000:6.0f} ms (median of {len(floors)})"
    )
    print(
        f"compose  up --wait + exec + down     : {compose * 1000:6.0f} ms ({compose / floor:.2f}x)"
    )
    print(f"inspect  start + exec + cleanup      : {inspect * 1000:6.0f} ms/sample (median)")
    print(f"ratio    inspect / floor             : {inspect / floor:6.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
