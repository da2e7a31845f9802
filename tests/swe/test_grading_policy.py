"""Grading network and capabilities as the official harnesses grade, in real containers.

- The grading container's network (`online`: Docker's bridge, as swebench and the Pro evaluator
  grade; `offline`: none, with the offline knobs), capabilities (SYS_ADMIN for swebench, none
  for Pro) and `no-new-privileges`.
- An instance whose eval script runs `pip install -e .` before the tests, as 498 of 500
  Verified eval scripts do (a setuptools project: with build isolation pip must fetch the build
  backend): a patch that breaks imports is unresolved (0, not an error) with swebench's
  infrastructure flags in the metadata, online and offline; a patch that adds a dependency the
  image lacks is `needs_network` (NaN, unscored) offline.
- A browser-style test: the suite runs in a new user namespace (what Chromium's sandbox does),
  which Docker's seccomp profile allows only with SYS_ADMIN; and Debian's real Chromium,
  headless with its sandbox, as a non-root user (karma/puppeteer suites launch it so).
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.swe.adapters import from_local_row
from longcat_evals.evals.swe.environment import ensure_local_image
from longcat_evals.evals.swe.grading import (
    OFFLINE_ENV,
    GradingContainer,
    GradingPolicy,
    grade,
    official_policy,
)
from longcat_evals.evals.swe.samples import swe_dataset
from longcat_evals.evals.swe.scorer import swe_scorer
from longcat_evals.evals.swe.solvers import hide_future, swe_oracle
from longcat_evals.results.scoring import headline
from longcat_evals.sandboxes import images
from longcat_evals.sandboxes.compose import SandboxLimits
from longcat_evals.sandboxes.errors import ImageBuildError
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

pytestmark = [pytest.mark.docker, pytest.mark.slow]

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "minicalc"
version = "0.1.0"
dependencies = []

[tool.setuptools]
packages = ["minicalc"]
package-dir = {"" = "src"}
"""
CORE = "def add(a, b):\n    return a - b\n"
FILES = {
    "pyproject.toml": PYPROJECT,
    ".gitignore": "*.egg-info/\n__pycache__/\n",
    # src layout: only the installed package is importable (not the checkout's root).
    "src/minicalc/__init__.py": "from .core import add\n\n__all__ = ['add']\n",
    "src/minicalc/core.py": CORE,
    # As in many repositories, the suite's conftest imports the package under test: a patch
    # that breaks imports leaves no test result to parse.
    "tests/conftest.py": "import minicalc  # noqa: F401\n",
    "tests/test_core.py": "from minicalc import add\n\n\ndef test_add_zero():\n"
    "    assert add(0, 0) == 0\n",
}
TEST_PATCH_BODY = "\n\ndef test_add():\n    assert add(2, 3) == 5\n"
# The Verified eval script shape (swebench's make_eval_script_list for a pip-installed repo).
EVAL_SCRIPT = """#!/bin/bash
set -uxo pipefail
source /opt/venv/bin/activate
cd /testbed
git config --global --add safe.directory /testbed
cd /testbed
git status
git -c core.fileMode=false diff {base}
python -m pip install -e .
git checkout {base} tests/test_core.py
git apply -v - <<'EOF_114329324912'
{test_patch}EOF_114329324912
: '>>>>> Start Test Output'
python -m pytest -rA -p no:cacheprovider tests/test_core.py
: '>>>>> End Test Output'
git checkout {base} tests/test_core.py
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def _diff(repo: Path, edit) -> str:
    """The diff of EDIT applied to REPO's tree (then reset)."""
    edit(repo)
    diff = _git(repo, "diff")
    _git(repo, "checkout", "--", ".")
    return diff


@pytest.fixture(scope="module")
def pip_instance(tmp_path_factory, docker_engine):
    repo = tmp_path_factory.mktemp("minicalc")
    _git(repo, "init", "-q", "-b", "main")
    for name, text in FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "minicalc")
    base = _git(repo, "rev-parse", "HEAD").strip()
    fix = "def add(a, b):\n    return a + b\n"
    gold = _diff(repo, lambda r: (r / "src/minicalc/core.py").write_text(fix))
    test_file = repo / "tests/test_core.py"
    test_patch = _diff(
        repo, lambda r: test_file.write_text(FILES["tests/test_core.py"] + TEST_PATCH_BODY)
    )
    broken = _diff(
        repo, lambda r: (r / "src/minicalc/__init__.py").write_text("from .cores import add\n")
    )

    def add_dependency(r: Path) -> None:
        (r / "src/minicalc/core.py").write_text(f"import longcat_absent_dep  # noqa: F401\n\n{fix}")
        (r / "pyproject.toml").write_text(
            PYPROJECT.replace("dependencies = []", 'dependencies = ["longcat-absent-dep"]')
        )

    new_dependency = _diff(repo, add_dependency)
    row = {
        "instance_id": "longcat__minicalc-1",
        "repo": "longcat/minicalc",
        "base_commit": base,
        "problem_statement": "add() subtracts instead of adding.",
        "patch": gold,
        "test_patch": test_patch,
        "FAIL_TO_PASS": ["tests/test_core.py::test_add"],
        "PASS_TO_PASS": ["tests/test_core.py::test_add_zero"],
        "language": "python",
        "log_parser": "parse_log_pytest",
        "environment": {
            "toolchain": "python",
            "repo_source": str(repo),
            # Installed at build time with the image's own setuptools (the build has no network).
            "setup": [
                "python3 -m venv --system-site-packages /opt/venv",
                "/opt/venv/bin/pip install -q --no-index --no-build-isolation -e .",
            ],
            "test_cmd": "pytest -rA tests/test_core.py",
        },
    }
    local = from_local_row(row, repo, "fixture")
    image = ensure_local_image(local, log=lambda _: None)
    # Graded as a Verified row: the prebuilt image and the official eval script shape.
    instance = local.model_copy(
        update={
            "image": image,
            "environment": None,
            "eval_script": EVAL_SCRIPT.format(base=base, test_patch=test_patch),
        }
    )
    yield SimpleNamespace(instance=instance, broken=broken, new_dependency=new_dependency)
    subprocess.run(["docker", "rmi", "-f", image], capture_output=True)


def _in_container(policy: GradingPolicy, image: str, script: str) -> tuple[int, str]:
    async def run():
        async with GradingContainer(image, "/", policy) as box:
            return await box.sh(script)

    return asyncio.run(run())


def test_official_policies(pip_instance, builtin):
    verified = official_policy(pip_instance.instance)
    assert verified.network == "online" and verified.cap_add == ("SYS_ADMIN",)
    assert verified.test_timeout_sec == 1800
    local = official_policy(builtin["longcat__inikit-12"])
    assert local.network == "offline" and local.cap_add == ("SYS_ADMIN",)
    assert official_policy(pip_instance.instance, network="offline").network == "offline"


def test_grading_container_network_and_privileges(builtin):
    image = builtin["longcat__inikit-12"].image
    probe = "ls /sys/class/net; grep NoNewPrivs /proc/self/status; env | grep PIP_ || true"
    code, online = _in_container(GradingPolicy(network="online"), image, probe)
    assert code == 0 and "eth0" in online.split()
    assert "NoNewPrivs:\t1" in online and "PIP_NO_INDEX" not in online
    code, offline = _in_container(GradingPolicy(network="offline"), image, probe)
    assert code == 0 and offline.split()[0] == "lo" and "eth0" not in offline.split()
    assert f"PIP_NO_INDEX={OFFLINE_ENV['PIP_NO_INDEX']}" in offline


def test_sys_admin_as_swebench_grants_it_and_pro_does_not(builtin):
    image = builtin["longcat__inikit-12"].image
    userns = "unshare --user --map-root-user true && echo userns-ok"
    code, out = _in_container(GradingPolicy(cap_add=("SYS_ADMIN",)), image, userns)
    assert code == 0 and "userns-ok" in out
    code, out = _in_container(GradingPolicy(cap_add=()), image, userns)
    assert code != 0 and "Operation not permitted" in out


def test_browser_style_suite_needs_sys_admin(builtin):
    """A suite that runs inside a new user namespace, as Chromium's sandbox does (karma,
    puppeteer): graded as swebench grades (SYS_ADMIN) the gold patch resolves; without the
    capability the suite cannot start and nothing is parsed."""
    row = json.loads(BUILTIN_INSTANCES.read_text().splitlines()[0])
    assert row["instance_id"] == "longcat__inikit-12"
    row["environment"]["test_cmd"] = (
        "unshare --user --map-root-user " + row["environment"]["test_cmd"]
    )
    instance = from_local_row(row, BUILTIN_INSTANCES.parent, "fixture")
    instance = instance.model_copy(update={"image": builtin["longcat__inikit-12"].image})
    granted = asyncio.run(grade(instance, instance.patch))
    assert granted.outcome == "resolved", granted
    denied = official_policy(instance)
    denied = GradingPolicy(network=denied.network, cap_add=())
    result = asyncio.run(grade(instance, instance.patch, policy=denied))
    assert result.outcome == "no_test_results" and "Operation not permitted" in result.log_tail


@pytest.mark.parametrize("network", ["online", "offline"])
def test_gold_and_null_with_pip_install(network, pip_instance):
    instance = pip_instance.instance
    policy = official_policy(instance, network=network)
    gold = asyncio.run(grade(instance, instance.patch, policy=policy))
    assert gold.outcome == "resolved" and gold.grading_network == network, gold
    null = asyncio.run(grade(instance, "", policy=policy))
    assert null.outcome == "unresolved" and null.scored


@pytest.mark.parametrize("network", ["online", "offline"])
def test_broken_import_is_unresolved_not_an_error(network, pip_instance):
    instance = pip_instance.instance
    policy = official_policy(instance, network=network)
    result = asyncio.run(grade(instance, pip_instance.broken, policy=policy))
    assert not result.resolved and result.scored
    assert result.outcome == "no_test_results", result
    # swebench's advisory verdict, exactly: a missing module is the ambiguous tier.
    assert result.infra_failure is False and result.infra_failure_reason == "missing_module"
    assert "test command exit code: " in result.reason
    assert result.test_exit_code not in (None, 0)
    assert result.grading_network == network


def test_patch_needing_a_download_offline_is_needs_network(pip_instance):
    instance = pip_instance.instance
    policy = official_policy(instance, network="offline")
    result = asyncio.run(grade(instance, pip_instance.new_dependency, policy=policy))
    assert result.outcome == "needs_network" and not result.scored, result
    assert "longcat-absent-dep" in result.reason


def test_offline_grading_is_visible_per_sample_and_unscored_is_not_zero(pip_instance, tmp_path):
    """Through Inspect: metadata says `grading_network: offline`; a needs_network sample is NaN
    (unscored in the table), the oracle sample resolves."""
    from inspect_ai.solver import Generate, TaskState, solver
    from inspect_ai.util import sandbox

    @solver
    def add_dependency():
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            await sandbox().write_file("/tmp/dep.diff", pip_instance.new_dependency)
            await sandbox().exec(["git", "apply", "/tmp/dep.diff"], cwd="/testbed")
            return state

        return solve

    limits = SandboxLimits(memory_mb=2048)
    rows = {}
    for agent, name in ((swe_oracle(), "oracle"), (add_dependency(), "dependency")):
        task = Task(
            dataset=swe_dataset("swe_offline", [pip_instance.instance], limits),
            setup=[hide_future()],
            solver=agent,
            scorer=swe_scorer(limits=limits, grading_network="offline"),
        )
        log = inspect_eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")[0]
        score = next(iter(log.samples[0].scores.values()))
        assert score.metadata["grading_network"] == "offline"
        rows[name] = (headline(log), score)
    row, score = rows["oracle"]
    assert row.score == 100.0 and score.metadata["outcome"] == "resolved"
    row, score = rows["dependency"]
    assert math.isnan(score.value) and score.metadata["outcome"] == "needs_network"
    assert row.unscored == 1 and row.errors == 0 and row.score == 0.0


CHROMIUM_DOCKERFILE = """FROM {base}
RUN apt-get update -q && apt-get install -y -q --no-install-recommends chromium \\
 && rm -rf /var/lib/apt/lists/* && useradd -m tester
"""


@pytest.fixture(scope="module")
def chromium_image(docker_engine, tmp_path_factory) -> str:
    """Debian's Chromium on the base image (built once, ~1.3 GB, ~2 min; kept for reuse)."""
    recipe = CHROMIUM_DOCKERFILE.format(base=images.ensure_base(log=lambda _: None))
    tag = images.tag_for("swe-chromium-probe", images.hash_inputs(recipe))
    if not images.image_exists(tag):
        context = tmp_path_factory.mktemp("chromium")
        (context / "Dockerfile").write_text(recipe)
        try:
            images.build_image(tag, context, log=lambda _: None)
        except ImageBuildError as e:  # needs a Debian mirror at build time
            pytest.skip(f"could not install Debian's chromium into an image: {e}")
    return tag


def test_headless_chromium_with_its_sandbox_needs_sys_admin(chromium_image):
    launch = (
        "runuser -u tester -- chromium --headless --disable-gpu --no-first-run "
        "--dump-dom 'data:text/html,<p id=x>rendered</p>'"
    )
    offline = GradingPolicy(network="offline", cap_add=("SYS_ADMIN",))
    code, out = _in_container(offline, chromium_image, launch)
    assert code == 0 and '<p id="x">rendered</p>' in out, out[-500:]
    code, out = _in_container(GradingPolicy(network="offline", cap_add=()), chromium_image, launch)
    assert code != 0 and "No usable sandbox" in out
