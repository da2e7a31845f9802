"""Fixtures of the SWE family: official-format rows, a Pro checkout layout, built-in images."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

# A SWE-bench Verified row in swebench 5.x layout: the official field names and types
# (FAIL_TO_PASS/PASS_TO_PASS are JSON strings; version is a string).
VERIFIED_EVAL_SCRIPT = """#!/bin/bash
set -uxo pipefail
source /opt/miniconda3/bin/activate
conda activate testbed
cd /testbed
git checkout 2e1f2bb9a5e1b9bd8d0f0f4b5f6e0f2a0c7bd3c1 tests/utils_tests/test_dateparse.py
git apply -v - <<'EOF_114329324912'
diff --git a/tests/utils_tests/test_dateparse.py b/tests/utils_tests/test_dateparse.py
--- a/tests/utils_tests/test_dateparse.py
+++ b/tests/utils_tests/test_dateparse.py
@@ -1,1 +1,2 @@
 import unittest
+# new test
EOF_114329324912
: '>>>>> Start Test Output'
./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1 utils_tests.test_dateparse
: '>>>>> End Test Output'
git checkout 2e1f2bb9a5e1b9bd8d0f0f4b5f6e0f2a0c7bd3c1 tests/utils_tests/test_dateparse.py
"""


def _verified_row(**overrides) -> dict:
    row = {
        "repo": "django/django",
        "instance_id": "django__django-10999",
        "base_commit": "2e1f2bb9a5e1b9bd8d0f0f4b5f6e0f2a0c7bd3c1",
        "patch": "diff --git a/django/utils/dateparse.py b/django/utils/dateparse.py\n"
        "--- a/django/utils/dateparse.py\n+++ b/django/utils/dateparse.py\n"
        "@@ -1 +1 @@\n-old\n+new\n",
        "test_patch": "diff --git a/tests/utils_tests/test_dateparse.py "
        "b/tests/utils_tests/test_dateparse.py\n--- a/tests/utils_tests/test_dateparse.py\n"
        "+++ b/tests/utils_tests/test_dateparse.py\n@@ -1,1 +1,2 @@\n import unittest\n"
        "+# new test\n",
        "problem_statement": "Fix parse_duration() for some negative durations",
        "hints_text": "",
        "created_at": "2019-02-16T07:44:50Z",
        "version": "3.0",
        "FAIL_TO_PASS": json.dumps(
            ["test_negative (utils_tests.test_dateparse.DurationParseTests)"]
        ),
        "PASS_TO_PASS": json.dumps(["test_parse_date (utils_tests.test_dateparse.DateParseTests)"]),
        "environment_setup_commit": "419a78300f7cd27611196e1e464d50fd0385ff27",
        "difficulty": "<15 min fix",
        "image": "swebench/sweb.eval.x86_64.django_1776_django-10999:latest",
        "eval_script": VERIFIED_EVAL_SCRIPT,
        "log_parser": "parse_log_django",
        "eval_type": "pass_and_fail",
    }
    row.update(overrides)
    return row


def _multilingual_row(**overrides) -> dict:
    row = _verified_row(
        repo="gin-gonic/gin",
        instance_id="gin-gonic__gin-1805",
        FAIL_TO_PASS=json.dumps(["TestRouteRawPathNoUnescape"]),
        PASS_TO_PASS=json.dumps(["TestRouterGroupBasic"]),
        image="swebench/sweb.eval.x86_64.gin-gonic_1776_gin-1805:latest",
        log_parser="parse_log_gotest",
        version="1.4",
    )
    row.update(overrides)
    return row


PRO_ID = "instance_NodeBB__NodeBB-04998908ba6721d64eba79ae3b65a351dcfbc5b5-vnan"


def _pro_row(**overrides) -> dict:
    """A SWE-bench Pro row: lists as Python literals, lower-case test fields."""
    row = {
        "repo": "NodeBB/NodeBB",
        "instance_id": PRO_ID,
        "base_commit": "1e137b07052bc3ea0da44ed201702c94055b8ad2",
        "patch": _verified_row()["patch"],
        "test_patch": _verified_row()["test_patch"],
        "problem_statement": "Users cannot be unbanned from the ACP",
        "requirements": "The unban action must clear the ban reason.",
        "interface": "No new interfaces are introduced.",
        "repo_language": "js",
        "fail_to_pass": "['test/user.js | User bans should unban a user']",
        "pass_to_pass": "['test/user.js | User should create a user']",
        "issue_specificity": "['major_bug']",
        "issue_categories": "['back_end_knowledge']",
        "before_repo_set_cmd": "git reset --hard 1e137b0\ngit clean -fd\n"
        "git checkout 0f8e9ee -- test/user.js",
        "selected_test_files_to_run": "['test/user.js']",
    }
    row.update(overrides)
    return row


@pytest.fixture
def verified_row():
    return _verified_row


@pytest.fixture
def multilingual_row():
    return _multilingual_row


@pytest.fixture
def pro_row():
    return _pro_row


@pytest.fixture
def pro_id():
    return PRO_ID


@pytest.fixture
def pro_checkout(tmp_path: Path) -> Path:
    """The layout of a SWE-bench_Pro-os checkout for one instance."""
    scripts = tmp_path / "run_scripts" / PRO_ID
    scripts.mkdir(parents=True)
    (scripts / "run_script.sh").write_text("#!/bin/bash\nnpx mocha --reporter json $1\n")
    parser = "import json, sys\njson.dump({'tests': []}, open(sys.argv[3], 'w'))\n"
    (scripts / "parser.py").write_text(parser)
    envs = (("base_dockerfile", "ENV NODE_ENV=test"), ("instance_dockerfile", "ENV CI=1"))
    for kind, line in envs:
        folder = tmp_path / "dockerfiles" / kind / PRO_ID
        folder.mkdir(parents=True)
        (folder / "Dockerfile").write_text(f"FROM node:18\n{line}\nWORKDIR /app\n")
    return tmp_path


@pytest.fixture(scope="session")
def builtin(docker_engine):
    """The built-in instances with their images built (once per recipe hash)."""
    from longcat_evals.evals.swe.samples import build_images
    from longcat_evals.evals.swe.schema import LoadFailure
    from longcat_evals.evals.swe.task import load_local

    loaded = build_images(load_local(), log=lambda _: None)
    failures = [item for item in loaded if isinstance(item, LoadFailure)]
    assert not failures, failures
    return {item.instance_id: item for item in loaded}


@pytest.fixture
def in_graders(tmp_path):
    """Run shell probes in real graders of SWE sample sandboxes (`grading.swe_sandbox`):
    `in_graders([(instance, policy, script), ...])` → [(exit code, stdout + stderr), ...], one
    Inspect eval with one sample per probe."""
    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import Sample
    from inspect_ai.solver import Generate, TaskState, solver
    from inspect_ai.util import sandbox

    from longcat_evals.evals.swe.grading import GRADER_SERVICE, swe_sandbox
    from longcat_evals.evals.swe.validate import IDLE_AGENT_LIMITS

    @solver
    def probe():
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            script = state.metadata["script"]
            result = await sandbox(GRADER_SERVICE).exec(["bash", "-c", script], timeout=600)
            state.store.set("probe", [result.returncode, result.stdout + result.stderr])
            return state

        return solve

    def run(jobs):
        samples = [
            Sample(
                id=n,
                input="probe",
                metadata={"script": script},
                sandbox=swe_sandbox(instance, IDLE_AGENT_LIMITS, policy),
            )
            for n, (instance, policy, script) in enumerate(jobs)
        ]
        (log,) = inspect_eval(
            Task(dataset=samples, solver=probe()), model="none/none", display="none",
            log_dir=str(tmp_path / "probe-logs"), max_samples=4,
        )  # fmt: skip
        by_id = {s.id: s for s in log.samples}
        for sample in by_id.values():
            assert sample.error is None, sample.error
        return [tuple(by_id[n].store["probe"]) for n in range(len(jobs))]

    return run
