"""Run a two-entry suite of the tiny task through `run_suite` (a test interrupts and resumes it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import tiny_tasks  # noqa: E402, F401  (registers the `tiny` task)

from longcat_evals.results.runner import run_suite  # noqa: E402
from longcat_evals.results.suites import SuiteEntry  # noqa: E402

log_dir, marker = Path(sys.argv[1]), sys.argv[2]
entries = [
    SuiteEntry("tiny", {"values": "1,1", "prefix": "a"}),
    SuiteEntry("tiny", {"values": "1,1,1,0,1,1", "prefix": "b", "stop_at": "b3", "marker": marker}),
]
result = run_suite(entries, log_dir, log=lambda line: print(line, file=sys.stderr), display="none")
print(json.dumps({"complete": result.complete, "rows": [r.as_dict() for r in result.rows]}))
