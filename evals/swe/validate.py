"""Validate SWE environments: the gold patch must resolve, the empty patch must not.

For each instance, grade the gold patch (oracle) and the empty patch (null), each in the fresh
grader of its own sample sandbox (`grade_patches`: one Inspect eval, the tasks' sandbox spec
and grading code), and check what SWE-bench's validation
checks: with the test patch at base_commit every FAIL_TO_PASS test fails and every PASS_TO_PASS
test passes; with the gold patch every listed test passes. The official sets have instances
whose gold patch fails (flaky or broken environments); this reports them, one line each.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from inspect_ai import Task
from inspect_ai import eval as inspect_eval
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver

from longcat_evals.evals.swe.grading import (
    GradeResult,
    GradingOptions,
    GradingPolicy,
    grade,
    swe_sandbox,
)
from longcat_evals.evals.swe.schema import InstanceError, Loaded, LoadFailure, SweInstance
from longcat_evals.evals.swe.solvers import instance_of
from longcat_evals.sandboxes.compose import SandboxLimits

RESULT_KEY = "swe_grade_result"
IDLE_AGENT_LIMITS = SandboxLimits(memory_mb=512, pids=256)
"""The sample's `default` container, which nothing uses when a given patch is graded."""


@solver
def grade_given_patch() -> Solver:
    """Grade `metadata["patch"]` in the sample's grader directly (no agent, no diff)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        policy = GradingPolicy.from_metadata(state.metadata["grading"])
        result = await grade(instance_of(state), state.metadata["patch"], policy=policy)
        state.store.set(RESULT_KEY, result.as_metadata())
        return state

    return solve


def grade_patches(
    jobs: Sequence[tuple[SweInstance, str]],
    *,
    grading: GradingOptions | GradingPolicy | None = None,
    max_samples: int = 2,
    display: str = "none",
) -> list[GradeResult | str]:
    """Grade each (instance, patch) of JOBS in a fresh sample sandbox of its own, through one
    Inspect eval, under GRADING (options: each instance's official policy with overrides; a
    policy: that one for all). A job whose sample errored (its sandbox failed,
    `GradingInfraError`) gives the error's message instead of a result."""
    grading = grading or GradingOptions()
    samples = []
    for number, (instance, patch) in enumerate(jobs):
        policy = grading if isinstance(grading, GradingPolicy) else grading.policy(instance)
        samples.append(
            Sample(
                id=f"{number}-{instance.instance_id}",
                input=f"grade the given patch for {instance.instance_id}",
                metadata={
                    "instance": instance.model_dump(mode="json"),
                    "grading": policy.as_metadata(),
                    "patch": patch,
                },
                sandbox=swe_sandbox(instance, IDLE_AGENT_LIMITS, policy),
            )
        )
    task = Task(dataset=MemoryDataset(samples), solver=grade_given_patch(), fail_on_error=False)
    with tempfile.TemporaryDirectory(prefix="swe-grade-patches-") as log_dir:
        (log,) = inspect_eval(
            task, model="none/none", log_dir=log_dir, display=display,
            max_samples=max_samples, max_sandboxes=max_samples,
        )  # fmt: skip
        by_id = {sample.id: sample for sample in log.samples or []}  # read before the dir goes
    results: list[GradeResult | str] = []
    for sample in samples:
        done = by_id.get(sample.id)
        if done is None:
            results.append(f"not run ({log.status}: {log.error.message if log.error else ''})")
        elif done.error is not None:
            results.append(done.error.message.strip().splitlines()[-1][:500])
        else:
            results.append(GradeResult(**done.store[RESULT_KEY]))
    return results


def choose(loaded: Sequence[Loaded], instance_ids: str | None) -> list[Loaded]:
    """The instances of INSTANCE_IDS (comma-separated; None: all), in dataset order.

    Inside Inspect, `--sample-id` chooses; this is for grading outside it (validation, benches).
    """
    wanted = [w.strip() for w in (instance_ids or "").split(",") if w.strip()]
    if not wanted:
        return list(loaded)
    known = {item.instance_id for item in loaded}
    missing = [w for w in wanted if w not in known]
    if missing:
        raise InstanceError(
            f"unknown instance id(s) {', '.join(missing)} (known: {', '.join(sorted(known))})"
        )
    return [item for item in loaded if item.instance_id in wanted]


@dataclass
class Verdict:
    """Validation of one instance."""

    instance_id: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    oracle: GradeResult | None = None
    null: GradeResult | None = None


def _check_null(instance: SweInstance, result: GradeResult) -> list[str]:
    if result.resolved:
        return ["null (empty patch) resolves the instance: its tests do not test the fix"]
    problems = []
    report = result.tests_status
    if not report:
        return [f"null run has no test results ({result.outcome}: {result.reason})"]
    passing_f2p = report["FAIL_TO_PASS"]["success"]
    failing_p2p = report["PASS_TO_PASS"]["failure"]
    if passing_f2p:
        problems.append(f"FAIL_TO_PASS tests already pass at base: {', '.join(passing_f2p)}")
    if failing_p2p:
        problems.append(f"PASS_TO_PASS tests fail at base: {', '.join(failing_p2p)}")
    return problems


def _check_oracle(result: GradeResult) -> list[str]:
    if result.resolved:
        return []
    failing = []
    for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
        failing += (result.tests_status.get(key) or {}).get("failure", [])
    detail = f"; failing: {', '.join(failing)}" if failing else ""
    return [f"gold patch does not resolve ({result.outcome}: {result.reason}){detail}"]


def _verdict(instance: SweInstance, oracle: GradeResult | str, null: GradeResult | str) -> Verdict:
    verdict = Verdict(instance.instance_id, ok=True)
    errors = [r for r in (oracle, null) if isinstance(r, str)]
    if errors:
        verdict.problems += [f"infrastructure: {e}" for e in errors]
    else:
        assert isinstance(oracle, GradeResult) and isinstance(null, GradeResult)
        verdict.oracle, verdict.null = oracle, null
        verdict.problems += _check_oracle(oracle)
        verdict.problems += _check_null(instance, null)
    verdict.ok = not verdict.problems
    return verdict


def validate(
    loaded: Sequence[Loaded],
    *,
    concurrency: int = 2,
    test_timeout_sec: int | None = None,
    on_done: Callable[[Verdict], None] | None = None,
) -> list[Verdict]:
    """Validate every instance (load failures become failed verdicts), CONCURRENCY at a time,
    with the official grading of each instance's dataset."""
    instances = [item for item in loaded if isinstance(item, SweInstance)]
    jobs = [(i, patch) for i in instances for patch in (i.patch, "")]
    results = grade_patches(
        jobs,
        grading=GradingOptions(test_timeout_sec=test_timeout_sec),
        max_samples=2 * concurrency,
    )
    graded = {
        instance.instance_id: _verdict(instance, *results[2 * n : 2 * n + 2])
        for n, instance in enumerate(instances)
    }
    verdicts = []
    for item in loaded:
        if isinstance(item, LoadFailure):
            verdict = Verdict(item.instance_id, ok=False, problems=[item.message])
        else:
            verdict = graded[item.instance_id]
        if on_done:
            on_done(verdict)
        verdicts.append(verdict)
    return verdicts
