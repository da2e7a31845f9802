"""Grade a patch the way the official harnesses do, in a FRESH container of the instance image.

The container is the sample's second compose service, `grader` (`swe_sandbox`,
`grader_service`): Inspect starts it with the agent's container and removes it with the
sample, and grading drives it through Inspect's sandbox API only (exec, write_file,
read_file), so it runs wherever Inspect's sandbox does. It is fresh: nothing the agent does
reaches it (no shared volume; the agent's container has no network), it holds the image as
built (with whatever history the official eval scripts need), and `grade` refuses a grader
used before. While the agent works it idles in `sleep infinity`: Docker's limits are
ceilings, not reservations, so it holds only its few MiB of memory; on Kubernetes its
requests are reserved for the whole sample (docs/KUBERNETES.md).

swebench 5.x (Verified, Multilingual, local): try the harness's patch-apply chain (`git
apply`, `--3way`, `--reject`, `patch --fuzz=5`) with the model patch, run the instance's eval
script (it resets and applies the test patch, runs the tests between the output markers), then
`get_eval_report` with the instance's log parser: resolved iff every FAIL_TO_PASS and
PASS_TO_PASS test passes.

SWE-bench Pro: the Pro evaluator's entry script (patch, last line of before_repo_set_cmd,
run_script.sh on the selected test files, parser.py → output.json); resolved iff
FAIL_TO_PASS ∪ PASS_TO_PASS ⊆ the tests output.json reports PASSED.

Outcomes are kept apart: `resolved`/`unresolved`/`patch_failed`/`tests_timed_out`/
`no_test_results` are scores (0 or 1), with swebench's infrastructure classification recorded
as advisory flags (`infra_failure`, `infra_failure_reason`; the verdict stays as swebench gives
it); `needs_network` (offline grading only: the eval script had to download something and no
test ran) is no score at all. Only failures of OUR machinery raise `GradingInfraError` (the
grader is missing, dead, or an exec broke): the sample errors; it is not a wrong answer.

Network and capabilities are the official harnesses' (see `GradingPolicy`): online grading
reaches the outside as both harnesses' bridge network does (through our egress network, which
keeps the host and other samples out of reach); `network="offline"` grades with no network
and the offline knobs of `OFFLINE_ENV`, and says so in the result.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from inspect_ai.util import (
    SandboxEnvironment,
    SandboxEnvironmentSpec,
    SandboxUnavailableError,
    sandbox,
)
from swebench.harness.constants import APPLY_PATCH_FAIL
from swebench.harness.grading import get_eval_report, get_logs_eval, parse_test_exit_code
from swebench.harness.infra_failure import TIER_ENVIRONMENT, classify_text
from swebench.harness.utils import make_test_spec

from longcat_evals.evals.swe.schema import SweInstance, patch_files
from longcat_evals.sandboxes import network as sandbox_network
from longcat_evals.sandboxes.compose import SandboxLimits, compose_config, service, write_compose

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
GRADER_SERVICE = "grader"
"""The compose service of a SWE sample that grades it (`swe_sandbox`)."""
OUTPUT_PATH = "/tmp/.longcat-grading-output"
FRESH_MARK = "/tmp/.longcat-graded"
INLINE_OUTPUT_BYTES = 4 * 1024 * 1024
"""Command output up to this size comes back with the exec; larger is read back as a file."""
EXEC_TIMEOUT_SEC = 120
DEFAULT_TEST_TIMEOUT_SEC = 1800
"""swebench's `--timeout` default (run_evaluation.py)."""
PRO_TEST_TIMEOUT_SEC = 3600
"""The Pro evaluator's Modal sandbox timeout (`timeout=60 * 60`)."""
PRO_MEMORY_MB = 30 * 1024
"""The Pro evaluator's Modal memory limit (`memory=(5 * 1024, 30 * 1024)`: request, limit)."""
DEFAULT_GRADING_LIMITS = SandboxLimits(cpus=1.0, memory_mb=4096, pids=1024, disk_mb=None)


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
    """How the grader container runs: network, capabilities, limits, test timeout."""

    network: GradingNetwork = "online"
    """`online`: the outside (as both official harnesses grade, on Docker's bridge), through
    our egress network; `offline`: no network at all plus `OFFLINE_ENV` (air-gapped users;
    visible in metadata)."""
    cap_add: tuple[str, ...] = ("SYS_ADMIN",)
    """Added to Docker's default set. swebench adds SYS_ADMIN (Docker's seccomp profile allows
    the user namespaces of browser sandboxes only with it); the Pro evaluator adds nothing."""
    test_timeout_sec: int = DEFAULT_TEST_TIMEOUT_SEC
    limits: SandboxLimits = field(default_factory=DEFAULT_GRADING_LIMITS.model_copy)
    """CPU, memory (swap included) and pids of the grader; its `disk_mb` is not applied."""

    def as_metadata(self) -> dict:
        """The policy as a sample carries it (`metadata["grading"]`): the scorer reads it back,
        and the log shows how each sample's grader ran."""
        return {**asdict(self), "cap_add": list(self.cap_add), "limits": self.limits.model_dump()}

    @classmethod
    def from_metadata(cls, data: dict) -> GradingPolicy:
        return cls(
            network=data["network"],
            cap_add=tuple(data["cap_add"]),
            test_timeout_sec=int(data["test_timeout_sec"]),
            limits=SandboxLimits.model_validate(data["limits"]),
        )


def official_policy(
    instance: SweInstance,
    network: GradingNetwork | None = None,
    test_timeout_sec: int | None = None,
    limits: SandboxLimits | None = None,
) -> GradingPolicy:
    """The official harness's grading for INSTANCE's dataset, with the user's overrides.

    swebench (Verified, Multilingual): online, SYS_ADMIN, 1800 s. SWE-bench Pro: online
    (`--block_network` is opt-in), no capability, 3600 s, 30 GiB (the task's default). Local
    instances are graded as swebench grades but offline by default: their images are built
    with no network, so their eval scripts must not need one.
    """
    if network is None:
        network = "offline" if instance.environment is not None else "online"
    limits = limits or DEFAULT_GRADING_LIMITS
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


@dataclass(frozen=True)
class GradingOptions:
    """The user's grading options for a whole task; None keeps the official value."""

    network: GradingNetwork | None = None
    test_timeout_sec: int | None = None
    limits: SandboxLimits | None = None

    def policy(self, instance: SweInstance) -> GradingPolicy:
        return official_policy(instance, self.network, self.test_timeout_sec, self.limits)


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


class Grader:
    """The sample's grader service, driven through Inspect's sandbox API.

    Failures of the sandbox itself (the container died, Inspect could not exec or copy) raise
    `GradingInfraError`; a command's own failure is its exit code.
    """

    def __init__(self, box: SandboxEnvironment, workdir: str):
        self.box, self.workdir = box, workdir

    async def write(self, path: str, text: str) -> None:
        try:
            await self.box.write_file(path, text)
        except (SandboxUnavailableError, RuntimeError, OSError) as e:
            raise GradingInfraError(f"could not write {path} in the grader container: {e}") from e

    async def read(self, path: str) -> str | None:
        """The file's text (undecodable bytes replaced, as logs are read), None if missing."""
        try:
            data = await self.box.read_file(path, text=False)
        except FileNotFoundError:
            return None
        except (SandboxUnavailableError, RuntimeError, OSError) as e:
            raise GradingInfraError(f"could not read {path} from the grader container: {e}") from e
        return data.decode("utf-8", errors="replace")

    async def sh(self, script: str, timeout: int = EXEC_TIMEOUT_SEC) -> tuple[int | None, str]:
        """Run SCRIPT with bash in the working directory: (exit code, None on timeout; output).

        stdout and stderr share one file in the container: Docker forwards the two streams
        separately and their lines can swap, which moved test results (stdout) past the `set -x`
        trace of the end marker (stderr) and out of the graded slice. Output past
        `INLINE_OUTPUT_BYTES` is read back as a file (exec's output limit is 10 MiB; a test log
        can be larger). An outer shell reports the script's status, so a script that exits 124
        is not taken for Inspect's timeout.
        """
        wrapper = (
            'bash -c "$1" >"$2" 2>&1; code=$?; '
            f'if [ "$(wc -c <"$2")" -le {INLINE_OUTPUT_BYTES} ]; '
            'then echo "$code inline"; cat "$2"; else echo "$code file"; fi'
        )
        try:
            result = await self.box.exec(
                ["bash", "-c", wrapper, "grade", script, OUTPUT_PATH],
                cwd=self.workdir,
                timeout=timeout,
                timeout_retry=False,  # never run a non-idempotent script twice
            )
        except TimeoutError:
            return None, ""
        except SandboxUnavailableError as e:
            raise GradingInfraError(f"grader container: {e}") from e
        status, _, output = result.stdout.partition("\n")
        match = re.fullmatch(r"(\d+) (inline|file)", status.strip())
        if not result.success or not match:
            # The outer shell did not finish: the container (or its exec) broke under it.
            raise GradingInfraError(
                f"the grader container did not finish a command (exit code {result.returncode}):"
                f" {(result.stderr or result.stdout).strip()[-300:]}"
            )
        if match.group(2) == "file":
            output = await self.read(OUTPUT_PATH) or ""
        return int(match.group(1)), output


def grader_service(instance: SweInstance, policy: GradingPolicy) -> dict:
    """The compose service that grades INSTANCE: a second container of the instance image.

    It starts with the sample and is removed with it; nothing the agent does reaches it (no
    shared volume, and no network path: the agent's container has none, and the grader's
    egress network keeps containers apart). Differences from the agent's container are the
    official harnesses' (`GradingPolicy`): Docker's DEFAULT capability set (not our reduced
    one) plus the policy's additions, the egress network when online, `OFFLINE_ENV` when
    offline, the grading limits, and no disk limit (neither harness sets one).
    """
    limits = policy.limits.model_copy(update={"disk_mb": None})
    spec = service(
        instance.image,
        network=policy.network == "online",
        limits=limits,
        working_dir=instance.workdir,
        local_image=instance.environment is not None,
        environment=OFFLINE_ENV if policy.network == "offline" else None,
    )
    del spec["cap_drop"]
    if policy.cap_add:
        spec["cap_add"] = list(policy.cap_add)
    else:
        del spec["cap_add"]
    if policy.network == "online":
        # The outside as the official harnesses' default bridge gives it, through the project's
        # egress network, which keeps the model's patch away from services on this host and
        # from other samples (sandboxes/network.py).
        spec["networks"] = {sandbox_network.EGRESS_NETWORK: {}}
    return spec


def swe_sandbox(
    instance: SweInstance, limits: SandboxLimits, policy: GradingPolicy
) -> SandboxEnvironmentSpec:
    """One SWE sample's sandbox: the agent's container (`default`, no network, our secure
    defaults, LIMITS) and the grader (`grader_service`), both from the instance image."""
    agent = service(
        instance.image,
        limits=limits,
        working_dir=instance.workdir,
        local_image=instance.environment is not None,
    )
    config = compose_config({"default": agent, GRADER_SERVICE: grader_service(instance, policy)})
    return SandboxEnvironmentSpec("docker", str(write_compose(config)))


async def _apply(box: Grader, patch: str) -> tuple[bool, str, str]:
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
    box: SandboxEnvironment | None = None,
) -> GradeResult:
    """Grade PATCH (a diff against base_commit; may be empty) for INSTANCE in the sample's
    grader (BOX, default: the sample's `grader` service), once: a grader already used refuses.

    POLICY is the one the grader was started with (the sample's `metadata["grading"]`); it
    defaults to the official one for the instance's dataset (`official_policy`).
    """
    started = time.monotonic()
    policy = policy or official_policy(instance)
    grader = Grader(box or _grader_box(instance), instance.workdir)
    code, out = await grader.sh(
        f"if [ -e {FRESH_MARK} ]; then echo 'already used'; exit 3; fi; touch {FRESH_MARK}\n"
        "git config --global --add safe.directory '*'"
    )
    if code != 0:
        raise GradingInfraError(
            f"{instance.instance_id}: the grader container is not fresh ({out.strip()[-200:]}): "
            "each sample is graded once, in its own fresh grader"
        )
    if instance.pro is not None:
        result = await _grade_pro(grader, instance, patch, policy)
    else:
        result = await _grade_swebench(grader, instance, patch, policy)
    result.grading_network = policy.network
    result.total_seconds = time.monotonic() - started
    return result


def _grader_box(instance: SweInstance) -> SandboxEnvironment:
    try:
        return sandbox(GRADER_SERVICE)
    except (ValueError, ProcessLookupError) as e:
        raise GradingInfraError(
            f"{instance.instance_id}: the sample's sandbox has no '{GRADER_SERVICE}' service "
            "(build SWE samples' sandboxes with grading.swe_sandbox)"
        ) from e


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
    box: Grader, instance: SweInstance, patch: str, policy: GradingPolicy
) -> GradeResult:
    iid, test_timeout_sec = instance.instance_id, policy.test_timeout_sec
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
        needed = _needs_network(policy.network, log)
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
    box: Grader, instance: SweInstance, patch: str, policy: GradingPolicy
) -> GradeResult:
    iid, pro, test_timeout_sec = instance.instance_id, instance.pro, policy.test_timeout_sec
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
    logs = "".join(
        [await box.read(f"/workspace/{name}.log") or "" for name in ("stdout", "stderr")]
    )
    output = await box.read("/workspace/output.json") or ""
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
        needed = _needs_network(policy.network, log + "\n" + logs)
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
