"""Grade a patch the way the official harnesses do, in a FRESH container of the instance image.

swebench 5.x (Verified, Multilingual, local): start a container from the instance image, try
the harness's patch-apply chain (`git apply`, `--3way`, `--reject`, `patch --fuzz=5`) with the
model patch, run the instance's eval script (it resets and applies the test patch, runs the
tests between the output markers), then `get_eval_report` with the instance's log parser:
resolved iff every FAIL_TO_PASS and PASS_TO_PASS test passes.

SWE-bench Pro: the Pro evaluator's entry script (patch, last line of before_repo_set_cmd,
run_script.sh on the selected test files, parser.py → output.json); resolved iff
FAIL_TO_PASS ∪ PASS_TO_PASS ⊆ the tests output.json reports PASSED.

Outcomes are kept apart: `resolved`/`unresolved`/`patch_failed`/`tests_timed_out`/
`no_test_results` are scores (0 or 1); a container that cannot be started or a classified
environment failure raises `GradingInfraError` (the sample errors; it is not a wrong answer).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from swebench.harness.constants import APPLY_PATCH_FAIL
from swebench.harness.grading import get_eval_report, get_logs_eval
from swebench.harness.infra_failure import TIER_ENVIRONMENT, classify_logs
from swebench.harness.utils import make_test_spec

from longcat_evals.evals.swe.schema import SweInstance
from longcat_evals.sandboxes import ownership
from longcat_evals.sandboxes.compose import SandboxLimits
from longcat_evals.sandboxes.images import MANAGED_LABEL

# The official harness's chain (swebench.harness.run_evaluation.GIT_APPLY_CMDS; not imported
# because that module pulls in modal and the docker SDK at import time).
GIT_APPLY_CMDS = (
    "git apply --verbose",
    "git apply --verbose --3way",
    "git apply --verbose --reject",
    "patch --batch --forward --fuzz=5 -p1 -i",
)
PATCH_PATH = "/tmp/patch.diff"
EVAL_PATH = "/eval.sh"
DEFAULT_TEST_TIMEOUT_SEC = 1800
DOCKER_TIMEOUT_SEC = 120
# `docker run` may pull a multi-GB official image first.
START_TIMEOUT_SEC = 1800


class GradingInfraError(RuntimeError):
    """The grading container could not run the tests: an infrastructure failure, not a score."""


@dataclass
class GradeResult:
    """What grading found for one patch."""

    instance_id: str
    resolved: bool
    outcome: str
    """resolved | unresolved | patch_failed | tests_timed_out | no_test_results"""
    reason: str = ""
    tests_status: dict = field(default_factory=dict)
    """FAIL_TO_PASS/PASS_TO_PASS → success/failure lists (swebench's report)."""
    status_map: dict = field(default_factory=dict)
    """Every parsed test → PASSED/FAILED/SKIPPED/ERROR/XFAIL."""
    apply_command: str = ""
    test_seconds: float = 0.0
    total_seconds: float = 0.0
    log_tail: str = ""

    def as_metadata(self) -> dict:
        return asdict(self)


async def _run(*args: str, stdin: bytes | None = None, timeout: float = DOCKER_TIMEOUT_SEC):
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return None, ""
    return proc.returncode, out.decode("utf-8", errors="replace")


class GradingContainer:
    """A throwaway container of IMAGE: no network, limits, removed on exit."""

    def __init__(self, image: str, workdir: str, limits: SandboxLimits | None = None):
        self.image, self.workdir = image, workdir
        self.limits = limits or SandboxLimits(cpus=1.0, memory_mb=4096, pids=1024)
        self.name = f"longcat-swe-grade-{uuid.uuid4().hex[:12]}"

    async def __aenter__(self) -> GradingContainer:
        code, out = await _run(
            "docker", "run", "--detach", "--name", self.name, "--label", f"{MANAGED_LABEL}=true",
            *ownership.docker_label_args(),
            "--network", "none", "--init", "--security-opt", "no-new-privileges:true",
            f"--cpus={self.limits.cpus}", f"--memory={self.limits.memory_mb}m",
            f"--memory-swap={self.limits.memory_mb}m", f"--pids-limit={self.limits.pids}",
            "--workdir", self.workdir, "--entrypoint", "sleep", self.image, "infinity",
            timeout=START_TIMEOUT_SEC,
        )  # fmt: skip
        if code != 0:
            raise GradingInfraError(
                f"could not start a grading container from {self.image}: {out.strip()[-300:]}"
            )
        return self

    async def __aexit__(self, *exc) -> None:
        await _run("docker", "rm", "--force", self.name)

    async def write(self, path: str, text: str) -> None:
        code, out = await _run(
            "docker", "exec", "-i", self.name, "bash", "-c", f"cat > {path}", stdin=text.encode()
        )
        if code != 0:
            raise GradingInfraError(f"could not write {path} in the grading container: {out}")

    async def sh(self, script: str, timeout: float = DOCKER_TIMEOUT_SEC):
        # Merge stderr into stdout INSIDE the container: Docker forwards the two streams
        # separately and their lines can swap, which moved test results (stdout) past the
        # `set -x` trace of the end marker (stderr) and out of the graded slice.
        code, out = await _run(
            "docker", "exec", "--workdir", self.workdir, self.name,
            "bash", "-c", f"exec 2>&1\n{script}", timeout=timeout,
        )  # fmt: skip
        # A dead container (OOM-killed, engine trouble) must not read as a failing patch.
        if code is not None and code != 0 and out.startswith("Error response from daemon"):
            raise GradingInfraError(f"grading container {self.name}: {out.strip()[:300]}")
        return code, out


async def _apply(box: GradingContainer, patch: str) -> tuple[bool, str, str]:
    """The harness's apply chain; (applied, command, output of the last try)."""
    await box.write(PATCH_PATH, patch if patch.endswith("\n") else patch + "\n")
    output = ""
    for attempt, command in enumerate(GIT_APPLY_CMDS):
        if attempt:
            await box.sh("git checkout -- . ; git clean -fdq")
        code, output = await box.sh(f"{command} {PATCH_PATH}")
        if code == 0:
            return True, command, output
    code, _ = await box.sh(f"git apply --check --reverse {PATCH_PATH}")
    if code == 0:
        return True, "already applied", output
    await box.sh("git checkout -- . ; git clean -fdq")
    return False, "", output


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


async def grade(
    instance: SweInstance,
    patch: str,
    *,
    test_timeout_sec: int = DEFAULT_TEST_TIMEOUT_SEC,
    limits: SandboxLimits | None = None,
) -> GradeResult:
    """Grade PATCH (a diff against base_commit; may be empty) for INSTANCE."""
    started = time.monotonic()
    async with GradingContainer(instance.image, instance.workdir, limits) as box:
        await box.sh("git config --global --add safe.directory '*'")
        if instance.pro is not None:
            result = await _grade_pro(box, instance, patch, test_timeout_sec)
        else:
            result = await _grade_swebench(box, instance, patch, test_timeout_sec)
    result.total_seconds = time.monotonic() - started
    return result


async def _grade_swebench(
    box: GradingContainer, instance: SweInstance, patch: str, test_timeout_sec: int
) -> GradeResult:
    iid = instance.instance_id
    apply_command = "(empty patch)"
    if patch.strip():
        applied, apply_command, output = await _apply(box, patch)
        if not applied:
            return GradeResult(
                iid, False, "patch_failed", f"{APPLY_PATCH_FAIL}: {_tail(output, 8)}"
            )
    spec = make_test_spec(instance.model_dump())
    await box.write(EVAL_PATH, spec.eval_script)
    t0 = time.monotonic()
    code, log = await box.sh(f"bash {EVAL_PATH}", timeout=test_timeout_sec)
    test_seconds = time.monotonic() - t0
    if code is None:
        return GradeResult(
            iid, False, "tests_timed_out", f"tests ran past {test_timeout_sec} s",
            apply_command=apply_command, test_seconds=test_seconds,
        )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="swe-grade-") as tmp:
        log_path = Path(tmp) / "test_output.txt"
        log_path.write_text(log)
        status_map, _ = get_logs_eval(spec, str(log_path))
        report = get_eval_report(
            test_spec=spec,
            prediction={"instance_id": iid, "model_patch": patch},
            test_log_path=str(log_path),
            include_tests_status=True,
        )[iid]
        if not report["patch_successfully_applied"]:
            classified = classify_logs(str(log_path))
            if classified and classified[1] == TIER_ENVIRONMENT:
                raise GradingInfraError(f"instance {iid}: environment failure: {classified[0]}")
            return GradeResult(
                iid, False, "no_test_results",
                "no test results could be parsed from the log (tests did not run or the test "
                f"patch did not apply); exit code {code}",
                apply_command=apply_command, test_seconds=test_seconds, log_tail=_tail(log),
            )  # fmt: skip
    resolved = bool(report["resolved"])
    return GradeResult(
        iid, resolved, "resolved" if resolved else "unresolved",
        tests_status=report.get("tests_status", {}), status_map=status_map,
        apply_command=apply_command, test_seconds=test_seconds, log_tail=_tail(log),
    )  # fmt: skip


async def _grade_pro(
    box: GradingContainer, instance: SweInstance, patch: str, test_timeout_sec: int
) -> GradeResult:
    iid, pro = instance.instance_id, instance.pro
    assert pro is not None
    await box.sh("mkdir -p /workspace")
    await box.write("/workspace/patch.diff", patch)
    if patch.strip():
        code, output = await box.sh("git apply --check /workspace/patch.diff")
        if code != 0:
            reason = f"{APPLY_PATCH_FAIL}: {_tail(output, 8)}"
            return GradeResult(iid, False, "patch_failed", reason)
    await box.write("/workspace/run_script.sh", pro.run_script)
    await box.write("/workspace/parser.py", pro.parser_script)
    await box.write("/workspace/entryscript.sh", instance.eval_script)
    t0 = time.monotonic()
    code, log = await box.sh("bash /workspace/entryscript.sh", timeout=test_timeout_sec)
    test_seconds = time.monotonic() - t0
    if code is None:
        return GradeResult(iid, False, "tests_timed_out", f"tests ran past {test_timeout_sec} s")
    code, output = await box.sh("cat /workspace/output.json")
    try:
        tests = json.loads(output)["tests"]
        status_map = {t["name"]: t["status"] for t in tests}
    except (json.JSONDecodeError, KeyError, TypeError):
        _, stdout = await box.sh("tail -n 40 /workspace/stdout.log /workspace/stderr.log")
        return GradeResult(
            iid, False, "no_test_results", "parser.py wrote no readable /workspace/output.json",
            test_seconds=test_seconds, log_tail=_tail(log + stdout),
        )  # fmt: skip
    passed = {name for name, status in status_map.items() if status == "PASSED"}
    lists = {"FAIL_TO_PASS": instance.FAIL_TO_PASS, "PASS_TO_PASS": instance.PASS_TO_PASS}
    report = {
        key: {
            "success": [t for t in names if t in passed],
            "failure": [t for t in names if t not in passed],
        }
        for key, names in lists.items()
    }
    resolved = set(instance.FAIL_TO_PASS) | set(instance.PASS_TO_PASS) <= passed
    return GradeResult(
        iid, resolved, "resolved" if resolved else "unresolved", tests_status=report,
        status_map=status_map, apply_command="git apply -v", test_seconds=test_seconds,
        log_tail=_tail(log),
    )  # fmt: skip
