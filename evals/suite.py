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
]

SUITES: dict[str, list[SuiteEntry]] = {"smoke": SMOKE}
