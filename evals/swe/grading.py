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
`no_test_results` are scores (0 or 1), with swebench's infrastructure classification recorded
as advisory flags (`infra_failure`, `infra_failure_reason`; the verdict stays as swebench gives
it); `needs_network` (offline grading only: the eval script had to download something and no
test ran) is no score at all. Only failures of OUR machinery raise `GradingInfraError` (the
container could not start, an exec broke): the sample errors; it is not a wrong answer.

Network and capabilities are the official harnesses' (see `GradingPolicy`): grading runs on
Docker's default bridge network, as both official harnesses do; `network="offline"` grades with
no network and the offline knobs of `OFFLINE_ENV`, and says so in the result.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from swebench.harness.constants import APPLY_PATCH_FAIL
from swebench.harness.grading import get_eval_report, get_logs_eval, parse_test_exit_code
from swebench.harness.infra_failure import TIER_ENVIRONMENT, classify_text
from swebench.harness.utils import make_test_spec

from longcat_evals.evals.swe.schema import SweInstance, patch_files
from longcat_evals.sandboxes import network as sandbox_network
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
"""swebench's `--timeout` default (run_evaluation.py)."""
PRO_TEST_TIMEOUT_SEC = 3600
"""The Pro evaluator's Modal sandbox timeout (`timeout=60 * 60`)."""
PRO_MEMORY_MB = 30 * 1024
"""The Pro evaluator's Modal memory limit (`memory=(5 * 1024, 30 * 1024)`: request, limit)."""
DOCKER_TIMEOUT_SEC = 120
# `docker run` may pull a multi-GB official image first.
START_TIMEOUT_SEC = 1800


GradingNetwork = Literal["online", "offline"]

# Offline grading: tools that would download fail at once (no retries against a dead network)
# or use what the image already holds. PIP_NO_BUILD_ISOLATION=0 is pip's spelling of
# --no-build-isolation (its "no-" options read env values inverted): `pip install -e .` builds
# with the setuptools/wheel already in the image instead of downloading them into an isolated
# build env (measured: `pip install -e .` of a setuptools project, network none: 8.5 s then
# "Temporary failure in name resolution" without these, 2.4 s and success with them).
OFFLINE_ENV = {
    "PIP_NO_INDEX": "1",
    "PIP_NO_BUILD_ISOLATION": "0",
    "npm_config_offline": "true",
    "YARN_ENABLE_OFFLINE_MODE": "1",
    "GOPROXY": "off",
    "CARGO_NET_OFFLINE": "true",
    "COMPOSER_DISABLE_NETWORK": "1",
}
# What a tool prints when, offline, it needed to download something: swebench's own
# network signature plus the messages of the offline knobs above.
NEEDS_NETWORK = re.compile(
    r"Could not resolve host|Temporary failure in name resolution|Network is unreachable|"
    r"No matching distribution found|ENOTCACHED|EAI_AGAIN|getaddrinfo ENOTFOUND|"
    r"module lookup disabled by GOPROXY=off|--offline was specified|"
    r"Network disabled via COMPOSER_DISABLE_NETWORK"
)


@dataclass(frozen=True)
class GradingPolicy:
    """How the grading container is run: network, capabilities, limits, test timeout."""

    network: GradingNetwork = "online"
    """`online`: Docker's default bridge network, as both official harnesses grade;
    `offline`: no network at all plus `OFFLINE_ENV` (air-gapped users; visible in metadata)."""
    cap_add: tuple[str, ...] = ("SYS_ADMIN",)
    """swebench adds SYS_ADMIN (Docker's seccomp profile allows the user namespaces of browser
    sandboxes only with it); the Pro evaluator adds nothing."""
    test_timeout_sec: int = DEFAULT_TEST_TIMEOUT_SEC
    limits: SandboxLimits | None = None


def official_policy(
    instance: SweInstance,
    network: GradingNetwork | None = None,
    test_timeout_sec: int | None = None,
    limits: SandboxLimits | None = None,
) -> GradingPolicy:
    """The official harness's grading for INSTANCE's dataset, with the user's overrides.

    swebench (Verified, Multilingual): bridge network, SYS_ADMIN, 1800 s. SWE-bench Pro: bridge
    network (`--block_network` is opt-in), no capability, 3600 s, 30 GiB. Local instances are
    graded as swebench grades but offline by default: their images are built with no network,
    so their eval scripts must not need one.
    """
    if network is None:
        network = "offline" if instance.environment is not None else "online"
    if instance.pro is not None:
        return GradingPolicy(
            network=network,
            cap_add=(),
            test_timeout_sec=test_timeout_sec or PRO_TEST_TIMEOUT_SEC,
            limits=limits,
        )
    return GradingPolicy(
        network=network,
        test_timeout_sec=test_timeout_sec or DEFAULT_TEST_TIMEOUT_SEC,
        limits=limits,
    )


class GradingInfraError(RuntimeError):
    """The grading container could not run the tests: an infrastructure failure, not a score."""


@dataclass
class GradeResult:
    """What grading found for one patch."""

    instance_id: str
    resolved: bool
    outcome: str
    """resolved | unresolved | patch_failed | tests_timed_out | no_test_results | needs_network"""
    reason: str = ""
    grading_network: GradingNetwork = "online"
    """How the grading container was networked (`offline` changes what eval scripts can do)."""
    infra_failure: bool = False
    """swebench's advisory classification: the log shows an environment fault (never changes
    the verdict, as in swebench's report)."""
    infra_failure_reason: str = ""
    """swebench's signature name (`network_unreachable`, `browser_launch_failed`, ...), also for
    the ambiguous tier (`missing_module`, ...), where `infra_failure` stays False."""
    test_exit_code: int | None = None
    """The test command's own exit status as the eval script recorded it (None: not recorded)."""
    binary_hunks_stripped: list[str] = field(default_factory=list)
    """Pro: files whose binary hunks were dropped from the patch, as the Pro evaluator does."""
    tests_status: dict = field(default_factory=dict)
    """FAIL_TO_PASS/PASS_TO_PASS → success/failure lists (swebench's report)."""
    status_map: dict = field(default_factory=dict)
    """Every parsed test → PASSED/FAILED/SKIPPED/ERROR/XFAIL."""
    apply_command: str = ""
    test_seconds: float = 0.0
    total_seconds: float = 0.0
    log_tail: str = ""

    @property
    def scored(self) -> bool:
        """False when grading could not decide (offline and the eval script needed network)."""
        return self.outcome != "needs_network"

    def as_metadata(self) -> dict:
        return asdict(self)

    def classify(self, log: str) -> None:
        """Record swebench's advisory infrastructure classification of LOG."""
        classified = classify_text(log)
        if classified:
            self.infra_failure_reason, tier = classified
            self.infra_failure = tier == TIER_ENVIRONMENT


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
    """A throwaway container of IMAGE run as POLICY says (network, capabilities), removed on exit.

    Always: `--init`, `no-new-privileges` (compatible with the added capabilities: it only stops
    setuid binaries from gaining more), CPU/memory/pids limits, the entrypoint replaced by
    `sleep infinity` (SWE-bench Pro images declare `ENTRYPOINT ["/bin/bash"]`).
    """

    def __init__(self, image: str, workdir: str, policy: GradingPolicy | None = None):
        self.image, self.workdir = image, workdir
        self.policy = policy or GradingPolicy()
        self.limits = self.policy.limits or SandboxLimits(cpus=1.0, memory_mb=4096, pids=1024)
        self.name = f"longcat-swe-grade-{uuid.uuid4().hex[:12]}"

    def run_args(self) -> list[str]:
        """The `docker run` arguments (tests read them to check the policy)."""
        # Online grading reaches the outside as the official harnesses' default bridge does, but
        # through the project's egress network, which keeps the model's patch away from services
        # on this host and from other samples (sandboxes/network.py).
        if self.policy.network == "offline":
            network = ["--network", "none"]
        else:
            sandbox_network.ensure_egress()
            network = ["--network", sandbox_network.EGRESS_NETWORK]
        env = []
        if self.policy.network == "offline":
            for key, value in OFFLINE_ENV.items():
                env += ["--env", f"{key}={value}"]
        caps = [f"--cap-add={cap}" for cap in self.policy.cap_add]
        return [
            "docker", "run", "--detach", "--name", self.name, "--label", f"{MANAGED_LABEL}=true",
            *ownership.docker_label_args(),
            *network, *env, *caps, "--init", "--security-opt", "no-new-privileges:true",
            f"--cpus={self.limits.cpus}", f"--memory={self.limits.memory_mb}m",
            f"--memory-swap={self.limits.memory_mb}m", f"--pids-limit={self.limits.pids}",
            "--workdir", self.workdir, "--entrypoint", "sleep", self.image, "infinity",
        ]  # fmt: skip

    async def __aenter__(self) -> GradingContainer:
        code, out = await _run(*self.run_args(), timeout=START_TIMEOUT_SEC)
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
    policy: GradingPolicy | None = None,
) -> GradeResult:
    """Grade PATCH (a diff against base_commit; may be empty) for INSTANCE.

    POLICY defaults to the official one for the instance's dataset (`official_policy`).
    """
    started = time.monotonic()
    policy = policy or official_policy(instance)
    async with GradingContainer(instance.image, instance.workdir, policy) as box:
        await box.sh("git config --global --add safe.directory '*'")
        if instance.pro is not None:
            result = await _grade_pro(box, instance, patch, policy.test_timeout_sec)
        else:
            result = await _grade_swebench(box, instance, patch, policy.test_timeout_sec)
    result.grading_network = policy.network
    result.total_seconds = time.monotonic() - started
    return result


def _needs_network(network: GradingNetwork, log: str) -> str:
    """Offline only: the line of LOG showing that the eval script needed to download."""
    if network != "offline":
        return ""
    match = NEEDS_NETWORK.search(log)
    if not match:
        return ""
    start = log.rfind("\n", 0, match.start()) + 1
    end = log.find("\n", match.end())
    return log[start : end if end >= 0 else None].strip()[:300]


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
        result = GradeResult(
            iid, False, "tests_timed_out", f"tests ran past {test_timeout_sec} s",
            apply_command=apply_command, test_seconds=test_seconds,
        )  # fmt: skip
        # swebench appends this line to the log of a timed-out run, then classifies it.
        result.classify(f"Timeout error: {test_timeout_sec} seconds exceeded.")
        return result
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
    exit_code = parse_test_exit_code(log)
    common = dict(
        apply_command=apply_command, test_seconds=test_seconds, log_tail=_tail(log),
        infra_failure=bool(report.get("infra_failure")),
        infra_failure_reason=report.get("infra_failure_reason", ""), test_exit_code=exit_code,
    )  # fmt: skip
    if not report["patch_successfully_applied"]:
        needed = _needs_network(box.policy.network, log)
        if needed:
            reason = f"graded offline and the eval script needed the network: {needed}"
            return GradeResult(iid, False, "needs_network", reason, **common)
        recorded = "not recorded" if exit_code is None else str(exit_code)
        return GradeResult(
            iid, False, "no_test_results",
            "no test results could be parsed from the log (tests did not run or the test "
            f"patch did not apply); test command exit code: {recorded}",
            **common,
        )  # fmt: skip
    resolved = bool(report["resolved"])
    return GradeResult(
        iid, resolved, "resolved" if resolved else "unresolved",
        tests_status=report.get("tests_status", {}), status_map=status_map, **common,
    )  # fmt: skip


def strip_binary_hunks(patch: str) -> tuple[str, list[str]]:
    """The Pro evaluator's `strip_binary_hunks`: drop every file section of PATCH that holds a
    binary diff (`Binary files ... differ` or `GIT binary patch`); also the files dropped."""
    if not patch:
        return patch, []
    kept, dropped = [], []
    for section in re.split(r"(?=^diff --git )", patch, flags=re.MULTILINE):
        if not section.strip():
            continue
        if re.search(r"^Binary files .* differ$", section, re.MULTILINE) or re.search(
            r"^GIT binary patch$", section, re.MULTILINE
        ):
            dropped += patch_files(section)
            continue
        kept.append(section)
    return "".join(kept), dropped


async def _grade_pro(
    box: GradingContainer, instance: SweInstance, patch: str, test_timeout_sec: int
) -> GradeResult:
    iid, pro = instance.instance_id, instance.pro
    assert pro is not None
    patch, stripped = strip_binary_hunks(patch)
    await box.sh("mkdir -p /workspace")
    await box.write("/workspace/patch.diff", patch)
    if patch.strip():
        code, output = await box.sh("git apply --check /workspace/patch.diff")
        if code != 0:
            reason = f"{APPLY_PATCH_FAIL}: {_tail(output, 8)}"
            return GradeResult(iid, False, "patch_failed", reason, binary_hunks_stripped=stripped)
    await box.write("/workspace/run_script.sh", pro.run_script)
    await box.write("/workspace/parser.py", pro.parser_script)
    await box.write("/workspace/entryscript.sh", instance.eval_script)
    t0 = time.monotonic()
    entry_code, log = await box.sh("bash /workspace/entryscript.sh", timeout=test_timeout_sec)
    test_seconds = time.monotonic() - t0
    common = dict(
        binary_hunks_stripped=stripped, test_seconds=test_seconds, apply_command="git apply -v"
    )
    if entry_code is None:
        return GradeResult(
            iid, False, "tests_timed_out", f"tests ran past {test_timeout_sec} s", **common
        )
    _, logs = await box.sh("cat /workspace/stdout.log /workspace/stderr.log")
    _, output = await box.sh("cat /workspace/output.json")
    try:
        tests = json.loads(output)["tests"]
        status_map = {t["name"]: t["status"] for t in tests}
    except (json.JSONDecodeError, KeyError, TypeError):
        status_map = None
    passed = {name for name, status in (status_map or {}).items() if status == "PASSED"}
    result = None
    if not passed:
        # No test passed: the run script may have stopped early (Pro's run scripts `set -e`;
        # 11 NodeBB ones `npm install` first). Offline, that is "needs network", not a 0.
        needed = _needs_network(box.policy.network, log + "\n" + logs)
        if needed:
            reason = f"graded offline and the run script needed the network: {needed}"
            result = GradeResult(iid, False, "needs_network", reason, **common)
        elif status_map is None:
            result = GradeResult(
                iid, False, "no_test_results",
                "parser.py wrote no readable /workspace/output.json (entry script exit code "
                f"{entry_code})",
                **common,
            )  # fmt: skip
        if result is not None:
            result.log_tail = _tail(log + "\n" + logs)
            result.classify(log + "\n" + logs)
            return result
    lists = {"FAIL_TO_PASS": instance.FAIL_TO_PASS, "PASS_TO_PASS": instance.PASS_TO_PASS}
    report = {
        key: {
            "success": [t for t in names if t in passed],
            "failure": [t for t in names if t not in passed],
        }
        for key, names in lists.items()
    }
    resolved = set(instance.FAIL_TO_PASS) | set(instance.PASS_TO_PASS) <= passed
    result = GradeResult(
        iid, resolved, "resolved" if resolved else "unresolved", tests_status=report,
        status_map=status_map or {}, log_tail=_tail(log + "\n" + logs), **common,
    )  # fmt: skip
    if not passed:
        result.classify(log + "\n" + logs)
    return result
