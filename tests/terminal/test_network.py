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
