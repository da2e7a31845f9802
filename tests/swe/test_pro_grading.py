"""SWE-bench Pro grading in real containers, on a Pro-style image made from a built-in repo.

Like the sweap images: the repository at /app holds the fix commit (the last line of
`before_repo_set_cmd` checks the test files out of it), and grading runs the checkout's
run_script.sh on the selected test files and its parser.py, which writes output.json.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from types import SimpleNamespace

import pytest
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.swe.adapters import from_pro_row
from longcat_evals.evals.swe.grading import grade
from longcat_evals.evals.swe.task import swe_bench_pro
from longcat_evals.sandboxes import images
from longcat_evals.tasks.swe import BUILTIN_DIR

pytestmark = [pytest.mark.docker, pytest.mark.slow]

RUN_SCRIPT = """#!/bin/bash
cd /app
python3 -m pytest -rA -p no:cacheprovider $(echo "$1" | tr ',' ' ')
"""
PARSER = """import json, re, sys
stdout = open(sys.argv[1]).read()
tests = [
    {"name": m.group(2), "status": m.group(1)}
    for m in re.finditer(r"^(PASSED|FAILED|ERROR|SKIPPED) (\\S+)", stdout, re.M)
]
json.dump({"tests": tests}, open(sys.argv[3], "w"))
"""


@pytest.fixture(scope="module")
def pro(builtin, tmp_path_factory):
    inikit = builtin["longcat__inikit-12"]
    bundle = BUILTIN_DIR / "repos" / "inikit.bundle"
    context = tmp_path_factory.mktemp("pro-ctx")
    subprocess.run(["cp", str(bundle), str(context / "repo.bundle")], check=True)
    (context / "Dockerfile").write_text(
        f"FROM {images.ensure_toolchain('python', log=lambda _: None)}\n"
        "COPY repo.bundle /repo.bundle\n"
        f"RUN git clone -q /repo.bundle /app && cd /app && git checkout -q {inikit.base_commit}\n"
        # The sweap images call `python`; the toolchain image names it python3.
        "RUN ln -s /usr/bin/python3 /usr/local/bin/python\n"
        "ENV PYTHONDONTWRITEBYTECODE=1\n"
        "WORKDIR /app\n"
    )
    fix = subprocess.run(
        ["git", "ls-remote", str(bundle), "refs/heads/main"], capture_output=True, text=True
    ).stdout.split()[0]
    # Named like a sweap image so the Pro adapter's own naming finds it locally.
    dockerhub_tag = f"longcat-protest-{inikit.base_commit[:12]}"
    tag = f"jefzda/sweap-images:{dockerhub_tag}"
    images.build_image(tag, context, network="none", log=lambda _: None)
    iid = "instance_longcat__inikit-12-vnan"
    checkout = tmp_path_factory.mktemp("pro-checkout")
    scripts = checkout / "run_scripts" / iid
    scripts.mkdir(parents=True)
    (scripts / "run_script.sh").write_text(RUN_SCRIPT)
    (scripts / "parser.py").write_text(PARSER)
    row = {
        "repo": "longcat/inikit",
        "instance_id": iid,
        "base_commit": inikit.base_commit,
        "patch": inikit.patch,
        "test_patch": inikit.test_patch,
        "problem_statement": inikit.problem_statement,
        "fail_to_pass": repr(inikit.FAIL_TO_PASS),
        "pass_to_pass": repr([t for t in inikit.PASS_TO_PASS if "test_parser" in t]),
        "before_repo_set_cmd": f"git reset --hard {inikit.base_commit}\n"
        f"git checkout {fix} -- tests/test_parser.py",
        "selected_test_files_to_run": "['tests/test_parser.py']",
        "repo_language": "python",
        "dockerhub_tag": dockerhub_tag,
    }
    instance = from_pro_row(row, checkout, "fixture")
    assert instance.image == tag
    rows = checkout / "pro.jsonl"
    rows.write_text(json.dumps(row) + "\n")
    yield SimpleNamespace(instance=instance, checkout=str(checkout), rows=str(rows))
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_pro_gold_resolves_empty_does_not(pro):
    pro_instance = pro.instance
    gold = asyncio.run(grade(pro_instance, pro_instance.patch))
    assert gold.resolved and gold.outcome == "resolved", gold
    assert gold.tests_status["FAIL_TO_PASS"]["failure"] == []
    empty = asyncio.run(grade(pro_instance, ""))
    assert not empty.resolved
    assert empty.tests_status["FAIL_TO_PASS"]["failure"] == pro_instance.FAIL_TO_PASS
    assert empty.tests_status["PASS_TO_PASS"]["failure"] == []


def test_pro_patch_that_does_not_apply(pro):
    pro_instance = pro.instance
    bad = pro_instance.patch.replace("def _split_pair", "def _no_such_line", 1)
    result = asyncio.run(grade(pro_instance, bad))
    assert result.outcome == "patch_failed" and "Patch Apply Failed" in result.reason


def test_swe_bench_pro_task_oracle(pro, tmp_path):
    """The whole task: scrub /app (its image holds the fix), oracle, fresh-container grading."""
    task = swe_bench_pro(
        pro_checkout=pro.checkout, dataset=pro.rows, agent="oracle", memory_mb=2048
    )
    log = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")[0]
    sample = log.samples[0]
    assert sample.error is None, sample.error
    score = next(iter(sample.scores.values()))
    assert score.value == 1.0 and score.metadata["outcome"] == "resolved"
