"""Grading network and capabilities as the official harnesses grade, in real containers.

- The grader service's network (`online`: the outside, as swebench and the Pro evaluator
  grade, but not this host; `offline`: none, with the offline knobs), capabilities (Docker's
  default set plus SYS_ADMIN for swebench), limits (cgroup memory, pids, CPU) and
  `no-new-privileges`, read from the running grader itself.
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
    GradingOptions,
    GradingPolicy,
    official_policy,
)
from longcat_evals.evals.swe.samples import swe_dataset
from longcat_evals.evals.swe.scorer import swe_scorer
from longcat_evals.evals.swe.solvers import hide_future, swe_oracle
from longcat_evals.evals.swe.validate import grade_patches
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


# Docker's default capability set (moby's oci/caps/defaults.go): CHOWN DAC_OVERRIDE FSETID
# FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL
# AUDIT_WRITE, as the bits of /proc/<pid>/status CapEff.
DOCKER_DEFAULT_CAPS = 0x00000000A80425FB
SYS_ADMIN_BIT = 1 << 21
LIMITS_PROBE = (
    "grep -E 'CapEff|NoNewPrivs' /proc/self/status; "
    "echo mem=$(cat /sys/fs/cgroup/memory.max 2>/dev/null "
    "|| cat /sys/fs/cgroup/memory/memory.limit_in_bytes); "
    "echo pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max); "
    "v1=/sys/fs/cgroup/cpu; echo cpu=$(cat /sys/fs/cgroup/cpu.max 2>/dev/null "
    "|| echo $(cat $v1/cpu.cfs_quota_us) $(cat $v1/cpu.cfs_period_us)); "
    "echo nets=$(ls /sys/class/net | tr '\\n' ,); env | grep PIP_ || true"
)


def _fields(out: str) -> dict[str, str]:
    pairs = [line.replace(":\t", "=", 1).split("=", 1) for line in out.splitlines()]
    return {key.strip(): value.strip() for key, value in (p for p in pairs if len(p) == 2)}


def test_official_policies(pip_instance, builtin):
    verified = official_policy(pip_instance.instance)
    assert verified.network == "online" and verified.cap_add == ("SYS_ADMIN",)
    assert verified.test_timeout_sec == 1800
    local = official_policy(builtin["longcat__inikit-12"])
    assert local.network == "offline" and local.cap_add == ("SYS_ADMIN",)
    assert official_policy(pip_instance.instance, network="offline").network == "offline"


def test_the_running_grader_has_the_policys_network_capabilities_and_limits(builtin, in_graders):
    instance = builtin["longcat__inikit-12"]
    limits = SandboxLimits(cpus=1.5, memory_mb=1536, pids=700)
    policies = [
        GradingPolicy(network="online", limits=limits),  # as swebench grades
        GradingPolicy(network="offline", limits=limits),
        GradingPolicy(network="online", cap_add=(), limits=limits),  # as the Pro evaluator
    ]
    online, offline, pro = (
        _fields(out)
        for code, out in in_graders([(instance, policy, LIMITS_PROBE) for policy in policies])
    )
    for probe in (online, offline, pro):
        assert probe["NoNewPrivs"] == "1"
        assert int(probe["mem"]) == 1536 * 1024 * 1024, probe
        assert probe["pids"] == "700" and probe["cpu"] == "150000 100000", probe
    # Docker's default set (not the agent's reduced one), plus SYS_ADMIN as swebench grades.
    assert int(online["CapEff"], 16) == DOCKER_DEFAULT_CAPS | SYS_ADMIN_BIT
    assert int(offline["CapEff"], 16) == DOCKER_DEFAULT_CAPS | SYS_ADMIN_BIT
    assert int(pro["CapEff"], 16) == DOCKER_DEFAULT_CAPS
    assert "eth0" in online["nets"].split(",") and "PIP_NO_INDEX" not in online
    assert offline["nets"] == "lo," and offline["PIP_NO_INDEX"] == OFFLINE_ENV["PIP_NO_INDEX"]


def test_online_grading_reaches_the_outside_but_not_this_host(builtin, in_graders, network_reach):
    reach = network_reach
    instance = builtin["longcat__inikit-12"]
    command = reach.command([reach.peer, *reach.host_targets])
    ((code, out),) = in_graders([(instance, GradingPolicy(network="online"), command)])
    verdicts = reach.verdicts(out)
    assert verdicts[reach.peer] == "open", out
    for target in reach.host_targets:
        assert verdicts[target] == "blocked", out
    assert reach.listener.accepted == 0


def test_sys_admin_as_swebench_grants_it_and_pro_does_not(builtin, in_graders):
    instance = builtin["longcat__inikit-12"]
    userns = "unshare --user --map-root-user true && echo userns-ok"
    (granted, denied) = in_graders(
        [(instance, GradingPolicy(cap_add=("SYS_ADMIN",)), userns),
         (instance, GradingPolicy(cap_add=()), userns)]
    )  # fmt: skip
    assert granted[0] == 0 and "userns-ok" in granted[1]
    assert denied[0] != 0 and "Operation not permitted" in denied[1]


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
    (granted,) = grade_patches([(instance, instance.patch)])
    assert granted.outcome == "resolved", granted
    official = official_policy(instance)
    denied = GradingPolicy(network=official.network, cap_add=())
    (result,) = grade_patches([(instance, instance.patch)], grading=denied)
    assert result.outcome == "no_test_results" and "Operation not permitted" in result.log_tail


@pytest.mark.parametrize("network", ["online", "offline"])
def test_gold_and_null_with_pip_install(network, pip_instance):
    instance = pip_instance.instance
    grading = GradingOptions(network=network)
    gold, null = grade_patches([(instance, instance.patch), (instance, "")], grading=grading)
    assert gold.outcome == "resolved" and gold.grading_network == network, gold
    assert null.outcome == "unresolved" and null.scored


@pytest.mark.parametrize("network", ["online", "offline"])
def test_broken_import_is_unresolved_not_an_error(network, pip_instance):
    instance = pip_instance.instance
    grading = GradingOptions(network=network)
    (result,) = grade_patches([(instance, pip_instance.broken)], grading=grading)
    assert not result.resolved and result.scored
    assert result.outcome == "no_test_results", result
    # swebench's advisory verdict, exactly: a missing module is the ambiguous tier.
    assert result.infra_failure is False and result.infra_failure_reason == "missing_module"
    assert "test command exit code: " in result.reason
    assert result.test_exit_code not in (None, 0)
    assert result.grading_network == network


def test_patch_needing_a_download_offline_is_needs_network(pip_instance):
    instance = pip_instance.instance
    grading = GradingOptions(network="offline")
    (result,) = grade_patches([(instance, pip_instance.new_dependency)], grading=grading)
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
            dataset=swe_dataset(
                "swe_offline",
                [pip_instance.instance],
                limits,
                GradingOptions(network="offline", limits=limits),
            ),
            setup=[hide_future()],
            solver=agent,
            scorer=swe_scorer(),
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


def test_headless_chromium_with_its_sandbox_needs_sys_admin(chromium_image, builtin, in_graders):
    launch = (
        "runuser -u tester -- chromium --headless --disable-gpu --no-first-run "
        "--dump-dom 'data:text/html,<p id=x>rendered</p>'"
    )
    # A grader of the Chromium image (a local one, as the built-in instances' are).
    instance = builtin["longcat__inikit-12"].model_copy(update={"image": chromium_image})
    granted, denied = in_graders(
        [(instance, GradingPolicy(network="offline", cap_add=("SYS_ADMIN",)), launch),
         (instance, GradingPolicy(network="offline", cap_add=()), launch)]
    )  # fmt: skip
    assert granted[0] == 0 and '<p id="x">rendered</p>' in granted[1], granted[1][-500:]
    assert denied[0] != 0 and "No usable sandbox" in denied[1]
