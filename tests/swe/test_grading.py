"""End to end in real containers: oracle 100 and null 0 over the whole built-in set, grading
outcomes (patch that does not apply, infrastructure failure), test-edit flags, bad rows, and
the grader's isolation from the agent (it sees none of the agent's changes; no connection)."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest
from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.solver import Generate, TaskState, chain, solver
from inspect_ai.util import sandbox

from longcat_evals.evals.swe.grading import (
    GRADER_SERVICE,
    INLINE_OUTPUT_BYTES,
    Grader,
    GradingOptions,
)
from longcat_evals.evals.swe.samples import swe_dataset
from longcat_evals.evals.swe.scorer import swe_scorer
from longcat_evals.evals.swe.solvers import hide_future, swe_oracle
from longcat_evals.evals.swe.task import swe_local
from longcat_evals.evals.swe.validate import grade_patches
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
    (result,) = grade_patches([(instance, bad)])
    assert not result.resolved and result.outcome == "patch_failed"
    assert "Patch Apply Failed" in result.reason and "parse.py" in result.reason


def test_broken_patch_is_wrong_not_infra(builtin):
    # A patch that breaks compilation: the tests never report results -> 0, not an error.
    instance = builtin["longcat__lru-9"]
    breaking = instance.patch.replace("return\n", "return oops\n", 1)
    (result,) = grade_patches([(instance, breaking)])
    assert not result.resolved and result.outcome in ("no_test_results", "unresolved")


def test_missing_image_is_an_infrastructure_error(builtin):
    """The sample errors (its sandbox cannot start); it is not a 0."""
    instance = builtin["longcat__timefmt-7"].model_copy(update={"image": "longcat-evals/nope:0"})
    (result,) = grade_patches([(instance, "")])
    assert isinstance(result, str), result


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
            dataset=swe_dataset("swe_flag", chosen, limits, GradingOptions(limits=limits)),
            solver=chain(hide_future(), agent),
            scorer=swe_scorer(),
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
        dataset=swe_dataset("swe_no_diff", chosen, limits, GradingOptions(limits=limits)),
        solver=chain(hide_future(), destroy_repo()),
        scorer=swe_scorer(),
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
        dataset=swe_dataset(
            "swe_stamp", load_local(path), limits, GradingOptions(limits=limits), log=lambda _: None
        ),
        solver=chain(hide_future(), swe_oracle()),
        scorer=swe_scorer(),
    )
    _, samples = _run(task, tmp_path)
    score = next(iter(samples["longcat__timefmt-stamp"].scores.values()))
    assert score.value == 1.0, score.explanation
    # Only the agent's changes: the image's own untracked file is not in the patch.
    assert "build-stamp.txt" not in score.answer and "timefmt/parse.py" in score.answer


@solver
def kill_the_grader():
    """Kill the grader's container from outside (as an OOM kill or engine trouble would)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        grader = sandbox(GRADER_SERVICE)
        assert (await grader.exec(["echo", "alive"])).stdout == "alive\n"
        container = (await grader.connection()).container
        subprocess.run(["docker", "kill", container], capture_output=True, check=True)
        return state

    return solve


def test_dead_grading_container_is_an_infrastructure_error(builtin, tmp_path):
    chosen = [builtin["longcat__timefmt-7"]]
    limits = SandboxLimits(memory_mb=2048)
    task = Task(
        dataset=swe_dataset("swe_dead", chosen, limits, GradingOptions(limits=limits)),
        solver=chain(hide_future(), swe_oracle(), kill_the_grader()),
        scorer=swe_scorer(),
    )
    log, samples = _run(task, tmp_path)
    sample = samples["longcat__timefmt-7"]
    # The sample errors: a dead grader is never a 0 (nor a score at all).
    assert sample.error is not None and "GradingInfraError" in sample.error.message
    assert "is not running" in sample.error.message
    assert not sample.scores
    assert headline(log).errors == 1


PROBE_PORT = 8799
AGENT_CHANGES = (
    "echo agent-was-here >> README.md; echo new > agent_file.txt; "
    "mkdir -p /tmp/agent && touch /tmp/agent/x"
)
GRADER_VIEW = (
    'echo "status:[$(git status --porcelain)]"; echo "readme:$(grep -c agent-was-here README.md)"; '
    "for f in agent_file.txt /tmp/agent; do test -e $f && echo has:$f || echo no:$f; done"
)
SERVE = (
    f"import socket\ns=socket.socket(); s.bind(('0.0.0.0', {PROBE_PORT})); s.listen()\n"
    "while True: s.accept()[0].close()\n"
)
CONNECT = f"""import socket, sys
for host in sys.argv[1:]:
    try:
        socket.create_connection((host, {PROBE_PORT}), timeout=4).close(); print(host, "open")
    except OSError as e:
        print(host, "blocked", type(e).__name__)
"""


@solver
def change_and_probe_the_grader():
    """An agent that changes its container, then: what does the grader see, and can the agent
    reach a server in the grader (by address and by service name)?"""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        agent, grader = sandbox(), sandbox(GRADER_SERVICE)
        await agent.exec(["bash", "-c", AGENT_CHANGES])
        state.store.set("grader_view", (await grader.exec(["bash", "-c", GRADER_VIEW])).stdout)
        await grader.exec(
            ["bash", "-c", f"nohup python3 -c {shlex.quote(SERVE)} >/dev/null 2>&1 & sleep 1"]
        )
        address = (await grader.exec(["hostname", "-i"])).stdout.split() or ["none"]
        own = await grader.exec(["python3", "-c", CONNECT, "127.0.0.1"])  # the server is up
        reach = await agent.exec(["python3", "-c", CONNECT, address[0], GRADER_SERVICE])
        state.store.set("reach", own.stdout + reach.stdout)
        state.store.set("grader_address", address[0])
        return state

    return solve


def test_the_grader_sees_nothing_of_the_agents_and_cannot_be_reached(builtin, tmp_path):
    chosen = [builtin["longcat__timefmt-7"]]
    limits = SandboxLimits(memory_mb=2048)
    # Online grading: the grader has an address (on the egress network) to try.
    grading = GradingOptions(network="online", limits=limits)
    task = Task(
        dataset=swe_dataset("swe_isolation", chosen, limits, grading),
        solver=chain(hide_future(), change_and_probe_the_grader()),
        scorer=swe_scorer(),
    )
    _, samples = _run(task, tmp_path)
    sample = samples["longcat__timefmt-7"]
    assert sample.error is None, sample.error
    # The grader holds the image as built: a clean tree, none of the agent's files.
    view = sample.store["grader_view"].split()
    assert view == ["status:[]", "readme:0", "no:agent_file.txt", "no:/tmp/agent"], view
    reach, address = sample.store["reach"], sample.store["grader_address"]
    assert "127.0.0.1 open" in reach, reach  # the server in the grader listens
    assert address != "none" and f"{address} blocked" in reach, reach
    assert "grader blocked" in reach, reach
    # The agent's own change is what was graded: README.md is in the patch, and no test broke.
    score = next(iter(sample.scores.values()))
    assert "agent-was-here" in score.answer and "agent_file.txt" in score.answer
    assert score.metadata["outcome"] == "unresolved"
    assert score.metadata["grading_network"] == "online"


BIG_OUTPUT_BYTES = INLINE_OUTPUT_BYTES + 12 * 1024 * 1024  # past exec's own 10 MiB limit too


@solver
def drive_the_grader():
    """The grader's command runner on the edges: big output, exit 124, a timeout."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        grader = Grader(sandbox(GRADER_SERVICE), "/testbed")
        code, out = await grader.sh(
            f"head -c {BIG_OUTPUT_BYTES} /dev/zero | tr '\\0' x; echo; echo >&2 end"
        )
        state.store.set("big", [code, len(out), out[-5:]])
        state.store.set("exit124", list(await grader.sh("echo before; exit 124")))
        state.store.set("timeout", list(await grader.sh("sleep 20", timeout=2)))
        return state

    return solve


def test_the_graders_command_runner_on_big_output_exit_124_and_timeouts(builtin, tmp_path):
    chosen = [builtin["longcat__timefmt-7"]]
    limits = SandboxLimits(memory_mb=2048)
    task = Task(
        dataset=swe_dataset("swe_runner", chosen, limits, GradingOptions(limits=limits)),
        solver=drive_the_grader(),
    )
    _, samples = _run(task, tmp_path)
    sample = samples["longcat__timefmt-7"]
    assert sample.error is None, sample.error
    code, length, tail = sample.store["big"]
    # All of it, read back as a file, stderr after stdout in order.
    assert code == 0 and length == BIG_OUTPUT_BYTES + len("\nend\n") and tail == "\nend\n"
    assert sample.store["exit124"] == [124, "before\n"]  # the script's own 124, not a timeout
    assert sample.store["timeout"] == [None, ""]
