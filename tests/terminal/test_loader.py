"""Loader: every field of both formats read from fixture dirs; malformed tasks; selection."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from longcat_evals.evals.terminal.loader import TaskLoadError, discover, load_all, load_task
from longcat_evals.evals.terminal.task import BUILTIN_SUITE

FIXTURES = Path(__file__).parent / "fixtures"


def test_harbor_fields_third_party_dir():
    task = load_task(FIXTURES / "hello-harbor")
    assert task.format == "harbor" and task.id == "hello-harbor"
    assert task.instruction.startswith("Create a file `/app/hello.txt`")
    assert (task.category, task.difficulty, task.tags) == (
        "file-operations",
        "easy",
        ["hello", "files"],
    )
    assert (task.agent_timeout_sec, task.verifier_timeout_sec, task.build_timeout_sec) == (
        300,
        120,
        600,
    )
    assert (task.cpus, task.memory_mb, task.storage_mb) == (1, 1024, 4096)
    assert task.allow_internet is False
    assert task.docker_image == "janedoe/hello-harbor:1.0"
    assert task.dockerfile == FIXTURES.resolve() / "hello-harbor/environment/Dockerfile"
    assert task.context == task.dockerfile.parent and task.compose_file is None
    assert task.test_script.name == "test.sh" and task.tests_dir.name == "tests"
    assert task.solution_dir.name == "solution" and "GREETING" in task.solution_script
    assert task.verifier_env == {"GREETING_FILE": "/app/hello.txt"}
    assert task.solution_env == {"GREETING": "Hello, world!"}
    assert task.parser == "reward_file"


def test_harbor_prebuilt_image_only():
    task = load_task(FIXTURES / "prebuilt-image")
    assert task.docker_image == "ubuntu:24.04"
    assert task.dockerfile is None and task.compose_file is None


def test_harbor_defaults():
    task = load_task(FIXTURES / "broken-build")
    assert (task.agent_timeout_sec, task.verifier_timeout_sec) == (600, 600)
    assert task.allow_internet is True  # Harbor's default
    assert task.memory_mb is None and task.category is None


def test_tb1_fields_instruction_and_solution_yaml():
    task = load_task(FIXTURES / "tb1-count-words")
    assert task.format == "tb1" and task.parser == "pytest"
    assert task.instruction.startswith("Count the words")
    assert (task.category, task.difficulty, task.tags) == (
        "text-processing",
        "easy",
        ["wc", "files"],
    )
    assert (task.agent_timeout_sec, task.verifier_timeout_sec) == (200, 60)
    assert task.dockerfile.name == "Dockerfile" and task.compose_file.name == "docker-compose.yaml"
    assert task.test_script.name == "run-tests.sh" and task.tests_dir.name == "tests"
    assert task.solution_script == "cd /app\nwc -w < input.txt | tr -d ' ' > count.txt\n"
    assert task.verifier_env == {"TEST_DIR": "/tests"}


def test_tb1_descriptions_compose_and_solution_sh():
    task = load_task(FIXTURES / "tb1-two-services")
    assert task.instruction.startswith("A service named `api`")
    assert task.dockerfile is None and task.compose_file.name == "docker-compose.yaml"
    assert task.solution_script.startswith("#!/bin/bash")
    assert (task.agent_timeout_sec, task.verifier_timeout_sec) == (120, 60)


def _copy(tmp_path: Path, name: str, source: str = "hello-harbor") -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / source, target)
    return target


@pytest.mark.parametrize(
    "name, break_it, where",
    [
        (
            "bad-toml",
            lambda d: (d / "task.toml").write_text("[agent\ntimeout_sec = 1"),
            "task.toml: invalid TOML",
        ),
        (
            "bad-type",
            lambda d: (d / "task.toml").write_text('[environment]\ncpus = "many"\n'),
            "task.toml: environment.cpus",
        ),
        (
            "bad-memory",
            lambda d: (d / "task.toml").write_text('[environment]\nmemory = "lots"\n'),
            "task.toml: environment.memory",
        ),
        (
            "no-instruction",
            lambda d: (d / "instruction.md").unlink(),
            "instruction.md: missing or empty",
        ),
        (
            "empty-instruction",
            lambda d: (d / "instruction.md").write_text("  \n"),
            "instruction.md: missing or empty",
        ),
        ("no-tests", lambda d: shutil.rmtree(d / "tests"), "tests/test.sh: missing"),
        (
            "no-env",
            lambda d: shutil.rmtree(d / "environment") or (d / "task.toml").write_text(""),
            "environment/: no Dockerfile",
        ),
    ],
)
def test_malformed_harbor(tmp_path, name, break_it, where):
    directory = _copy(tmp_path, name)
    break_it(directory)
    with pytest.raises(TaskLoadError) as caught:
        load_task(directory)
    message = str(caught.value)
    assert message.startswith(f"terminal task '{name}': {where}")
    assert "\n" not in message


@pytest.mark.parametrize(
    "name, break_it, where",
    [
        (
            "bad-yaml",
            lambda d: (d / "task.yaml").write_text("instruction: [unclosed\n"),
            "task.yaml: invalid YAML",
        ),
        (
            "not-mapping",
            lambda d: (d / "task.yaml").write_text("- a\n- b\n"),
            "task.yaml: expected a mapping",
        ),
        (
            "no-instruction",
            lambda d: (d / "task.yaml").write_text("difficulty: easy\n"),
            "task.yaml: instruction: missing",
        ),
        (
            "bad-parser",
            lambda d: (d / "task.yaml").write_text("instruction: x\nparser_name: swelancer\n"),
            "task.yaml: parser_name",
        ),
        ("no-run-tests", lambda d: (d / "run-tests.sh").unlink(), "run-tests.sh: missing"),
        ("no-tests-dir", lambda d: shutil.rmtree(d / "tests"), "tests/: missing"),
        (
            "bad-solution",
            lambda d: (d / "solution.yaml").write_text("- command: 3\n"),
            "solution.yaml: [0].command",
        ),
    ],
)
def test_malformed_tb1(tmp_path, name, break_it, where):
    directory = _copy(tmp_path, name, "tb1-count-words")
    break_it(directory)
    with pytest.raises(TaskLoadError) as caught:
        load_task(directory)
    assert str(caught.value).startswith(f"terminal task '{name}': {where}")
    assert "\n" not in str(caught.value)


def test_undecodable_file_is_a_load_error(tmp_path):
    directory = _copy(tmp_path, "latin1")
    (directory / "instruction.md").write_bytes(b"caf\xe9 au lait\n")
    with pytest.raises(TaskLoadError, match="terminal task 'latin1': instruction.md: not UTF-8"):
        load_task(directory)


def test_missing_solution_is_not_a_load_error(tmp_path):
    directory = _copy(tmp_path, "no-solution")
    shutil.rmtree(directory / "solution")
    task = load_task(directory)
    assert task.solution_dir is None and task.solution_script is None


def test_one_broken_task_does_not_stop_the_others(tmp_path):
    _copy(tmp_path, "good-a")
    _copy(tmp_path, "good-b", "tb1-count-words")
    (_copy(tmp_path, "broken") / "task.toml").write_text("not = [toml")
    tasks, errors = load_all(tmp_path)
    assert [t.id for t in tasks] == ["good-a", "good-b"]
    assert [e.task_id for e in errors] == ["broken"]


def test_selection_by_category_difficulty():
    ids = lambda tasks: sorted(t.id for t in tasks)  # noqa: E731
    assert ids(load_all(BUILTIN_SUITE, category="text-processing")[0]) == [
        "conf-to-json",
        "csv-report",
    ]
    hard = load_all(BUILTIN_SUITE, difficulty="hard")[0]
    assert hard and all(t.difficulty == "hard" for t in hard)


def test_discover_layouts(tmp_path):
    assert discover(FIXTURES / "hello-harbor") == [FIXTURES / "hello-harbor"]
    _copy(tmp_path / "tasks", "one", "tb1-count-words")
    assert [p.name for p in discover(tmp_path)] == ["one"]  # Terminal-Bench 1.x checkout
    with pytest.raises(FileNotFoundError):
        discover(tmp_path / "missing")


def test_builtin_suite_is_complete():
    tasks, errors = load_all(BUILTIN_SUITE)
    assert not errors and len(tasks) >= 12
    assert len({t.category for t in tasks}) >= 10
    assert {t.difficulty for t in tasks} == {"easy", "medium", "hard"}
    for task in tasks:
        assert task.solution_dir is not None and task.allow_internet is False
        assert (task.path / "README.md").read_text().count("wrong-but-plausible") == 1, task.id
