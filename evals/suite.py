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

SUITES: dict[str, list[SuiteEntry]] = {"smoke": SMOKE}
