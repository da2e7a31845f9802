"""End to end in real containers: oracle 100 and null 0 over the whole built-in set, grading
outcomes (patch that does not apply, infrastructure failure), test-edit flags, bad rows."""

from __future__ import annotations

import asyncio
import json

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.solver import Generate, TaskState, chain, solver
from inspect_ai.util import sandbox

from longcat_evals.evals.swe.grading import GradingInfraError, grade
from longcat_evals.evals.swe.samples import swe_dataset
from longcat_evals.evals.swe.scorer import swe_scorer
from longcat_evals.evals.swe.solvers import hide_future, swe_oracle
from longcat_evals.evals.swe.task import swe_local
from longcat_evals.results.scoring import headline
from longcat_evals.sandboxes.compose import SandboxLimits
from longcat_evals.tasks.swe import BUILTIN_INSTANCES

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def _run(task: Task, tmp_path):
    log = inspect_eval(
        task, model="mockllm/model", log_dir=str(tmp_path), display="none", max_samples=4
    )[0]
    return log, {s.id: s for s in log.samples}


@pytest.mark.parametrize("agent", ["oracle", "null"])
def test_builtin_dataset_oracle_100_null_0(agent, builtin, tmp_path):
    log, samples = _run(swe_local(agent=agent), tmp_path)
    row = headline(log)
    assert row.samples == len(builtin) >= 8 and row.errors == 0 and row.unscored == 0
    assert row.score == (100.0 if agent == "oracle" else 0.0)
    for iid, sample in samples.items():
        instance = builtin[iid]
        score = next(iter(sample.scores.values()))
        report = score.metadata["tests_status"]
        assert score.metadata["flag_test_edit"] is False
        assert report["PASS_TO_PASS"]["success"] == instance.PASS_TO_PASS, iid
        if agent == "oracle":
            assert score.metadata["outcome"] == "resolved"
            assert report["FAIL_TO_PASS"]["success"] == instance.FAIL_TO_PASS, iid
        else:
            # Live logs: at base every FAIL_TO_PASS test is parsed as failing.
            assert score.metadata["outcome"] == "unresolved"
            assert report["FAIL_TO_PASS"]["failure"] == instance.FAIL_TO_PASS, iid
            assert all(score.metadata["status_map"][t] == "FAILED" for t in instance.FAIL_TO_PASS)


def test_patch_that_does_not_apply_scores_zero_with_reason(builtin):
    instance = builtin["longcat__timefmt-7"]
    bad = instance.patch.replace("_PART = re.compile", "_NOT_THERE = re.compile", 1)
    result = asyncio.run(grade(instance, bad))
    assert not result.resolved and result.outcome == "patch_failed"
    assert "Patch Apply Failed" in result.reason and "parse.py" in result.reason


def test_broken_patch_is_wrong_not_infra(builtin):
    # A patch that breaks compilation: the tests never report results -> 0, not an error.
    instance = builtin["longcat__lru-9"]
    breaking = instance.patch.replace("return\n", "return oops\n", 1)
    result = asyncio.run(grade(instance, breaking))
    assert not result.resolved and result.outcome in ("no_test_results", "unresolved")


def test_missing_image_is_an_infrastructure_error(builtin):
    instance = builtin["longcat__timefmt-7"].model_copy(update={"image": "longcat-evals/nope:0"})
    with pytest.raises(GradingInfraError, match="could not start a grading container"):
        asyncio.run(grade(instance, ""))


@solver
def edit_tests_instead():
    """A cheating agent: deletes the failing tests' file content instead of fixing the code."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        await sandbox().exec(["bash", "-c", "echo '# gone' > tests/test_parser.py"])
        return state

    return solve


@solver
def fix_and_touch_tests():
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        await sandbox().exec(["bash", "-c", "echo '# note' >> tests/test_coerce.py"])
        return state

    return solve


def test_test_edits_are_flagged_and_do_not_help(builtin, tmp_path):
    chosen = [builtin["longcat__inikit-12"]]
    limits = SandboxLimits(memory_mb=2048)
    agents = ((edit_tests_instead(), 0.0), (chain(swe_oracle(), fix_and_touch_tests()), 1.0))
    for agent, expected in agents:
        task = Task(
            dataset=swe_dataset("swe_flag", chosen, limits),
            solver=chain(hide_future(), agent),
            scorer=swe_scorer(limits=limits),
        )
        _, samples = _run(task, tmp_path)
        score = next(iter(samples["longcat__inikit-12"].scores.values()))
        assert score.value == expected
        assert score.metadata["flag_test_edit"] is True
        edited = score.metadata["edited_test_files"]
        assert edited in (["tests/test_parser.py"], ["tests/test_coerce.py"])


def test_one_bad_row_does_not_stop_the_run(tmp_path):
    lines = BUILTIN_INSTANCES.read_text().splitlines()
    good = json.loads(lines[1])
    env = good["environment"]
    env["repo_source"] = str(BUILTIN_INSTANCES.parent / env["repo_source"])
    bad = dict(good, instance_id="bad__row-1", language="cobol")
    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    log, samples = _run(swe_local(dataset=str(path), agent="null"), tmp_path)
    assert samples[good["instance_id"]].error is None
    assert next(iter(samples[good["instance_id"]].scores.values())).value == 0.0
    error = samples["bad__row-1"].error
    assert error is not None and "bad__row-1" in error.message and "language" in error.message
    row = headline(log)
    assert row.samples == 2 and row.errors == 1


@solver
def destroy_repo():
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        await sandbox().exec(["bash", "-c", "rm -rf .git"])
        return state

    return solve


def test_agent_that_breaks_the_repository_scores_zero(builtin, tmp_path):
    chosen = [builtin["longcat__timefmt-7"]]
    limits = SandboxLimits(memory_mb=2048)
    task = Task(
        dataset=swe_dataset("swe_no_diff", chosen, limits),
        solver=chain(hide_future(), destroy_repo()),
        scorer=swe_scorer(limits=limits),
    )
    _, samples = _run(task, tmp_path)
    sample = samples["longcat__timefmt-7"]
    assert sample.error is None
    score = next(iter(sample.scores.values()))
    assert score.value == 0.0 and score.metadata["outcome"] == "no_diff"


def test_untracked_files_of_the_image_are_not_the_agents(tmp_path):
    """An image whose set-up leaves an untracked, not ignored file (as build steps do)."""
    from longcat_evals.evals.swe.task import load_local

    row = json.loads(BUILTIN_INSTANCES.read_text().splitlines()[1])
    env = row["environment"]
    env["repo_source"] = str(BUILTIN_INSTANCES.parent / env["repo_source"])
    env["setup"] = ["echo built > build-stamp.txt"]
    row["instance_id"] = "longcat__timefmt-stamp"
    path = tmp_path / "stamp.jsonl"
    path.write_text(json.dumps(row) + "\n")
    limits = SandboxLimits(memory_mb=2048)
    task = Task(  # the image is built when the sample is prepared
        dataset=swe_dataset("swe_stamp", load_local(path), limits, log=lambda _: None),
        solver=chain(hide_future(), swe_oracle()),
        scorer=swe_scorer(limits=limits),
    )
    _, samples = _run(task, tmp_path)
    score = next(iter(samples["longcat__timefmt-stamp"].scores.values()))
    assert score.value == 1.0, score.explanation
    # Only the agent's changes: the image's own untracked file is not in the patch.
    assert "build-stamp.txt" not in score.answer and "timefmt/parse.py" in score.answer


def test_dead_grading_container_is_an_infrastructure_error(builtin):
    import subprocess

    from longcat_evals.evals.swe.grading import GradingContainer

    instance = builtin["longcat__timefmt-7"]

    async def run() -> None:
        async with GradingContainer(instance.image, instance.workdir) as box:
            assert await box.sh("echo alive") == (0, "alive\n")
            subprocess.run(["docker", "kill", box.name], capture_output=True, check=True)
            await box.sh("git apply /tmp/patch.diff")

    with pytest.raises(GradingInfraError, match="is not running"):
        asyncio.run(run())
