"""The options of `terminal_bench` (`-T name=value`), typed and documented once.

Options the other families take too have the types of `evals.options.SharedOptions` (a test holds
them equal). Tasks are chosen with Inspect's own flags (`--sample-id` takes ids and globs,
`--limit`, `--sample-shuffle`; sample ids are task ids), not task options; `category` and
`difficulty` filter by the tasks' metadata.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from longcat_evals.evals.options import (
    DEFAULT_COMMAND_TIMEOUT_SEC,
    DEFAULT_MAX_OUTPUT_CHARS,
    AgentName,
    SandboxTargetOptions,
)

BaseImages = Literal["auto", "map", "original"]


class TerminalOptions(SandboxTargetOptions):
    """The options of `terminal_bench` besides `path`."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, allow_inf_nan=False,
        use_attribute_docstrings=True,
    )  # fmt: skip

    category: str | None = None
    """Comma-separated categories to keep (task metadata)."""
    difficulty: str | None = None
    """Comma-separated difficulties to keep (easy, medium, hard)."""
    agent: AgentName = "default"
    """`default` (ReAct + bash/python/editor), `mini` (bash only), `oracle` (the task's
    solution) or `null` (does nothing)."""
    image_map: str | None = None
    """A YAML image map consulted before the built-in one."""
    base_images: BaseImages = "auto"
    """`auto` (the task's prebuilt image, and public base images, when present locally or
    pullable, else the Dockerfile build and mapped stand-ins), `map` (always our build and the
    stand-in when the map has one), `original` (never substitute)."""
    network: bool | None = None
    """Give containers the network (true/false); default: each task's own policy."""
    timeout_multiplier: float = Field(1.0, gt=0)
    """Factor on every task's agent and verifier timeouts."""
    command_timeout_sec: int = Field(DEFAULT_COMMAND_TIMEOUT_SEC, gt=0)
    """Per-command time limit of the default and mini agents' tools."""
    max_output_chars: int = Field(DEFAULT_MAX_OUTPUT_CHARS, gt=0)
    """Tool output longer than this is truncated (head and tail kept)."""
    memory_mb: int | None = Field(None, gt=0)
    """Override of every task's memory limit, in MiB."""
    message_limit: int | None = Field(300, gt=0)
    """Message limit of each sample (None: only the timeouts apply)."""
    build_workers: int = Field(4, ge=1)
    """Task images built in parallel (only those of the samples that run: `--limit 1` prepares
    one)."""
