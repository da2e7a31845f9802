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


# Output in the shape the tools print in our offline containers (network_mode: none).
CURL_DNS = "curl: (6) Could not resolve host: astral.sh\n"
GIT_DNS = (
    "Cloning into 'y'...\n"
    "fatal: unable to access 'https://github.com/x/y/': Could not resolve host: github.com\n"
)
PIP_RETRY = (
    "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) "
    "after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection."
    "HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] "
    "Temporary failure in name resolution')': /simple/pytest/\n"
)
PIP_NO_RETRY = (
    "ERROR: Could not find a version that satisfies the requirement pytest==8.4.1 "
    "(from versions: none)\nERROR: No matching distribution found for pytest==8.4.1\n"
)
APT = (
    "Ign:1 http://deb.debian.org/debian bookworm InRelease\n"
    "W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary "
    "failure resolving 'deb.debian.org'\n"
)
UV = (
    "error: Failed to fetch: `https://pypi.org/simple/pytest/`\n"
    "  Caused by: Request failed after 3 retries\n"
    "  Caused by: error sending request for url (https://pypi.org/simple/pytest/)\n"
    "  Caused by: client error (Connect)\n"
    "  Caused by: dns error: failed to lookup address information: Temporary failure in name "
    "resolution\n"
)
URLLIB = "urllib.error.URLError: <urlopen error [Errno -3] Temporary failure in name resolution>\n"
NPM = "npm ERR! request to https://registry.npmjs.org/x failed, reason: getaddrinfo EAI_AGAIN\n"
NO_CURL = (
    "bash: line 1: curl: command not found\n"
    "/tests/test.sh: line 3: /root/.local/bin/env: No such file or directory\n"
    "/tests/test.sh: line 4: uvx: command not found\n"
)
PYTEST_FAILED = """============================= test session starts ==============================
platform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0+repack
rootdir: /tests
collected 1 item

../tests/test_outputs.py F                                               [100%]

=================================== FAILURES ===================================
____________________________________ test_a ____________________________________

    def test_a():
>       assert open("/app/answer.txt").read().strip() == "42"
E       FileNotFoundError: [Errno 2] No such file or directory: '/app/answer.txt'

../tests/test_outputs.py:2: FileNotFoundError
=========================== short test summary info ============================
FAILED ../tests/test_outputs.py::test_a - FileNotFoundError: [Errno 2] No such file...
============================== 1 failed in 0.11s ===============================
"""
LOCAL_REFUSED = (
    "curl: (7) Failed to connect to localhost port 8000 after 0 ms: Couldn't connect to server\n"
)


def test_failure_evidence_from_real_tool_messages():
    for text in (CURL_DNS, GIT_DNS, PIP_RETRY, APT, UV, URLLIB, NPM):
        assert network.failure_evidence("ok\n" + text), text
    external = "curl: (7) Failed to connect to 93.184.216.34 port 443: Connection refused\n"
    assert network.failure_evidence(external)
    # A refused local port is the agent's missing service, not the outside world.
    assert network.failure_evidence(LOCAL_REFUSED) is None
    assert network.failure_evidence("curl: (7) Failed to connect to 127.0.0.1 port 80\n") is None
    assert network.failure_evidence(PYTEST_FAILED) is None


def test_tests_ran():
    assert network.tests_ran(PYTEST_FAILED)
    assert network.tests_ran("...\nRan 3 tests in 0.002s\n\nFAILED (failures=1)\n")
    assert network.tests_ran("============ no tests ran in 0.01s ============\n")
    for text in (CURL_DNS + NO_CURL, PIP_NO_RETRY, "echo hi\n"):
        assert not network.tests_ran(text)


def test_offline_evidence():
    curl = "curl -LsSf https://astral.sh/uv/0.7.13/install.sh | sh"
    uvx = "uvx -p 3.13 -w pytest==8.4.1 pytest /tests/test_outputs.py -rA"
    assert network.offline_evidence(NO_CURL, [curl, uvx]) == "bash: line 1: curl: command not found"
    assert network.offline_evidence(PIP_NO_RETRY, ["pip install pytest==8.4.1"])
    # A tool of no network line missing is the task's problem, not the network's.
    assert network.offline_evidence("bash: jq: command not found\n", [curl]) is None


def _verdict(value, offline, output, needs=(), lines=(), bakes=(), oracle=None):
    from longcat_evals.evals.terminal.rewards import Verdict
    from longcat_evals.evals.terminal.verify import network_verdict

    meta = {
        "offline": offline,
        "network_needs": list(needs),
        "script_network_lines": list(lines or needs),
        "oracle_network_evidence": oracle,
    }
    return network_verdict(Verdict(value, "reward.txt = x"), meta, output, list(bakes))


CURL = "curl -LsSf https://astral.sh/uv/install.sh | sh"


def test_needs_network_only_with_evidence():
    import math

    # Offline, the script's download failed (or could not start) and no tests ran: NaN.
    for output in (CURL_DNS, NO_CURL, UV):
        verdict = _verdict(0.0, True, output, needs=[CURL])
        assert math.isnan(verdict.value), output
        assert verdict.explanation.startswith(f"needs network: the test script runs `{CURL}`")
        assert "rerun with -T network=true" in verdict.explanation
        assert verdict.details["network_evidence"] and verdict.details["network_phase"] == "verify"
    # A failed bake (pip at build time) whose install then fails offline at test time.
    baked = _verdict(0.0, True, PIP_RETRY, lines=["pip install x"], bakes=["pip install x"])
    assert math.isnan(baked.value)
    # Online: the network lines ran and their access failed.
    online = _verdict(0.0, False, CURL_DNS, lines=[CURL])
    assert math.isnan(online.value) and "could not reach it" in online.explanation


def test_genuine_failures_keep_their_zero():
    # The tests ran and failed: the verdict stands even with a failed download before them
    # (apt-get update offline, say) and whatever the reward was.
    assert _verdict(0.0, True, APT + PYTEST_FAILED, needs=[CURL]).value == 0.0
    assert _verdict(0.0, True, CURL_DNS + PYTEST_FAILED, needs=[CURL]).value == 0.0
    # No evidence: a script with network lines that simply failed.
    assert _verdict(0.0, True, "assert 1 == 2\n", needs=[CURL]).value == 0.0
    assert _verdict(0.0, False, LOCAL_REFUSED, lines=[CURL]).value == 0.0
    # Evidence, but the script reaches no network (the agent's program tried): stands.
    assert _verdict(0.0, True, CURL_DNS).value == 0.0
    # Missing tools count only offline (online the script could have installed them).
    assert _verdict(0.0, False, NO_CURL, lines=[CURL]).value == 0.0
    # A pass stands, whatever the output says.
    assert _verdict(1.0, True, CURL_DNS, needs=[CURL]).value == 1.0


def test_oracle_network_failure_is_reported():
    import math

    evidence = "fatal: unable to access 'https://github.com/x/y/': Could not resolve host"
    verdict = _verdict(0.0, True, PYTEST_FAILED, oracle=evidence)
    assert math.isnan(verdict.value) and verdict.details["network_phase"] == "solution"
    assert "reference solution's network access failed" in verdict.explanation
    assert _verdict(1.0, True, "", oracle=evidence).value == 1.0
