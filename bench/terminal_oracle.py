"""Wall time of the oracle over the built-in Terminal-Bench suite at max_samples 1 vs 4.

Images are built (or found cached) once before timing, so both runs time the same work: start
each sample's container, run solve.sh, copy the tests in, run test.sh, tear down. Prints both
times, the parallel speed-up and checks every sample scored 1.

    .venv/bin/python bench/terminal_oracle.py [--samples 1,4]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from inspect_ai import eval as inspect_eval

from longcat_evals.evals.terminal.task import terminal_bench
from longcat_evals.results.scoring import headline


def timed_run(max_samples: int, log_dir: str) -> tuple[float, float, int]:
    task = terminal_bench(agent="oracle")  # images already built: this only checks their tags
    started = time.monotonic()
    [log] = inspect_eval(
        task, model="mockllm/model", max_samples=max_samples, log_dir=log_dir, display="none"
    )
    took = time.monotonic() - started
    row = headline(log)
    return took, row.score, row.samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default="1,4", help="max_samples values to compare")
    args = parser.parse_args()
    counts = [int(n) for n in args.samples.split(",")]
    print(f"machine: {os.cpu_count()} CPU cores")
    started = time.monotonic()
    list(terminal_bench(agent="oracle").dataset[:])  # images are prepared when samples are read
    print(f"images ready in {time.monotonic() - started:.1f} s (not part of the timings)")
    results = {}
    with tempfile.TemporaryDirectory() as log_dir:
        for n in counts:
            took, score, samples = timed_run(n, log_dir)
            results[n] = took
            print(f"max_samples={n}: {took:6.1f} s wall, {samples} tasks, oracle score {score:.0f}")
            if score != 100.0:
                raise SystemExit(f"oracle scored {score} at max_samples={n}, expected 100")
    base = results[counts[0]]
    for n in counts[1:]:
        print(f"speed-up max_samples={n} vs {counts[0]}: {base / results[n]:.2f}x")


if __name__ == "__main__":
    main()
