"""Offline uv: what of a Terminal-Bench 2.x test script the stand-in satisfies, and how."""

from __future__ import annotations

import shlex

import pytest

from longcat_evals.evals.terminal import network, standins, uv_offline
from longcat_evals.sandboxes.errors import SandboxSetupError

# The three shapes seen in Terminal-Bench 2.x test scripts (our own text, same shape).
PLAIN = """#!/bin/bash
apt-get update
apt-get install -y curl
curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh
source $HOME/.local/bin/env
uvx \\
  -p 3.13 \\
  -w pytest==8.4.1 \\
  -w pytest-json-ctrf==0.3.5 \\
  pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA
if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt
fi
"""
GUARDED = """#!/bin/bash
if ! command -v uv &> /dev/null; then
    apt-get update && apt-get install -y curl
    (set -o pipefail; curl --fail -LsSf https://astral.sh/uv/0.10.11/install.sh | sh) || exit $?
fi
source $HOME/.local/bin/env
uvx -p 3.13 -w pytest==8.4.1 -w pytest-json-ctrf==0.3.5 -w numpy==2.3.1 pytest /tests/t.py -rA
"""
QUIET = """#!/bin/bash
apt-get update > /dev/null 2>&1
apt-get install -y curl > /dev/null 2>&1
curl -LsSf https://astral.sh/uv/install.sh | sh
source "$HOME/.local/bin/env"
set +e
uv tool run -p 3.12 --with pytest==8.4.1 pytest /tests/test_outputs.py -rA
"""


def _left(script):
    baked, left = network.plan(script)
    plan = uv_offline.plan(script)
    return baked, [line for line in left if line not in plan.satisfied], plan


def test_plain_shape_is_fully_satisfied():
    baked, left, plan = _left(PLAIN)
    assert baked == ["apt-get install -y curl"] and left == []
    assert plan.versions == ["0.9.5"]
    [call] = plan.calls
    assert call.options == ["-p", "3.13", "-w", "pytest==8.4.1", "-w", "pytest-json-ctrf==0.3.5"]
    assert call.tool == "pytest" and call.problem is None
    assert shlex.split(call.warm_command("/k/uvx")) == [
        "/k/uvx", "-p", "3.13", "-w", "pytest==8.4.1", "-w", "pytest-json-ctrf==0.3.5",
        "--from", "pytest", "python", "-c", "pass",
    ]  # fmt: skip


def test_guarded_and_quiet_shapes():
    _, left, plan = _left(GUARDED)
    assert left == [] and plan.versions == ["0.10.11"]
    assert plan.calls[0].options[-2:] == ["-w", "numpy==2.3.1"]
    assert "apt-get update && apt-get install -y curl" in plan.curl_setup
    _, left, plan = _left(QUIET)
    assert left == [] and plan.versions == [uv_offline.UV_DEFAULT_VERSION]  # unversioned URL
    assert plan.calls[0].options == ["-p", "3.12", "--with", "pytest==8.4.1"]


def test_curl_setup_packages_are_installed_at_build():
    """Offline `apt-get update` only warns (exit 0); the install then finds curl installed, so
    even a `set -e` script goes on."""
    script = "set -e\n" + GUARDED.split("\n", 1)[1]
    _, left, plan = _left(script)
    assert left == [] and plan.setup_packages == ["curl"]
    steps = uv_offline.dockerfile_steps(plan, "kit")
    assert "DEBIAN_FRONTEND=noninteractive apt-get install -y curl" in steps[0]
    assert uv_offline.dockerfile_steps(uv_offline.plan(PLAIN), "kit")[0].startswith("COPY")


@pytest.mark.parametrize(
    "line, problem",
    [
        ("uvx -p 3.13 --with-requirements /tests/req.txt pytest", "--with-requirements"),
        ("uvx -p 3.13 -w $PKG pytest", "shell variables"),
        ("uvx -p 3.13", "no tool named"),
    ],
)
def test_calls_that_cannot_be_warmed_stay_needs(line, problem):
    _, left, plan = _left(f"curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh\n{line}\n")
    assert problem in plan.calls[0].problem and left == [line]


def test_installer_line_with_another_download_stays_a_need():
    line = "curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh && git clone https://x.org/r"
    _, left, plan = _left(line + "\n")
    assert plan.versions == ["0.9.5"] and left == [line]


def test_installer_version_from_a_variable_stays_a_need():
    line = 'curl -LsSf "https://astral.sh/uv/${UV_VERSION}/install.sh" | sh'
    _, left, plan = _left(line + "\n")
    assert plan.versions == [] and left == [line]
    with pytest.raises(SandboxSetupError, match="not a release number"):
        standins.check_version("${UV_VERSION}")


def test_dockerfile_steps_warm_then_go_offline_and_record_failures():
    plan = uv_offline.plan(PLAIN)
    steps = uv_offline.dockerfile_steps(plan, "longcat-evals/uv-offline:abc")
    assert steps[0] == "COPY --from=longcat-evals/uv-offline:abc /kit/ /opt/longcat-evals/uv/"
    warm, offline_on, check = steps[2], steps[3], steps[4]  # PLAIN's curl install is baked
    assert "UV_OFFLINE=0 /opt/longcat-evals/uv/0.9.5/uvx -p 3.13" in warm
    assert offline_on.endswith("/etc/uv/uv.toml")
    assert "UV_OFFLINE" not in check and "offline check failed" in check
    # A warm-up that fails is written where the verifier looks, never silently dropped.
    assert all(network.BAKE_FAILED_FILE in step for step in (warm, check))
    assert steps[-1].startswith("RUN chmod -R a+rwX /opt/longcat-evals/uv-cache")
    assert plan.record()[0].startswith("uv installer 0.9.5: answered by a local installer")


def test_online_only_the_installer_is_answered():
    """With the network on (astral.sh unreachable, PyPI reachable) uv is not forced offline."""
    plan = uv_offline.plan(GUARDED)
    plan.offline = False
    steps = uv_offline.dockerfile_steps(plan, "kit", offline=False)
    assert steps == [
        "COPY --from=kit /kit/ /opt/longcat-evals/uv/",
        "RUN sh /opt/longcat-evals/uv/setup.sh",
    ]
    assert not any("cached at build" in line for line in plan.record())
