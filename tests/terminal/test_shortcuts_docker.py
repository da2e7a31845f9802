"""Wrong-but-plausible answers (the ones each task's README names) score 0 in real containers.

Each (tests/terminal/shortcuts/<task>.sh) runs as the task's solution through the oracle agent
on a copy of the built-in task.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.terminal.task import BUILTIN_SUITE, terminal_bench

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SHORTCUTS = Path(__file__).parent / "shortcuts"
TASK_IDS = sorted(p.stem for p in SHORTCUTS.glob("*.sh"))


def test_plausible_shortcuts_score_zero(docker_engine, tmp_path):
    root = tmp_path / "tasks"
    for task_id in TASK_IDS:
        shutil.copytree(BUILTIN_SUITE / task_id, root / task_id)
        script = (SHORTCUTS / f"{task_id}.sh").read_text()
        (root / task_id / "solution" / "solve.sh").write_text(f"#!/bin/bash\nset -e\n{script}")
    [log] = inspect_eval(
        terminal_bench(agent="oracle", path=str(root)),
        model="mockllm/model",
        max_samples=4,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    results = {
        s.id: (next(iter(s.scores.values())).value, s.metadata.get("oracle_exit_code"))
        for s in log.samples
    }
    # 0 from the verifier, and the shortcut itself ran cleanly (not a broken script).
    assert results == {task_id: (0.0, 0) for task_id in TASK_IDS}
    assert len(TASK_IDS) == 8
