"""Environment resolution without containers: stripped-file builds, compose keys."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from longcat_evals.evals.terminal import compose_env, environment
from longcat_evals.evals.terminal.loader import load_task

FIXTURES = Path(__file__).parent / "fixtures"


def _tb1(tmp_path, dockerfile: str):
    task = tmp_path / "t"
    shutil.copytree(FIXTURES / "tb1-count-words", task)
    (task / "Dockerfile").write_text(dockerfile)
    return load_task(task)


@pytest.mark.parametrize(
    "line, needed",
    [
        ("COPY tests/ /app/tests/", "tests"),
        ("COPY ./run-tests.sh /x", "run-tests.sh"),
        ('COPY ["solution.yaml", "/s"]', "solution.yaml"),
        ("ADD --chown=1 tests/test_outputs.py /t.py", "tests/test_outputs.py"),
    ],
)
def test_copy_of_a_stripped_file_is_one_line_reason(tmp_path, line, needed):
    task = _tb1(tmp_path, f"FROM python:3.13\n{line}\n")
    reason = environment.stripped_copy(task, task.dockerfile, task.context)
    assert reason.startswith(f"terminal task 't': Dockerfile line 2 `{line}` needs {needed},")
    assert "\n" not in reason


@pytest.mark.parametrize(
    "line", ["COPY . /app/", "COPY *.yaml /app/", "COPY --from=build /tests /tests", "COPY $X /a"]
)
def test_copies_that_still_build_are_not_refused(tmp_path, line):
    """`COPY . ` and globs build without the hidden files (they are just not in the copy)."""
    task = _tb1(tmp_path, f"FROM python:3.13\n{line}\n")
    assert environment.stripped_copy(task, task.dockerfile, task.context) is None


def test_compose_command_and_limits():
    assert compose_env.own_command(["sh", "-c", "sleep infinity"]) is None
    assert compose_env.own_command("sleep infinity") is None
    assert compose_env.own_command(None) is None
    assert compose_env.own_command(["sh", "-c", "nginx && sleep infinity"]) == (
        "nginx && sleep infinity"
    )
    assert compose_env.own_command(["redis-server", "--port", "1 2"]) == "redis-server --port '1 2'"
    assert compose_env.service_limits({"cpus": "2", "mem_limit": "4g"}) == {
        "cpus": 2.0,
        "memory_mb": 4096.0,
    }
    deploy = {"deploy": {"resources": {"limits": {"cpus": "0.5", "memory": "512M"}}}}
    assert compose_env.service_limits(deploy) == {"cpus": 0.5, "memory_mb": 512.0}
    assert compose_env.service_limits({"mem_limit": "lots"}) == {}
