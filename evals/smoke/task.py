"""`sandbox_smoke`: proves the plumbing end to end (engine, image, compose, exec, scorer).

Four small file exercises in the project's base image. Each sample's input file is copied into
the container; the answer must be written to /workspace/answer.txt; the scorer reads it back from
the container. The oracle runs the reference command in the sandbox (it never enters the
container before the agent's turn: it is the agent's turn), and the null agent scores 0.
"""

from __future__ import annotations

import hashlib
import random

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import Generate, Solver, TaskState, chain, solver
from inspect_ai.util import sandbox

from longcat_evals.evals.agents import resolve_agent
from longcat_evals.evals.options import AgentName, SandboxKind, task_options
from longcat_evals.sandboxes import engine, images
from longcat_evals.sandboxes.compose import SandboxLimits, docker_sandbox
from longcat_evals.sandboxes.k8s import SandboxTarget
from longcat_evals.sandboxes.prebuild import require_sandbox

ANSWER_PATH = "/workspace/answer.txt"
INPUT_PATH = "/data/input.txt"
COMMAND_TIMEOUT_SEC = 60
MEMORY_MB = 512
PIDS = 256
WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima".split()


def _rng(sample_id: str, seed: int) -> random.Random:
    digest = hashlib.sha256(f"sandbox_smoke/{sample_id}/{seed}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _exercises(seed: int) -> list[tuple[str, str, str, str, str]]:
    """(id, instruction, input text, expected answer, reference command)."""
    rows = []
    rng = _rng("count_lines", seed)
    lines = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
    rows.append(
        (
            "count_lines",
            f"Count the lines of {INPUT_PATH}.",
            "\n".join(lines) + "\n",
            str(len(lines)),
            f"wc -l < {INPUT_PATH} > {ANSWER_PATH}",
        )
    )
    rng = _rng("sum_numbers", seed)
    numbers = [rng.randint(-1000, 1000) for _ in range(rng.randint(20, 50))]
    rows.append(
        (
            "sum_numbers",
            f"Add up the integers in {INPUT_PATH} (one per line).",
            "\n".join(map(str, numbers)) + "\n",
            str(sum(numbers)),
            f"awk '{{s+=$1}} END {{print s}}' {INPUT_PATH} > {ANSWER_PATH}",
        )
    )
    rng = _rng("sha256", seed)
    blob = " ".join(rng.choice(WORDS) for _ in range(60)) + "\n"
    rows.append(
        (
            "sha256",
            f"Write the hex SHA-256 digest of {INPUT_PATH}.",
            blob,
            hashlib.sha256(blob.encode()).hexdigest(),
            f"sha256sum {INPUT_PATH} | cut -d' ' -f1 > {ANSWER_PATH}",
        )
    )
    rng = _rng("unique_words", seed)
    words = [rng.choice(WORDS[: rng.randint(5, len(WORDS))]) for _ in range(80)]
    rows.append(
        (
            "unique_words",
            f"How many distinct words does {INPUT_PATH} hold (one word per line)?",
            "\n".join(words) + "\n",
            str(len(set(words))),
            f"sort -u {INPUT_PATH} | wc -l > {ANSWER_PATH}",
        )
    )
    return rows


@solver
def smoke_oracle() -> Solver:
    """Run the sample's reference command in its sandbox."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = await sandbox().exec(
            ["bash", "-c", state.metadata["reference_command"]], timeout=COMMAND_TIMEOUT_SEC
        )
        if not result.success:
            raise RuntimeError(f"oracle command failed: {result.stderr.strip()[-300:]}")
        return state

    return solve


@scorer(metrics=[mean(), stderr()])
def answer_file() -> Scorer:
    """1 when /workspace/answer.txt in the container holds the expected answer, else 0."""

    async def score(state: TaskState, target: Target) -> Score:
        result = await sandbox().exec(["cat", ANSWER_PATH], timeout=COMMAND_TIMEOUT_SEC)
        if not result.success:
            return Score(value=0.0, answer=None, explanation=f"no {ANSWER_PATH}")
        answer = result.stdout.strip()
        correct = answer == target.text
        return Score(
            value=1.0 if correct else 0.0,
            answer=answer,
            explanation=f"expected {target.text!r}, found {answer!r}",
        )

    return score


@task
def sandbox_smoke(
    agent: AgentName = "default",
    seed: int = 0,
    network: bool = False,
    memory_mb: int = MEMORY_MB,
    pids: int = PIDS,
    sandbox: SandboxKind = "docker",
    k8s_registry: str | None = None,
) -> Task:
    """Four file exercises in a Docker sandbox: the project's plumbing check.

    Args:
        agent: `default` (ReAct + bash), `oracle` (reference commands), or `null`.
        seed: Seed of the generated inputs.
        network: Give the container a network (default: `network_mode: none`).
        memory_mb: Memory limit of each container.
        pids: Process limit of each container.
        sandbox: `docker` (the local engine) or `k8s` (inspect-k8s-sandbox; docs/KUBERNETES.md).
        k8s_registry: With `sandbox=k8s`: the registry the cluster pulls the image from.
    """
    opts = task_options(
        "sandbox_smoke", agent=agent, seed=seed, network=network, memory_mb=memory_mb, pids=pids,
        sandbox=sandbox, k8s_registry=k8s_registry,
    )  # fmt: skip
    solver = resolve_agent(opts.agent, oracle=smoke_oracle(), task="sandbox_smoke")
    engine.ensure_engine()
    image = images.ensure_base()
    limits = SandboxLimits(memory_mb=opts.memory_mb or MEMORY_MB, pids=opts.pids or PIDS)
    spec = SandboxTarget.of(opts).spec(
        docker_sandbox(image, network=bool(opts.network), limits=limits)
    )
    samples = [
        Sample(
            id=sample_id,
            input=f"{instruction} Write only the answer to {ANSWER_PATH}.",
            target=expected,
            files={INPUT_PATH: text},
            metadata={"reference_command": command},
            sandbox=spec,
        )
        for sample_id, instruction, text, expected, command in _exercises(opts.seed)
    ]
    return Task(
        dataset=MemoryDataset(samples, name="sandbox_smoke"),
        solver=chain(require_sandbox(), solver),
        scorer=answer_file(),
        message_limit=30,
        fail_on_error=False,
        version=1,
    )
