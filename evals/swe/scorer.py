"""The SWE scorer: take the agent's diff, grade it in a fresh container, flag test edits."""

from __future__ import annotations

import re

from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState
from inspect_ai.util import sandbox

from longcat_evals.evals.swe.grading import GradingNetwork, grade, official_policy
from longcat_evals.evals.swe.schema import patch_files
from longcat_evals.evals.swe.solvers import PREEXISTING_KEY, instance_of
from longcat_evals.sandboxes.compose import SandboxLimits

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
def swe_scorer(
    test_timeout_sec: int | None = None,
    limits: SandboxLimits | None = None,
    grading_network: GradingNetwork | None = None,
) -> Scorer:
    """1 iff every FAIL_TO_PASS and PASS_TO_PASS test passes after the agent's patch.

    Grading is the official harness's for the instance's dataset (`grading.official_policy`).
    A sample graded offline whose eval script needed the network scores NaN (unscored, with
    `outcome: needs_network` and the reason): it was not graded, so it is neither 0 nor an error.

    Args:
        test_timeout_sec: Wall-clock limit of the eval script (None: the official 1800 s, 3600 s
            for SWE-bench Pro).
        limits: Resource limits of the grading container.
        grading_network: `online` (bridge network, as the official harnesses grade) or
            `offline` (no network; recorded as `grading_network` in the score's metadata).
            None: online for the official datasets, offline for local ones.
    """

    async def score(state: TaskState, target: Target) -> Score:
        instance = instance_of(state)
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
                    "grading_network": grading_network or official_policy(instance).network,
                },
            )
        patch = result.stdout
        edited = edited_test_files(patch, instance.test_files())
        policy = official_policy(instance, grading_network, test_timeout_sec, limits)
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
