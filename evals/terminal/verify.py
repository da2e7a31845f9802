"""The verifier: after the agent stops, copy tests/ into /tests and run the task's test script.

The run is guarded against what the agent left behind (guard.py): its processes are stopped
except services, file-system changes since the image are checked, and the verdict comes back
through the exec itself. Detected tampering scores 0 with `metadata["tamper"]`.

Three outcomes are kept apart: an infrastructure failure (the container or an exec broke) raises
and errors the sample; a run that cannot be scored (no or unparsable reward file, verifier
timeout, or a failing script whose output shows it needed the network) scores NaN with the
reason; a wrong solution scores its reward (0 for the usual binary tasks).
"""

from __future__ import annotations

import base64
from pathlib import Path

from inspect_ai.scorer import (
    Metric,
    SampleScore,
    Score,
    Scorer,
    Target,
    mean,
    metric,
    scorer,
    stderr,
)
from inspect_ai.solver import TaskState
from inspect_ai.util import sandbox

from longcat_evals.evals.terminal import guard, network, rewards
from longcat_evals.evals.terminal.network import BAKE_FAILED_FILE

OUTPUT_TAIL_CHARS = 4000
READ_LIMIT_BYTES = 2_000_000


@metric
def tampered() -> Metric:
    """How many samples were caught tampering with verification (they score 0)."""

    def compute(scores: list[SampleScore]) -> float:
        return float(sum(bool((s.score.metadata or {}).get("tamper")) for s in scores))

    return compute


async def _read(path: str) -> str | None:
    """A file's text (its first READ_LIMIT_BYTES), None when absent; straight from the exec."""
    result = await sandbox().exec(
        ["sh", "-c", f"test -f {path} && head -c {READ_LIMIT_BYTES} {path} | base64"],
        user="root",
    )
    if result.returncode != 0:
        return None
    return base64.b64decode(result.stdout).decode(errors="replace")


def network_verdict(
    found: rewards.Verdict, meta: dict, output: str, failed_bakes: list[str]
) -> rewards.Verdict:
    """Turn a failing score into "needs network" when the output shows the network is why.

    Evidence is required: the output holds a failed access to an outside host (DNS failure,
    unreachable network, connect error to a non-local host) and no test run, from a script that
    reaches the network (or whose baked install failed). A script whose tests ran and failed
    keeps its score, online or offline. An oracle whose own solution failed to reach the network
    is reported the same way: its 0 says nothing about the task.
    """
    if found.scored and found.value >= 1.0:
        return found
    reward = f"{found.value:g}" if found.scored else "none"
    rerun = "rerun with -T network=true" if meta.get("offline") else "run where it can reach it"
    oracle_evidence = meta.get("oracle_network_evidence")
    if oracle_evidence:
        return rewards.Verdict(
            rewards.NAN,
            f"needs network: the reference solution's network access failed "
            f"({oracle_evidence!r}; reward {reward}); {rerun}",
            {**found.details, "network_evidence": oracle_evidence, "network_phase": "solution"},
        )
    needs = list(meta.get("script_network_lines") or []) + failed_bakes
    unbaked = list(meta.get("network_needs") or []) + failed_bakes or needs
    evidence = network.failure_evidence(output)
    if not evidence and meta.get("offline"):
        evidence = network.offline_evidence(output, unbaked)
    if not needs or not evidence or network.tests_ran(output):
        return found
    where = "ran offline" if meta.get("offline") else "could not reach it"
    return rewards.Verdict(
        rewards.NAN,
        f"needs network: the test script runs `{unbaked[0]}` but the task {where} "
        f"({evidence!r}; reward {reward}); {rerun}",
        {**found.details, "network_needs": unbaked, "network_evidence": evidence,
         "network_phase": "verify"},
    )  # fmt: skip


def _tests_files(meta: dict) -> dict[str, Path]:
    files = {".": Path(meta["tests_dir"])}
    script = Path(meta["test_script"])
    if script.parent != Path(meta["tests_dir"]):  # 1.x keeps run-tests.sh beside tests/
        files[script.name] = script
    return files


async def verdict(meta: dict, timeout_multiplier: float) -> tuple[rewards.Verdict, str]:
    """Guard, run the tests, read their verdict; tampering detected scores 0 (see guard.py)."""
    frozen = await guard.freeze()
    changes = await guard.environment_changes()
    limit = int(meta["verifier_timeout_sec"] * timeout_multiplier)
    script = Path(meta["test_script"]).name
    run = await guard.run(_tests_files(meta), script, meta["workdir"], meta["verifier_env"], limit)
    traced = [t.rsplit(" ", 1)[0] for t in run.traced_by if t.endswith(" outside")]
    tamper = frozen.suspects + changes.tamper + run.tamper
    tamper += [
        f"a service left running traced the verifier (pid traced, tracer): {t}" for t in traced
    ]
    suspects = changes.suspects + run.suspects
    if frozen.kept:
        suspects.append(f"services left running through verification: {len(frozen.kept)}")
    guard_details = {
        "tamper": tamper,
        "tamper_suspects": suspects,
        "frozen_processes": frozen.frozen[:50],
        "kept_services": frozen.kept[:50],
        "traced": run.traced_by[:20],
    }
    if run.timed_out:
        found = rewards.Verdict(rewards.NAN, f"verifier timed out after {limit:g} s")
    elif meta["parser"] in rewards.PARSERS:
        found = rewards.PARSERS[meta["parser"]](run.output, run.exit_code)
    else:
        found = rewards.harbor(run.reward_txt, run.reward_json, run.exit_code)
    if not run.timed_out:
        failed_bakes = (await _read(BAKE_FAILED_FILE) or "").splitlines()
        found = network_verdict(found, meta, run.output, failed_bakes)
    if tamper:
        was = f"{found.value:g}" if found.scored else "none"
        found = rewards.Verdict(
            0.0, f"tampering detected: {tamper[0]} (the verifier's reward was {was}); scored 0",
            {**found.details, "reward_before_tamper": found.value},
        )  # fmt: skip
    found.details.update(guard_details)
    return found, run.output


def agent_stop_note(meta: dict) -> str:
    """What stopped the agent, for the explanation: a timeout, another limit, or nothing."""
    if meta.get("agent_timed_out"):
        return " (agent timed out)"
    limit = meta.get("agent_limit")
    return f" (agent stopped: {limit} limit reached)" if limit else ""


# Inspect drops NaN (unscored) scores before metrics, so no metric here can count them: `mean`
# is over scored samples (Inspect records the unscored count itself); `longcat-evals table`
# shows it beside the project's headline, which counts unscored samples as 0. Tampered samples
# score 0 (not NaN), so `tampered` does see them.
@scorer(metrics=[mean(), stderr(), tampered()])
def terminal_verifier(timeout_multiplier: float = 1.0) -> Scorer:
    """Run the task's hidden tests in the container after the agent stops.

    Args:
        timeout_multiplier: Factor applied to the task's verifier timeout.
    """

    async def score(state: TaskState, target: Target) -> Score:
        meta = state.metadata
        found, output = await verdict(meta, timeout_multiplier)
        timed_out = bool(meta.get("agent_timed_out"))
        explanation = found.explanation + agent_stop_note(meta)
        return Score(
            value=found.value,
            answer=None,
            explanation=explanation,
            metadata={
                **found.details,
                "outcome": "tampered"
                if found.details.get("tamper")
                else ("scored" if found.scored else "unscored"),
                "agent_timed_out": timed_out,
                "test_output_tail": output[-OUTPUT_TAIL_CHARS:],
            },
        )

    return score
