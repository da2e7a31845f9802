"""Named suites of task runs; `make demo` runs SMOKE. Each family adds its smoke rows here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SuiteEntry:
    """One `inspect eval` of a suite: a registered task, its -T options and a model."""

    task: str
    args: dict = field(default_factory=dict)
    model: str = "mockllm/model"


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
        {"agent": agent, "instance_ids": "longcat__inikit-12,longcat__slugkit-31"},
    )
    for agent in ("oracle", "null")
]

# Terminal: four built-in Terminal-Bench-style tasks (text, git, C, pytest) in real containers.
SMOKE += [
    SuiteEntry(
        "longcat_evals/terminal_bench",
        {"agent": agent, "tasks": "csv-report,git-recover-commits,c-wordfreq,python-fix-invoice"},
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

SUITES: dict[str, list[SuiteEntry]] = {"smoke": SMOKE}
