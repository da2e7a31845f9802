"""Logs of real Inspect evals of tiny tasks: errors, unscored samples, epochs, interruptions."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval

TASKS = Path(__file__).with_name("tiny_tasks.py")
INSPECT = str(Path(sys.executable).parent / "inspect")


def run_tiny(log_dir: Path, epochs: int = 1, **args) -> str:
    """One in-process eval of the tiny task; the log's path."""
    [log] = inspect_eval(
        f"{TASKS}@tiny",
        model="mockllm/model",
        task_args=args,
        epochs=epochs,
        log_dir=str(log_dir),
        display="none",
    )
    return log.location


def interrupted(
    log_dir: Path, sig: signal.Signals, samples: int = 12, stop: int = 5, prefix: str = "s"
) -> Path:
    """A 1-at-a-time run of SAMPLES samples interrupted by SIG while sample STOP runs."""
    marker = log_dir / "marker"
    values = ",".join(["1"] * samples)
    process = subprocess.Popen(
        [INSPECT, "eval", f"{TASKS}@tiny", "-T", f"values={values}",
         "-T", f"stop_at={prefix}{stop}", "-T", f"marker={marker}", "-T", f"prefix={prefix}",
         "--max-samples", "1", "--model", "mockllm/model", "--log-dir", str(log_dir),
         "--display", "none"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Generous: on a loaded 2-core machine `inspect eval` alone can take a minute to start.
    deadline = time.monotonic() + 600
    while not marker.exists():
        assert process.poll() is None and time.monotonic() < deadline, "run never reached stop"
        time.sleep(0.2)
    process.send_signal(sig)
    process.wait(timeout=300)
    [log] = list(log_dir.glob("*.eval"))
    return log


@pytest.fixture(scope="session")
def logs(tmp_path_factory) -> dict[str, Path]:
    """name -> log path; all under one root, some nested (as eval sets and the demo write them)."""
    root = tmp_path_factory.mktemp("results-logs")
    made = {
        # s3 is a letter grade, s4 NaN (unscored), s6 errors.
        "mixed": run_tiny(root / "a", values="1,0.5,C,nan,0,1", fail="s6"),
        # 4 samples x 3 epochs: 1, 0, NaN per epoch; s2 errors in every epoch.
        "epochs": run_tiny(
            root / "a" / "nested", epochs=3, values="1/0/nan,1,1/0/nan,1/0/nan", fail="s2"
        ),  # fmt: skip
        "perfect": run_tiny(root / "b", values="1,1"),
        "clustered": run_tiny(root / "c", values="1,1,1,1,0,0,0,0", clusters="a,a,a,a,b,b,b,b"),
        "iid": run_tiny(root / "d", values="1,1,1,1,0,0,0,0"),
    }
    made = {k: Path(v.removeprefix("file://")) for k, v in made.items()}
    made["cancelled"] = interrupted(root / "e", signal.SIGINT)
    made["killed"] = interrupted(root / "f", signal.SIGKILL)
    made["root"] = root
    return made
