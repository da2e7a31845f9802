"""The SWE scorer: take the agent's diff, grade it in the sample's fresh grader, flag test edits."""

from __future__ import annotations

import re

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState
from inspect_ai.util import sandbox

from longcat_evals.evals.swe.grading import GradingPolicy, grade
from longcat_evals.evals.swe.schema import patch_files
from longcat_evals.evals.swe.solvers import PREEXISTING_KEY, instance_of

DIFF_TIMEOUT_SEC = 300
# Paths that look like tests in the languages we grade (besides the test patch's own files).
TEST_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|testing)/|(^|/)test_[^/]*\.py$|_test\.(py|go)$|"
    r"\.(test|spec)\.[cm]?[jt]sx?$|(^|/)conftest\.py$|Test\.java$|_spec\.rb$"
)


PREEXISTING_PATH = "/tmp/.longcat-preexisting"


def diff_command(base_commit: str, exclude_preexisting: bool = False) -> str:
    # Untracked files count as the agent's changes (as in SWE-agent and mini-swe-agent);
    # `git add -A` honours .gitignore, and files that were untracked before the agent started
    # (build products the image left) are unstaged again: applying them to a fresh container
    # of the same image would fail with "already exists".
    unstage = (
        f" && git reset -q --pathspec-from-file={PREEXISTING_PATH} --pathspec-file-nul"
        if exclude_preexisting
        else ""
    )
    return (
        "git config --global --add safe.directory '*' >/dev/null 2>&1; "
        f"git add -A{unstage} && git diff --cached --binary {base_commit}"
    )


def edited_test_files(diff: str, test_patch_files: list[str]) -> list[str]:
    """Files of DIFF that the test patch touches or that look like tests."""
    return [f for f in patch_files(diff) if f in test_patch_files or TEST_PATH.search(f)]


@scorer(metrics=[mean(), stderr()])
def swe_scorer() -> Scorer:
    """1 iff every FAIL_TO_PASS and PASS_TO_PASS test passes after the agent's patch.

    The patch is graded in the sample's `grader` service, under the grading policy the sample
    was built with (`metadata["grading"]`: network, capabilities, limits and test timeout, the
    official harness's for the instance's dataset unless the task's options changed them). A
    sample graded offline whose eval script needed the network scores NaN (unscored, with
    `outcome: needs_network` and the reason): it was not graded, so it is neither 0 nor an error.
    """

    async def score(state: TaskState, target: Target) -> Score:
        instance = instance_of(state)
        policy = GradingPolicy.from_metadata(state.metadata["grading"])
        preexisting = state.store.get(PREEXISTING_KEY, [])
        if preexisting:
            await sandbox().write_file(PREEXISTING_PATH, "\0".join(preexisting) + "\0")
        result = await sandbox().exec(
            ["bash", "-c", diff_command(instance.base_commit, bool(preexisting))],
            cwd=instance.workdir,
            timeout=DIFF_TIMEOUT_SEC,
        )
        if not result.success:
            # The container answered, so the repository itself is broken (e.g. the agent
            # removed .git): the agent's doing, scored 0, not an infrastructure error.
            return Score(
                value=0.0,
                explanation=f"no_diff: git could not diff against {instance.base_commit}: "
                f"{result.stderr.strip()[-300:]}",
                metadata={
                    "outcome": "no_diff",
                    "flag_test_edit": False,
                    "edited_test_files": [],
                    "grading_network": policy.network,
                },
            )
        patch = result.stdout
        edited = edited_test_files(patch, instance.test_files())
        graded = await grade(instance, patch, policy=policy)
        metadata = graded.as_metadata()
        metadata.update(
            patch_bytes=len(patch.encode()),
            edited_test_files=edited,
            flag_test_edit=bool(edited),
        )
        explanation = graded.outcome + (f": {graded.reason}" if graded.reason else "")
        if edited:
            explanation += f" (agent edited test files: {', '.join(edited)})"
        value = (1.0 if graded.resolved else 0.0) if graded.scored else float("nan")
        return Score(
            value=value,
            answer=patch[:20000],
            explanation=explanation,
            metadata=metadata,
        )

    return score
