"""One bad task, row or file errors only itself; task files never lead outside their directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from inspect_ai import eval as inspect_eval

from longcat_evals.evals.terminal.loader import TaskLoadError, load_all, load_task

REPO = Path(__file__).resolve().parents[1]
HELLO = REPO / "tests" / "terminal" / "fixtures" / "hello-harbor"
SWE = REPO / "tasks" / "swe"
SECRET = "host-only secret: must never reach a model or a container\n"


def _task(root: Path, name: str) -> Path:
    target = root / name
    shutil.copytree(HELLO, target)
    return target


def _edit_toml(task: Path, old: str, new: str) -> None:
    toml = task / "task.toml"
    assert old in toml.read_text()
    toml.write_text(toml.read_text().replace(old, new))


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


@pytest.mark.parametrize(
    "link",
    [
        "instruction.md",  # the prompt itself
        "solution/solve.sh",  # what the oracle runs
        "tests/test.sh",  # what the verifier runs
        "tests/data.txt",  # a file copied into the container
        "environment/context.txt",  # a build-context file
    ],
)
def test_a_link_out_of_the_task_dir_is_a_one_line_refusal(tmp_path, secret, link):
    task = _task(tmp_path / "suite", "linked")
    target = task / link
    target.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(secret)
    with pytest.raises(TaskLoadError) as info:
        load_task(task)
    message = str(info.value)
    assert message == (
        f"terminal task 'linked': {link}: links outside the task directory ({secret}); "
        "put the file itself in the task"
    )


def test_a_linked_directory_out_and_a_link_loop_are_refused(tmp_path, secret):
    task = _task(tmp_path, "linked-dir")
    (task / "tests" / "more").symlink_to(secret.parent, target_is_directory=True)
    with pytest.raises(TaskLoadError, match="tests/more: links outside the task directory"):
        load_task(task)
    loop = _task(tmp_path, "loop")
    (loop / "a").symlink_to(loop / "b")
    (loop / "b").symlink_to(loop / "a")
    with pytest.raises(TaskLoadError, match="links outside the task directory"):
        load_task(loop)


def test_links_inside_the_task_dir_and_a_linked_task_dir_are_fine(tmp_path):
    task = _task(tmp_path / "real", "inside")
    (task / "tests" / "alias.sh").symlink_to(task / "tests" / "test.sh")
    (task / "prompt.md").symlink_to("instruction.md")  # relative, inside
    assert load_task(task).id == "inside"
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "inside").symlink_to(task, target_is_directory=True)  # suites often link tasks in
    loaded, errors = load_all(suite)
    assert [t.id for t in loaded] == ["inside"] and errors == []


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("cpus = 1", "cpus = -2", "environment.cpus: must be > 0 (got -2.0)"),
        ("cpus = 1", "cpus = 0", "environment.cpus: must be > 0 (got 0.0)"),
        ('memory = "1G"', "memory_mb = -512", "environment.memory: must be > 0 (got -512)"),
        ('storage = "4G"', 'storage = "0M"', "environment.storage: must be > 0 (got 0)"),
    ],
)
def test_a_non_positive_resource_is_that_tasks_load_error(tmp_path, old, new, field):
    _task(tmp_path, "good")
    _edit_toml(_task(tmp_path, "bad"), old, new)
    loaded, errors = load_all(tmp_path)
    assert [t.id for t in loaded] == ["good"]
    assert [str(e) for e in errors] == [f"terminal task 'bad': task.toml: {field}"]


@pytest.mark.docker
@pytest.mark.slow
def test_a_terminal_run_completes_for_the_good_task_beside_bad_ones(tmp_path, secret):
    from longcat_evals.evals.terminal.task import terminal_bench

    suite = tmp_path / "suite"
    _task(suite, "good")
    _edit_toml(_task(suite, "negative-cpus"), "cpus = 1", "cpus = -2")
    _edit_toml(_task(suite, "negative-memory"), 'memory = "1G"', "memory_mb = -1")
    linked = _task(suite, "linked-instruction")
    (linked / "instruction.md").unlink()
    (linked / "instruction.md").symlink_to(secret)
    task = terminal_bench(path=str(suite), agent="oracle", network=False)
    [log] = inspect_eval(
        task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none"
    )
    assert log.status == "success"
    samples = {s.id: s for s in log.samples}
    assert set(samples) == {"good", "negative-cpus", "negative-memory", "linked-instruction"}
    assert samples["good"].error is None
    assert next(iter(samples["good"].scores.values())).value == 1.0
    for sid, says in (
        ("negative-cpus", "environment.cpus: must be > 0"),
        ("negative-memory", "environment.memory: must be > 0"),
        ("linked-instruction", "links outside the task directory"),
    ):
        assert samples[sid].error is not None and says in samples[sid].error.message
    for sample in log.samples:
        assert SECRET.strip() not in str(sample.input)
        assert all(SECRET.strip() not in m.text for m in sample.messages)


@pytest.mark.docker
@pytest.mark.slow
def test_a_swe_row_without_its_bundle_errors_alone(tmp_path):
    from longcat_evals.evals.swe.task import swe_local

    rows = (SWE / "instances.jsonl").read_text().splitlines()[:2]
    (tmp_path / "repos").mkdir()
    dataset = tmp_path / "two.jsonl"
    dataset.write_text("\n".join(rows) + "\n")
    good, missing = (r.split('"instance_id": "')[1].split('"')[0] for r in rows)
    bundle = good.split("__")[1].rsplit("-", 1)[0] + ".bundle"
    shutil.copy(SWE / "repos" / bundle, tmp_path / "repos" / bundle)  # not the second row's
    task = swe_local(dataset=str(dataset), agent="oracle")
    [log] = inspect_eval(
        task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none"
    )
    assert log.status == "success"
    samples = {s.id: s for s in log.samples}
    assert set(samples) == {good, missing}
    assert samples[good].error is None
    assert samples[missing].error is not None
    assert "bundle" in samples[missing].error.message.lower()
