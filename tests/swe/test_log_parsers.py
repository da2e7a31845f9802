"""swebench's log parsers on real logs of our eval scripts, one per language of the built-in set.

The logs under fixtures/logs were captured from the instance containers (eval script at
base_commit with the test patch applied: FAIL_TO_PASS fail, PASS_TO_PASS pass); the Docker
tests re-check the same on live output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from swebench.harness.grading import get_logs_eval
from swebench.harness.log_parsers import PARSER_REGISTRY
from swebench.harness.utils import make_test_spec

from longcat_evals.evals.swe.task import load_local
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

LOGS = Path(__file__).parent / "fixtures" / "logs"
CASES = {
    "python_pytest_base.log": "longcat__inikit-12",
    "javascript_tap_base.log": "longcat__slugkit-31",
    "go_gotest_base.log": "longcat__semver-44",
    "rust_cargo_base.log": "longcat__csvrow-15",
    "c_automake_base.log": "longcat__ringbuf-6",
}


@pytest.fixture(scope="module")
def instances():
    return {i.instance_id: i for i in load_local(BUILTIN_INSTANCES)}


@pytest.mark.parametrize("log_name", sorted(CASES))
def test_parser_reads_every_listed_test(log_name, instances):
    instance = instances[CASES[log_name]]
    spec = make_test_spec(instance.model_dump())
    status, found = get_logs_eval(spec, str(LOGS / log_name))
    assert found, f"{log_name}: swebench found no test results"
    for test in instance.FAIL_TO_PASS:
        assert status.get(test) == "FAILED", (test, status)
    for test in instance.PASS_TO_PASS:
        assert status.get(test) == "PASSED", (test, status)


def test_every_builtin_parser_has_a_real_log(instances):
    covered = {instances[iid].log_parser for iid in CASES.values()}
    assert covered == {i.log_parser for i in instances.values()}
    assert covered <= set(PARSER_REGISTRY)


def test_tap_names_keep_the_dash():
    # parse_log_tap keeps "- " of "ok 1 - name": the lists must use the parser's names.
    status = PARSER_REGISTRY["parse_log_tap"]("ok 1 - adds\nnot ok 2 - subtracts\n", None)
    assert status == {"- adds": "PASSED", "- subtracts": "FAILED"}
