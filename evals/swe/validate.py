"""Validate SWE environments: the gold patch must resolve, the empty patch must not.

For each instance, grade the gold patch (oracle) and the empty patch (null) in fresh
containers with the same grading code the tasks use, and check what SWE-bench's validation
checks: with the test patch at base_commit every FAIL_TO_PASS test fails and every PASS_TO_PASS
test passes; with the gold patch every listed test passes. The official sets have instances
whose gold patch fails (flaky or broken environments); this reports them, one line each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from longcat_evals.evals.swe.grading import GradeResult, GradingInfraError, grade, official_policy
from longcat_evals.evals.swe.schema import InstanceError, Loaded, LoadFailure, SweInstance


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


async def validate_instance(instance: SweInstance, test_timeout_sec: int | None = None) -> Verdict:
    """Grade gold and empty patch with the official grading of the instance's dataset."""
    verdict = Verdict(instance.instance_id, ok=True)
    policy = official_policy(instance, test_timeout_sec=test_timeout_sec)
    try:
        verdict.oracle = await grade(instance, instance.patch, policy=policy)
        verdict.null = await grade(instance, "", policy=policy)
    except GradingInfraError as e:
        verdict.problems.append(f"infrastructure: {e}")
    else:
        verdict.problems += _check_oracle(verdict.oracle)
        verdict.problems += _check_null(instance, verdict.null)
    verdict.ok = not verdict.problems
    return verdict


async def validate(
    loaded: Sequence[Loaded],
    *,
    concurrency: int = 2,
    test_timeout_sec: int | None = None,
    on_done: Callable[[Verdict], None] | None = None,
) -> list[Verdict]:
    """Validate every instance (load failures become failed verdicts), CONCURRENCY at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Loaded) -> Verdict:
        if isinstance(item, LoadFailure):
            verdict = Verdict(item.instance_id, ok=False, problems=[item.message])
        else:
            async with gate:
                verdict = await validate_instance(item, test_timeout_sec)
        if on_done:
            on_done(verdict)
        return verdict

    return list(await asyncio.gather(*(one(item) for item in loaded)))
