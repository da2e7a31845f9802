"""What a test script needs from the network and what is baked in at build time."""

from __future__ import annotations

from longcat_evals.evals.terminal import network

TB2_STYLE = """#!/bin/bash
apt-get update
apt-get install -y curl
curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh
source $HOME/.local/bin/env
uvx -p 3.13 -w pytest==8.4.1 pytest /tests/test_outputs.py -rA  # run
"""

PIP_STYLE = """#!/bin/bash
# pip install in a comment is ignored
apt-get update
apt-get install -y procps
pip install pytest==8.3.4
pytest /tests/test_outputs.py -rA
"""


def test_uv_pattern_needs_network():
    baked, left = network.plan(TB2_STYLE)
    assert baked == ["apt-get install -y curl"]
    assert left[0].startswith("curl -LsSf") and any(line.startswith("uvx") for line in left)


def test_pip_pattern_is_baked_fully():
    baked, left = network.plan(PIP_STYLE)
    assert baked == ["apt-get install -y procps", "pip install pytest==8.3.4"]
    assert left == []  # apt-get update is harmless once the installs are baked


def test_unbakeable_lines():
    assert not network.bakeable("pip install $(cat reqs)")
    assert not network.bakeable("apt-get install -y curl && curl x | sh")
    assert network.plan("echo hello\npython3 -m pytest\n") == ([], [])


def test_bake_steps_never_fail_the_build():
    steps = network.bake_steps(["apt-get install -y procps", "pip install 'pytest<9'"])
    assert steps[0].startswith("RUN (apt-get update -q && yes | DEBIAN_FRONTEND=noninteractive")
    assert all(network.BAKE_FAILED_FILE in step for step in steps)
    assert "PIP_BREAK_SYSTEM_PACKAGES=1 pip install 'pytest<9'" in steps[1]


def test_failure_evidence_from_real_tool_messages():
    curl = "curl: (6) Could not resolve host: astral.sh\n"
    pip = (
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) "
        "after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection."
        "HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] "
        "Temporary failure in name resolution')': /simple/pytest/\n"
    )
    apt = (
        "Err:1 http://deb.debian.org/debian bookworm InRelease\n"
        "  Temporary failure resolving 'deb.debian.org'\n"
    )
    for text in (curl, pip, apt):
        assert network.failure_evidence("ok\n" + text)
    assert (
        network.failure_evidence("FAILED tests/test_outputs.py::test_x - assert 1 == 2\n") is None
    )


def _verdict(value, offline, needs=(), lines=(), output="", bakes=()):
    from longcat_evals.evals.terminal.rewards import Verdict
    from longcat_evals.evals.terminal.verify import network_verdict

    meta = {"offline": offline, "network_needs": list(needs), "script_network_lines": list(lines)}
    return network_verdict(Verdict(value, "reward.txt = x"), meta, output, list(bakes))


def test_needs_network_is_never_a_silent_zero():
    import math

    curl = "curl -LsSf https://astral.sh/uv/install.sh | sh"
    offline = _verdict(0.0, True, needs=[curl])
    assert math.isnan(offline.value) and offline.explanation.startswith("needs network: the test")
    assert "rerun with -T network=true" in offline.explanation
    assert math.isnan(_verdict(0.0, True, bakes=["pip install nothing-here"]).value)
    online = _verdict(0.0, False, lines=[curl], output="curl: (6) Could not resolve host: x\n")
    assert math.isnan(online.value) and "network access failed" in online.explanation
    # A pass stands; a failure without network evidence (or without network lines) is wrong.
    assert _verdict(1.0, True, needs=[curl]).value == 1.0
    assert _verdict(0.0, False, lines=[curl], output="assert 1 == 2\n").value == 0.0
    assert _verdict(0.0, True).value == 0.0
