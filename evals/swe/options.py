"""The options every SWE task takes (`-T name=value`), typed and documented once.

Options the other families take too (agent, command_timeout_sec, max_output_chars,
message_limit, test_timeout_sec, cpus, memory_mb) have the types of `evals.options.SharedOptions`
(a test holds them equal); the rest are SWE's own. Defaults are the official sets'; a task whose
default differs (`swe_local`'s smaller containers, Pro's grading memory) passes its own, and the
field's docstring names it. Instances are chosen with Inspect's own flags (`--sample-id`,
`--limit`, `--sample-shuffle`; sample ids are instance ids), not task options.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field

from longcat_evals.evals.options import (
    DEFAULT_COMMAND_TIMEOUT_SEC,
    DEFAULT_MAX_OUTPUT_CHARS,
    AgentName,
    SandboxTargetOptions,
    family_options,
)

DEFAULT_MESSAGE_LIMIT = 250
GradingNetwork = Literal["online", "offline"]


class SweOptions(SandboxTargetOptions):
    """The options of every SWE task."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False,
        use_attribute_docstrings=True,
    )  # fmt: skip

    agent: AgentName = "default"
    """`default` (ReAct: bash, python, editor), `mini` (bash only), `oracle` (applies the gold
    patch) or `null` (does nothing)."""
    command_timeout_sec: int = Field(DEFAULT_COMMAND_TIMEOUT_SEC, gt=0)
    """Wall-clock limit of one agent command."""
    max_output_chars: int = Field(DEFAULT_MAX_OUTPUT_CHARS, gt=0)
    """Agent command output longer than this is truncated in the middle."""
    message_limit: int | None = Field(DEFAULT_MESSAGE_LIMIT, gt=0)
    """Messages per sample before the agent is stopped (None: no limit of ours)."""
    test_timeout_sec: int | None = Field(None, gt=0)
    """Wall-clock limit of the eval script in the grading container (default: the official
    harness's, 1800 s; 3600 s for SWE-bench Pro)."""
    cpus: float = Field(2.0, gt=0)
    """CPU limit of the agent's and the grading container (default 2; 1 for `swe_local`)."""
    memory_mb: int = Field(8192, gt=0)
    """Memory limit of the agent's container, in MiB, and of the grading container's unless
    `grading_memory_mb` (default 8192; 4096 for `swe_local`)."""
    grading_network: GradingNetwork | None = None
    """`online` (Docker's bridge network, as the official harnesses grade) or `offline` (no
    network; each score's metadata says `grading_network: offline`, and an instance whose eval
    script needs the network is unscored as `needs_network`). Default: online for the official
    sets (the Pro evaluator's `--block_network` is opt-in), offline for `swe_local` (its images
    are built with no network)."""
    grading_memory_mb: int | None = Field(None, gt=0)
    """Memory limit of the grading container, in MiB (default: `memory_mb`, as swebench sets
    none; 30720 for SWE-bench Pro, the Pro evaluator's limit)."""


class OfficialSweOptions(SweOptions):
    """The options of the official SWE-bench tasks: every SWE task's, and where the rows are."""

    revision: str | None = None
    """Hub commit of the task's dataset to pin (required for a hub load: these machines cannot
    check one, so the code pins none)."""
    dataset: str | None = None
    """A local export instead of the hub (.json array, .jsonl, .parquet, .csv, a `datasets`
    save_to_disk folder, a folder holding <split>.parquet) or another hub id."""
    split: str | None = None
    """Dataset split (default `test`)."""


def swe_options(
    task: str,
    options: dict[str, Any],
    model: type[SweOptions] = SweOptions,
    own: tuple[str, ...] = (),
    **defaults: Any,
) -> SweOptions:
    """TASK's `**options` (over its DEFAULTS) validated into MODEL, agent first, or one line."""
    return family_options(model, task, {**defaults, **options}, own=own)
