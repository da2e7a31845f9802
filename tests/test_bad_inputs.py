"""The malformed-input corpus: every bad input a user can type gives one line, no traceback.

Each case is a command as a user types it (`inspect eval ...`, `longcat-evals ...`) with one
malformed input: a task option, a task directory, a dataset, a model argument, a checkpoint or
a CLI argument. Each asserts: the right exit code (1 from `inspect`, which exits 1 on its
one-line PrerequisiteError; 2 from `longcat-evals` and click), exactly one error line that names
the offending thing, no traceback, and no file written (no log, no plot, nothing in the fixtures).
Cases whose fix lives in another part of the project are `xfail(strict=True)` naming the part:
when it is fixed, the case passes and strict xfail fails, so the mark must be removed.

Set LONGCAT_BAD_INPUTS_OUT=DIR to keep every case's output there (`grep -c Traceback DIR/*`).

How commands run: each as the venv's own console script (`inspect`, `longcat-evals`) in a fresh
process, exactly as a user types it; rich wraps at $COLUMNS, so the corpus sets it wide and a
one-line message stays one line.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Run:
    """What one command printed and how it ended."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def lines(self) -> list[str]:
        """The non-blank lines printed (stdout, then stderr)."""
        return [line for line in self.output.splitlines() if line.strip()]


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300) -> Run:
    """Run ARGV (`inspect ...` or `longcat-evals ...`) in CWD with ENV added; never raises.

    A fresh process, not a fork of the test process: a fork inherits whatever earlier tests left
    in it (after in-process Inspect evals the forked children printed nothing).
    """
    import subprocess

    script = Path(sys.executable).parent / argv[0]
    try:
        done = subprocess.run(
            [str(script), *argv[1:]], cwd=cwd, env={**os.environ, **(env or {})},
            capture_output=True, text=True, errors="replace", timeout=timeout,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        return Run(list(argv), done.returncode, done.stdout, done.stderr)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else e.stdout or ""
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr or ""
        return Run(list(argv), 124, out, err + f"\n[timed out after {timeout} s]")


# ----------------------------------------------------------------------------- fixtures

REPO = Path(__file__).resolve().parents[1]
HELLO = REPO / "tests" / "terminal" / "fixtures" / "hello-harbor"
SWE_ROWS = REPO / "tasks" / "swe" / "instances.jsonl"


def _task_dir(root: Path, name: str, toml_edit: tuple[str, str] | None = None) -> Path:
    target = root / name
    shutil.copytree(HELLO, target)
    if toml_edit:
        toml = target / "task.toml"
        old, new = toml_edit
        assert old in toml.read_text()
        toml.write_text(toml.read_text().replace(old, new))
    return target


def make_fixtures(root: Path) -> None:
    """Malformed inputs of every kind, in the shapes users have them."""
    (root / "a-file").write_text("not a directory\n")
    (root / "empty-dir").mkdir()
    _task_dir(root, "bad-toml").joinpath("task.toml").write_text("[environment\ncpus = 1\n")
    (root / "logs-empty").mkdir()
    (root / "not-a-log.eval").write_text("plain text, not an Inspect log\n")
    (root / "truncated.eval").write_bytes(b"PK\x03\x04\x14\x00\x00\x00")  # a cut-off zip
    (root / "bad-tokenizer.json").write_text("{not json")
    (root / "image-map-list.yaml").write_text("- not\n- a mapping\n")
    swe = root / "swe"
    swe.mkdir()
    (swe / "empty.jsonl").write_text("")
    (swe / "one-row.jsonl").write_text(SWE_ROWS.read_text().splitlines()[0] + "\n")
    for name, config, weights in (
        ("ckpt-corrupt", "{}", b"definitely not safetensors"),
        ("ckpt-bad-config", "{not json", None),
        ("ckpt-empty", None, None),
    ):
        ckpt = root / name
        ckpt.mkdir()
        if config is not None:
            (ckpt / "config.json").write_text(config)
        if weights is not None:
            (ckpt / "model.safetensors").write_bytes(weights)


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() or p.is_symlink()
    }


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad_inputs_fixtures")
    make_fixtures(root)
    return root


# ----------------------------------------------------------------------------- the corpus

EVAL = "inspect eval --model mockllm/model longcat_evals/"
NIAH = EVAL + "niah -T lengths=4k -T depths=50 "
LOCAL = "inspect eval longcat_evals/niah -T lengths=4k -T depths=50 --model longcat-local/"
ENDPOINT = "inspect eval longcat_evals/niah -T lengths=4k -T depths=50 --model longcat/LongCat-2.0 "
INSPECT_RC = 1  # Inspect's exception hook prints a PrerequisiteError and exits 1
CLI_RC = 2  # longcat-evals' _fail and click's usage errors


@dataclass(frozen=True)
class Case:
    """One malformed input: the command, its exit code and what its one line must say."""

    id: str
    command: str
    rc: int
    says: str
    env: dict[str, str] = field(default_factory=dict)
    docker: bool = False
    """Reaches the engine check (the option is validated after it), so needs a Docker engine."""
    owner: str | None = None
    """Where the fix lives when it is not fixed yet (the case is a strict xfail)."""


def _agent_cases() -> list[Case]:
    tasks = ["niah", "ruler", "mrcr", "repo_retrieval", "sandbox_smoke", "terminal_bench"]
    tasks += ["swe_local", "swe_bench_verified", "swe_bench_multilingual", "swe_bench_pro"]
    return [
        Case(
            f"{t}-agent-typo",
            f"{EVAL}{t} -T agent=orcale",
            INSPECT_RC,
            f"{t}: unknown agent 'orcale' (valid: ",
        )
        for t in tasks
    ]


CASES: list[Case] = [
    *_agent_cases(),
    # Task options: long-context
    Case(
        "niah-mini-agent",
        NIAH + "-T agent=mini",
        INSPECT_RC,
        "agent 'mini' is not available here (valid: default, oracle, null)",
    ),
    Case("niah-agent-number", NIAH + "-T agent=3", INSPECT_RC, "niah: unknown agent 3"),
    Case(
        "niah-option-typo",
        NIAH + "-T lenghts=8k",
        INSPECT_RC,
        "niah: unknown option -T lenghts (valid: depths, agent, lengths",
    ),
    Case("niah-length-unit", EVAL + "niah -T lengths=4q", INSPECT_RC, "Bad length '4q'"),
    Case(
        "niah-length-above-window",
        EVAL + "niah -T lengths=2m",
        INSPECT_RC,
        "Length 2097152 is above the window",
    ),
    Case(
        "niah-length-float",
        EVAL + "niah -T lengths=3.5",
        INSPECT_RC,
        "niah: bad option -T lengths=3.5",
    ),
    Case(
        "niah-length-too-short", EVAL + "niah -T lengths=100", INSPECT_RC, "Length 100 is too short"
    ),
    Case("niah-window-word", NIAH + "-T window=big", INSPECT_RC, "Bad length 'big'"),
    Case("niah-window-small", NIAH + "-T window=1k", INSPECT_RC, "Length 4096 is above the window"),
    Case(
        "niah-depth-range",
        EVAL + "niah -T lengths=4k -T depths=150",
        INSPECT_RC,
        "Depth 150 is outside 0-100",
    ),
    Case(
        "niah-depth-word",
        EVAL + "niah -T lengths=4k -T depths=half",
        INSPECT_RC,
        "Option depths='half' is not a comma-separated list of float",
    ),
    Case(
        "niah-seeds-words",
        NIAH + "-T seeds=a,b",
        INSPECT_RC,
        "niah: bad option -T seeds=['a', 'b']: expected int | str | list[int]",
    ),
    Case("niah-seeds-none", NIAH + "-T seeds=0", INSPECT_RC, "Option seeds is empty"),
    Case(
        "niah-control-word",
        NIAH + "-T control=maybe",
        INSPECT_RC,
        "niah: bad option -T control='maybe': input should be a valid boolean",
    ),
    Case(
        "niah-answer-tokens-zero",
        NIAH + "-T answer_tokens=0",
        INSPECT_RC,
        "niah: bad option -T answer_tokens=0: input should be greater than 0",
    ),
    Case(
        "niah-tokenizer-missing",
        NIAH + "-T tokenizer={fx}/no-tokenizer.json",
        INSPECT_RC,
        "Tokenizer file not found: {fx}/no-tokenizer.json",
    ),
    Case(
        "niah-tokenizer-markup-path",
        NIAH + "-T tokenizer={fx}/[/x]/tok.json",
        INSPECT_RC,
        "Tokenizer file not found: {fx}/[/x]/tok.json",
    ),
    Case(
        "niah-tokenizer-corrupt",
        NIAH + "-T tokenizer={fx}/bad-tokenizer.json",
        INSPECT_RC,
        "is not a valid tokenizer.json",
    ),
    Case(
        "ruler-family-unknown",
        EVAL + "ruler -T lengths=4k -T families=needle_soup",
        INSPECT_RC,
        "Unknown RULER family 'needle_soup' (known: niah_single_1",
    ),
    Case(
        "ruler-match-unknown",
        EVAL + "ruler -T lengths=4k -T match=some",
        INSPECT_RC,
        "ruler: unknown match 'some' (valid: fraction, all)",
    ),
    Case(
        "mrcr-needles-unknown",
        EVAL + "mrcr -T lengths=8k -T needles=3",
        INSPECT_RC,
        "mrcr: unknown needle count 3 (valid: 2, 4, 8)",
    ),
    Case(
        "mrcr-needles-word",
        EVAL + "mrcr -T lengths=8k -T needles=two",
        INSPECT_RC,
        "Option needles='two' is not a comma-separated list of int",
    ),
    Case(
        "repo-kind-unknown",
        EVAL + "repo_retrieval -T lengths=8k -T kinds=grep",
        INSPECT_RC,
        "repo_retrieval: unknown kind 'grep' (valid: function, trace)",
    ),
    # Task options: sandboxed families (validated before the engine is touched)
    Case(
        "smoke-memory-negative",
        EVAL + "sandbox_smoke -T memory_mb=-1",
        INSPECT_RC,
        "sandbox_smoke: bad option -T memory_mb=-1: input should be greater than 0",
    ),
    Case(
        "smoke-network-word",
        EVAL + "sandbox_smoke -T network=maybe",
        INSPECT_RC,
        "sandbox_smoke: bad option -T network='maybe': input should be a valid boolean",
    ),
    Case(
        "smoke-pids-zero",
        EVAL + "sandbox_smoke -T pids=0",
        INSPECT_RC,
        "sandbox_smoke: bad option -T pids=0",
    ),
    Case(
        "smoke-seed-word",
        EVAL + "sandbox_smoke -T seed=abc",
        INSPECT_RC,
        "sandbox_smoke: bad option -T seed='abc': input should be a valid integer",
    ),
    Case(
        "terminal-base-images",
        EVAL + "terminal_bench -T base_images=never",
        INSPECT_RC,
        "terminal_bench: bad option -T base_images='never': input should be 'auto', 'map' or "
        "'original'",
    ),
    Case(
        "terminal-network-word",
        EVAL + "terminal_bench -T network=maybe",
        INSPECT_RC,
        "terminal_bench: bad option -T network='maybe'",
    ),
    Case(
        "terminal-memory-unit",
        EVAL + "terminal_bench -T memory_mb=4g",
        INSPECT_RC,
        "terminal_bench: bad option -T memory_mb='4g': input should be a valid integer",
    ),
    Case(
        "terminal-timeout-negative",
        EVAL + "terminal_bench -T timeout_multiplier=-1",
        INSPECT_RC,
        "terminal_bench: bad option -T timeout_multiplier=-1",
    ),
    Case(
        "terminal-timeout-infinite",
        EVAL + "terminal_bench -T timeout_multiplier=.inf",
        INSPECT_RC,
        "terminal_bench: bad option -T timeout_multiplier=inf",
    ),
    Case(
        "terminal-command-timeout-zero",
        EVAL + "terminal_bench -T command_timeout_sec=0",
        INSPECT_RC,
        "terminal_bench: bad option -T command_timeout_sec=0",
    ),
    Case(
        "terminal-message-limit-negative",
        EVAL + "terminal_bench -T message_limit=-5",
        INSPECT_RC,
        "terminal_bench: bad option -T message_limit=-5",
    ),
    Case(
        "terminal-build-workers-word",
        EVAL + "terminal_bench -T build_workers=many",
        INSPECT_RC,
        "build_workers",
        docker=True,
    ),
    Case(
        "swe-local-cpus-negative",
        EVAL + "swe_local -T cpus=-1",
        INSPECT_RC,
        "swe_local: bad option -T cpus=-1: input should be greater than 0",
    ),
    Case(
        "swe-local-test-timeout-word",
        EVAL + "swe_local -T test_timeout_sec=long",
        INSPECT_RC,
        "swe_local: bad option -T test_timeout_sec='long'",
    ),
    Case(
        "swe-local-output-chars-zero",
        EVAL + "swe_local -T max_output_chars=0",
        INSPECT_RC,
        "swe_local: bad option -T max_output_chars=0",
    ),
    Case(
        "swe-local-limit-word",
        EVAL + "swe_local -T limit=abc -T dataset={fx}/swe/one-row.jsonl",
        INSPECT_RC,
        "swe_local: -T limit is Inspect's --limit",
    ),
    Case(
        "swe-local-dataset-number",
        EVAL + "swe_local -T dataset=5",
        INSPECT_RC,
        "swe_local: bad option -T dataset=5: expected a path",
    ),
    Case(
        "swe-pro-memory-zero",
        EVAL + "swe_bench_pro -T memory_mb=0",
        INSPECT_RC,
        "swe_bench_pro: bad option -T memory_mb=0",
    ),
    Case(
        "swe-verified-message-limit-word",
        EVAL + "swe_bench_verified -T message_limit=lots",
        INSPECT_RC,
        "swe_bench_verified: bad option -T message_limit='lots'",
    ),
    # Task directories (terminal)
    Case(
        "terminal-path-missing",
        EVAL + "terminal_bench -T path={fx}/no-such-dir",
        INSPECT_RC,
        "{fx}/no-such-dir",
        docker=True,
    ),
    Case(
        "terminal-path-file",
        EVAL + "terminal_bench -T path={fx}/a-file",
        INSPECT_RC,
        "{fx}/a-file",
        docker=True,
    ),
    Case(
        "terminal-path-empty-dir",
        EVAL + "terminal_bench -T path={fx}/empty-dir",
        INSPECT_RC,
        "{fx}/empty-dir",
        docker=True,
    ),
    Case(
        "terminal-tasks-option",
        EVAL + "terminal_bench -T tasks=no-such-task",
        INSPECT_RC,
        "terminal_bench: -T tasks is Inspect's --sample-id",
    ),
    Case(
        "terminal-image-map-missing",
        EVAL + "terminal_bench -T image_map={fx}/no-map.yaml",
        INSPECT_RC,
        "image map {fx}/no-map.yaml",
        docker=True,
    ),
    Case(
        "terminal-image-map-list",
        EVAL + "terminal_bench -T image_map={fx}/image-map-list.yaml",
        INSPECT_RC,
        "image map {fx}/image-map-list.yaml",
        docker=True,
    ),
    Case(
        "validate-terminal-empty-dir",
        "longcat-evals validate terminal {fx}/empty-dir",
        CLI_RC,
        "{fx}/empty-dir",
    ),
    Case(
        "validate-terminal-file",
        "longcat-evals validate terminal {fx}/a-file",
        CLI_RC,
        "Directory '{fx}/a-file' is a file",
    ),
    Case(
        "validate-terminal-image-map-missing",
        "longcat-evals validate terminal --image-map {fx}/no-map.yaml",
        CLI_RC,
        "'{fx}/no-map.yaml' does not exist",
    ),
    # Datasets (SWE)
    Case(
        "swe-local-dataset-missing",
        EVAL + "swe_local -T dataset={fx}/swe/no-such.jsonl",
        INSPECT_RC,
        "dataset file {fx}/swe/no-such.jsonl not found",
        docker=True,
    ),
    Case(
        "swe-local-dataset-empty",
        EVAL + "swe_local -T dataset={fx}/swe/empty.jsonl",
        INSPECT_RC,
        "{fx}/swe/empty.jsonl",
        docker=True,
    ),
    Case(
        "swe-local-instance-ids-option",
        EVAL + "swe_local -T instance_ids=nope -T dataset={fx}/swe/one-row.jsonl",
        INSPECT_RC,
        "swe_local: -T instance_ids is Inspect's --sample-id",
    ),
    Case(
        "swe-pro-checkout-missing",
        EVAL + "swe_bench_pro -T pro_checkout={fx}/no-checkout",
        INSPECT_RC,
        "SWE-bench Pro checkout {fx}/no-checkout has no run_scripts/",
        docker=True,
    ),
    Case(
        "validate-swe-dataset-missing",
        "longcat-evals validate swe --dataset {fx}/swe/no-such.jsonl",
        CLI_RC,
        "dataset file {fx}/swe/no-such.jsonl not found",
        docker=True,
    ),
    Case(
        "validate-swe-dataset-empty",
        "longcat-evals validate swe --dataset {fx}/swe/empty.jsonl",
        CLI_RC,
        "{fx}/swe/empty.jsonl",
        docker=True,
    ),
    # Model arguments
    Case(
        "local-unknown-option",
        LOCAL + "tiny -M foo=bar",
        INSPECT_RC,
        "longcat-local: unknown -M options ['foo'] (known: device",
    ),
    Case(
        "local-dtype-unknown",
        LOCAL + "tiny -M dtype=float13",
        INSPECT_RC,
        "longcat-local: -M dtype=float13",
    ),
    Case(
        "local-device-unknown",
        LOCAL + "tiny -M device=tpu",
        INSPECT_RC,
        "device=tpu",
    ),
    Case(
        "endpoint-no-key",
        ENDPOINT,
        INSPECT_RC,
        "No LONGCAT_API_KEY in the environment",
        env={"LONGCAT_API_KEY": ""},
    ),
    Case(
        "endpoint-unknown-option",
        ENDPOINT + "-M foo=bar",
        INSPECT_RC,
        "foo",
        env={"LONGCAT_API_KEY": "sk-test"},
    ),
    Case(
        "endpoint-thinking-word",
        ENDPOINT + "-M thinking=maybe",
        INSPECT_RC,
        "-M thinking='maybe': expected true or false",
        env={"LONGCAT_API_KEY": "sk-test"},
    ),
    # Checkpoints
    Case(
        "local-checkpoint-missing",
        LOCAL + "{fx}/no-checkpoint",
        INSPECT_RC,
        "No config.json in {fx}/no-checkpoint",
    ),
    Case(
        "local-checkpoint-empty",
        LOCAL + "{fx}/ckpt-empty",
        INSPECT_RC,
        "No config.json in {fx}/ckpt-empty",
    ),
    Case(
        "local-checkpoint-corrupt",
        LOCAL + "{fx}/ckpt-corrupt",
        INSPECT_RC,
        "{fx}/ckpt-corrupt",
    ),
    Case(
        "local-checkpoint-bad-config",
        LOCAL + "{fx}/ckpt-bad-config",
        INSPECT_RC,
        "config.json",
    ),
    Case(
        "probe-lsa-checkpoint-missing",
        "longcat-evals probe-lsa --model {fx}/no-checkpoint",
        CLI_RC,
        "No config.json in {fx}/no-checkpoint",
    ),
    Case(
        "probe-lsa-checkpoint-corrupt",
        "longcat-evals probe-lsa --model {fx}/ckpt-corrupt",
        CLI_RC,
        "{fx}/ckpt-corrupt",
    ),
    Case(
        "probe-lsa-lengths-word",
        "longcat-evals probe-lsa --lengths abc",
        CLI_RC,
        "--lengths 'abc': expected comma-separated integers",
    ),
    # CLI commands
    Case(
        "unknown-task",
        "inspect eval longcat_evals/no_such_task --model mockllm/model",
        INSPECT_RC,
        "No inspect tasks were found",
    ),
    Case(
        "table-not-a-log",
        "longcat-evals table {fx}/not-a-log.eval",
        CLI_RC,
        "{fx}/not-a-log.eval",
    ),
    Case(
        "table-truncated-log",
        "longcat-evals table {fx}/truncated.eval",
        CLI_RC,
        "{fx}/truncated.eval",
    ),
    Case(
        "table-empty-dir",
        "longcat-evals table {fx}/logs-empty",
        CLI_RC,
        "{fx}/logs-empty",
    ),
    Case(
        "table-missing-path",
        "longcat-evals table {fx}/no-logs",
        CLI_RC,
        "{fx}/no-logs: no such file or directory",
    ),
    Case(
        "plot-not-a-log",
        "longcat-evals plot long-context {fx}/not-a-log.eval",
        CLI_RC,
        "Cannot read Inspect log {fx}/not-a-log.eval",
    ),
    Case(
        "plot-empty-dir",
        "longcat-evals plot long-context {fx}/logs-empty",
        CLI_RC,
        "No Inspect logs (*.eval, or Inspect-named *.json) in {fx}/logs-empty",
    ),
    Case(
        "demo-suite-unknown",
        "longcat-evals demo --suite nope",
        CLI_RC,
        "Unknown suite 'nope' (known: smoke",
    ),
    Case(
        "probe-prompt-tokens-word",
        "longcat-evals probe --prompt-tokens x",
        CLI_RC,
        "--prompt-tokens 'x': expected comma-separated integers",
    ),
    Case(
        "probe-other-provider",
        "longcat-evals probe --model openai/x",
        CLI_RC,
        "probe checks the longcat provider",
    ),
    Case(
        "images-build-unknown",
        "longcat-evals images build no-such-toolchain",
        CLI_RC,
        "Unknown toolchain image 'no-such-toolchain'",
        docker=True,
    ),
    Case(
        "unknown-command",
        "longcat-evals no-such-command",
        CLI_RC,
        "No such command 'no-such-command'",
    ),
    Case(
        "state-dir-unusable",
        "longcat-evals images build python",
        CLI_RC,
        "{fx}/a-file/state",
        env={"LONGCAT_STATE_DIR": "{fx}/a-file/state"},
    ),
]


def _param(case: Case):
    marks = [pytest.mark.docker] if case.docker else []
    if case.owner:
        marks.append(pytest.mark.xfail(strict=True, reason=f"fix lives in {case.owner}"))
    return pytest.param(case, id=case.id, marks=marks)


def test_the_corpus_is_large_and_names_are_unique():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.slow
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_is_one_line(case: Case, fixtures: Path, tmp_path: Path):
    fill = lambda text: text.replace("{fx}", str(fixtures))  # noqa: E731
    env = {"COLUMNS": "500", **{k: fill(v) for k, v in case.env.items()}}
    before = _tree(fixtures)
    result = run(shlex.split(fill(case.command)), tmp_path, env)
    keep = os.environ.get("LONGCAT_BAD_INPUTS_OUT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        Path(keep, f"{case.id}.txt").write_text(f"$ {fill(case.command)}\n{result.output}")
    assert "Traceback" not in result.output, result.output[-3000:]
    # click frames its usage errors with a Usage: and a Try line; the error is the third.
    errors = [line for line in result.lines if not line.startswith(("Usage:", "Try '"))]
    assert len(errors) == 1, result.output[-3000:]
    assert fill(case.says) in errors[0]
    assert result.returncode == case.rc, result.output
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "a file was written"
    assert _tree(fixtures) == before, "the inputs were changed"
