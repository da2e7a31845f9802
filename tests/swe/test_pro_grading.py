"""SWE-bench Pro in real containers, on a Pro-layout checkout and an image built like Pro's.

The checkout has the layout of scaleapi/SWE-bench_Pro-os: `run_scripts/<id>/run_script.sh`,
`parser.py`, `instance_info.txt`, and `dockerfiles/{base,instance}_dockerfile/<id>/Dockerfile`.
The image is built from those two Dockerfiles, as Pro's are: the base one ends with
`ENTRYPOINT ["/bin/bash"]` (709 of Pro's 1000 base Dockerfiles do), the repository at /app
holds the fix commit (the last line of `before_repo_set_cmd` checks test files out of it), and
grading runs the checkout's run_script.sh on the selected test files and its parser.py.
"""

from __future__ import annotations

import json
import math
import subprocess
from types import SimpleNamespace

import pytest
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.swe.adapters import from_pro_row
from longcat_evals.evals.swe.grading import (
    GRADER_SERVICE,
    PRO_MEMORY_MB,
    PRO_TEST_TIMEOUT_SEC,
    GradingOptions,
    official_policy,
)
from longcat_evals.evals.swe.task import swe_bench_pro
from longcat_evals.evals.swe.validate import grade_patches
from longcat_evals.results.scoring import headline
from longcat_evals.sandboxes import images
from longcat_evals.tasks.swe import BUILTIN_DIR

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PRO_ID = "instance_longcat__inikit-0f3a9c1d2e4b5a6978812345abcdef0123456789-vnan"
RUN_SCRIPT = """#!/bin/bash
### COMMON SETUP; DO NOT MODIFY ###
set -e

run_selected_tests() {
  local test_files=("$@")
  cd /app
  python -m pytest -rA -p no:cacheprovider "${test_files[@]}" || true
}

if [ $# -eq 0 ]; then
  echo "no test files given" >&2
  exit 1
fi
IFS=',' read -r -a TEST_FILES <<< "$1"
run_selected_tests "${TEST_FILES[@]}"
"""
# A run script that first installs something it does not have (as 11 NodeBB ones npm install).
RUN_SCRIPT_NEEDS_NETWORK = RUN_SCRIPT.replace(
    "  cd /app\n",
    "  cd /app\n  python -m pip install -q --break-system-packages longcat-evals-absent-plugin\n",
)
PARSER = """import json, re, sys

def parse(stdout):
    tests = []
    for m in re.finditer(r"^(PASSED|FAILED|ERROR|SKIPPED) (\\S+)", stdout, re.M):
        tests.append({"name": m.group(2), "status": m.group(1)})
    return tests

stdout = open(sys.argv[1]).read()
json.dump({"tests": parse(stdout)}, open(sys.argv[3], "w"))
"""
BASE_DOCKERFILE = """###############################################
# BASE IMAGE
###############################################
FROM {toolchain}

RUN mkdir /app
WORKDIR /app
COPY repo.bundle /tmp/repo.bundle
# Upstream: RUN git clone https://github.com/<owner>/<repo>.git .
RUN git clone -q /tmp/repo.bundle . && rm /tmp/repo.bundle && git checkout -q {base}
RUN ln -s /usr/bin/python3 /usr/local/bin/python
ENV PRO_FIXTURE=base

###############################################
# ENTRYPOINT / CMD
###############################################
# ENTRYPOINT should always be /bin/bash.
ENTRYPOINT ["/bin/bash"]
"""
INSTANCE_DOCKERFILE = """FROM {base_image}

ENV PYTHONDONTWRITEBYTECODE=1
RUN cat <<'EOFPREP' > /preprocess.sh
#!/bin/bash
cd /app
git reset --hard {base}
git clean -fdx
git checkout {base}
EOFPREP
RUN chmod +x /preprocess.sh && /preprocess.sh
"""


def _docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


def _build(context, dockerfile_text: str, tag: str) -> None:
    (context / "Dockerfile").write_text(dockerfile_text)
    images.build_image(tag, context, network="none", log=lambda _: None)


@pytest.fixture(scope="module")
def pro(builtin, tmp_path_factory):
    inikit = builtin["longcat__inikit-12"]
    bundle = BUILTIN_DIR / "repos" / "inikit.bundle"
    fix = subprocess.run(
        ["git", "ls-remote", str(bundle), "refs/heads/main"], capture_output=True, text=True
    ).stdout.split()[0]
    checkout = tmp_path_factory.mktemp("SWE-bench_Pro-os")
    dockerfiles = {
        kind: checkout / "dockerfiles" / kind / PRO_ID / "Dockerfile"
        for kind in ("base_dockerfile", "instance_dockerfile")
    }
    # The image, built from the checkout's two Dockerfiles (base first, instance FROM it).
    dockerhub_tag = f"longcat.inikit-protest-{inikit.base_commit[:12]}"
    tag = f"jefzda/sweap-images:{dockerhub_tag}"
    base_tag = f"longcat-evals/swe-pro-base-test:{inikit.base_commit[:12]}"
    toolchain = images.ensure_toolchain("python", log=lambda _: None)
    texts = {
        "base_dockerfile": BASE_DOCKERFILE.format(toolchain=toolchain, base=inikit.base_commit),
        "instance_dockerfile": INSTANCE_DOCKERFILE.format(
            base_image=base_tag, base=inikit.base_commit
        ),
    }
    for kind, path in dockerfiles.items():
        path.parent.mkdir(parents=True)
        path.write_text(texts[kind])
    context = tmp_path_factory.mktemp("pro-ctx")
    subprocess.run(["cp", str(bundle), str(context / "repo.bundle")], check=True)
    _build(context, texts["base_dockerfile"], base_tag)
    _build(context, texts["instance_dockerfile"], tag)
    p2p = [t for t in inikit.PASS_TO_PASS if "test_parser" in t]
    rows = {}
    for iid, run_script in ((PRO_ID, RUN_SCRIPT), (PRO_ID + "-net", RUN_SCRIPT_NEEDS_NETWORK)):
        scripts = checkout / "run_scripts" / iid
        scripts.mkdir(parents=True)
        (scripts / "run_script.sh").write_text(run_script)
        (scripts / "parser.py").write_text(PARSER)
        (scripts / "instance_info.txt").write_text(
            f"Instance ID: {iid}\nRepository: longcat/inikit\nBase Commit: {inikit.base_commit}\n"
            'Test Files: ["tests/test_parser.py"]\n'
            f"FAIL_TO_PASS: {json.dumps(inikit.FAIL_TO_PASS)}\n"
            f"PASS_TO_PASS: {json.dumps(p2p)}\n"
        )
        if iid != PRO_ID:
            for kind, path in dockerfiles.items():
                other = checkout / "dockerfiles" / kind / iid / "Dockerfile"
                other.parent.mkdir(parents=True)
                other.write_text(path.read_text())
        rows[iid] = {
            "repo": "longcat/inikit",
            "instance_id": iid,
            "base_commit": inikit.base_commit,
            "patch": inikit.patch,
            "test_patch": inikit.test_patch,
            "problem_statement": inikit.problem_statement,
            "requirements": "Inline comments after ';' or '#' are not part of the value.",
            "interface": "No new interfaces are introduced.",
            "repo_language": "python",
            "fail_to_pass": repr(inikit.FAIL_TO_PASS),
            "pass_to_pass": repr(p2p),
            "issue_specificity": "['minor_bug']",
            "issue_categories": "['back_end_knowledge']",
            "before_repo_set_cmd": f"git reset --hard {inikit.base_commit}\ngit clean -fd \n"
            f"git checkout {inikit.base_commit}\ngit checkout {fix} -- tests/test_parser.py",
            "selected_test_files_to_run": "['tests/test_parser.py']",
            "dockerhub_tag": dockerhub_tag,
        }
    instance = from_pro_row(rows[PRO_ID], checkout, "fixture")
    assert instance.image == tag
    export = checkout / "pro.jsonl"
    export.write_text(json.dumps(rows[PRO_ID]) + "\n")
    yield SimpleNamespace(
        instance=instance,
        needs_network=from_pro_row(rows[PRO_ID + "-net"], checkout, "fixture"),
        checkout=str(checkout),
        rows=str(export),
        image=tag,
        fix=fix,
    )
    subprocess.run(["docker", "rmi", "-f", tag, base_tag], capture_output=True)


def test_the_image_is_built_like_pros(pro):
    entrypoint = _docker("image", "inspect", "--format", "{{json .Config.Entrypoint}}", pro.image)
    assert json.loads(entrypoint) == ["/bin/bash"]
    # The image's ENV lines (both Dockerfiles) are exported by the entry script, as Pro's are.
    assert "export PRO_FIXTURE=base" in pro.instance.eval_script
    assert "export PYTHONDONTWRITEBYTECODE=1" in pro.instance.eval_script


def test_official_pro_grading_policy(pro):
    policy = official_policy(pro.instance)
    assert policy.network == "online" and policy.cap_add == ()
    assert policy.test_timeout_sec == PRO_TEST_TIMEOUT_SEC == 3600
    assert PRO_MEMORY_MB == 30 * 1024


def test_the_pro_tasks_grader_runs_as_the_pro_evaluator_grades(pro, tmp_path):
    """The running grader of a swe_bench_pro sample: Docker's default capabilities (no
    SYS_ADMIN), the Pro evaluator's 30 GiB memory limit, a network (online)."""
    from inspect_ai.solver import Generate, TaskState, solver
    from inspect_ai.util import sandbox

    @solver
    def probe():
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            script = (
                "grep CapEff /proc/self/status; ls /sys/class/net; cat /sys/fs/cgroup/memory.max "
                "2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"
            )
            result = await sandbox(GRADER_SERVICE).exec(["bash", "-c", script])
            state.store.set("probe", result.stdout)
            return state

        return solve

    task = swe_bench_pro(pro_checkout=pro.checkout, dataset=pro.rows, memory_mb=2048, cpus=1.0)
    log = inspect_eval(
        task, solver=probe(), model="mockllm/model", log_dir=str(tmp_path), display="none"
    )[0]
    sample = log.samples[0]
    assert sample.error is None, sample.error
    out = sample.store["probe"].split()
    assert int(out[1], 16) == 0xA80425FB  # Docker's default set, nothing added
    assert "eth0" in out and int(out[-1]) == PRO_MEMORY_MB * 1024 * 1024
    assert sample.metadata["grading"]["cap_add"] == []


def test_pro_gold_resolves_empty_does_not(pro):
    pro_instance = pro.instance
    gold, empty = grade_patches([(pro_instance, pro_instance.patch), (pro_instance, "")])
    assert gold.resolved and gold.outcome == "resolved", gold
    assert gold.grading_network == "online"
    assert gold.tests_status["FAIL_TO_PASS"]["failure"] == []
    assert not empty.resolved and empty.outcome == "unresolved"
    assert empty.tests_status["FAIL_TO_PASS"]["failure"] == pro_instance.FAIL_TO_PASS
    assert empty.tests_status["PASS_TO_PASS"]["failure"] == []


def test_pro_binary_hunks_are_stripped_as_the_pro_evaluator_does(pro):
    """A gold patch plus a binary file: Pro's evaluator drops the binary section and grades."""
    binary = (
        "diff --git a/docs/logo.png b/docs/logo.png\n"
        "new file mode 100644\n"
        "index 0000000..1b2c3d4\n"
        "GIT binary patch\n"
        "literal 4\n"
        "LcmZQzWMT#Y01f~L\n"
        "\n"
        "literal 0\n"
        "HcmV?d00001\n"
        "\n"
    )
    (result,) = grade_patches([(pro.instance, binary + pro.instance.patch)])
    assert result.outcome == "resolved", result
    assert result.binary_hunks_stripped == ["docs/logo.png"]


def test_pro_patch_that_does_not_apply(pro):
    pro_instance = pro.instance
    bad = pro_instance.patch.replace("def _split_pair", "def _no_such_line", 1)
    (result,) = grade_patches([(pro_instance, bad)])
    assert result.outcome == "patch_failed" and "Patch Apply Failed" in result.reason


def test_pro_run_script_that_needs_the_network_offline(pro):
    """Offline, a run script that must download first is unscored as needs_network, not 0."""
    instance = pro.needs_network
    (result,) = grade_patches(
        [(instance, instance.patch)], grading=GradingOptions(network="offline")
    )
    assert result.outcome == "needs_network" and not result.scored, result
    assert result.grading_network == "offline"
    assert "No matching distribution found" in result.reason


@pytest.mark.parametrize(("agent", "expected"), [("oracle", 100.0), ("null", 0.0)])
def test_swe_bench_pro_task(agent, expected, pro, tmp_path):
    """The whole task on the ENTRYPOINT-[/bin/bash] image: the agent's container starts, /app
    is scrubbed (the image holds the fix), grading runs in a fresh container."""
    task = swe_bench_pro(
        pro_checkout=pro.checkout, dataset=pro.rows, agent=agent, memory_mb=2048, cpus=1.0
    )
    log = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")[0]
    row = headline(log)
    assert row.samples == 1 and row.errors == 0 and row.unscored == 0
    assert row.score == expected
    score = next(iter(log.samples[0].scores.values()))
    assert score.metadata["outcome"] == ("resolved" if expected else "unresolved")
    assert score.metadata["grading_network"] == "online"
    assert not math.isnan(score.value)


def test_a_replaced_solver_still_runs_after_the_scrub(pro, tmp_path):
    """`--solver` replaces the task's solver, never its setup: the history scrub still runs."""
    from inspect_ai.solver import Generate, TaskState, solver
    from inspect_ai.util import sandbox

    @solver
    def look_at_history():
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            result = await sandbox().exec(["git", "log", "--all", "--format=%H"], cwd="/app")
            state.store.set("seen_history", result.stdout)
            return state

        return solve

    task = swe_bench_pro(pro_checkout=pro.checkout, dataset=pro.rows, memory_mb=2048, cpus=1.0)
    log = inspect_eval(
        task, solver=look_at_history(), model="mockllm/model", log_dir=str(tmp_path),
        display="none",
    )[0]  # fmt: skip
    sample = log.samples[0]
    assert sample.error is None, sample.error
    seen = sample.store["seen_history"].split()
    assert pro.instance.base_commit in seen and pro.fix not in seen
