"""Options shared by every long-context task (agent, lengths, window, seeds, tokenizer, control)."""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from longcat_evals.evals.long_context.errors import LongContextError
from longcat_evals.evals.options import AgentName

logger = logging.getLogger(__name__)

K = 1024
# Log-spaced (powers of two) from 4K to 1M tokens.
DEFAULT_LENGTHS = tuple(4 * K * 2**i for i in range(9))
DEFAULT_WINDOW = 1024 * K
RULER_THRESHOLD = 85.6


def parse_length(value: Any) -> int:
    """4096, "4096", "4k", "128K", "1M" -> tokens (K = 1024, M = 1024 * 1024)."""
    text = str(value).strip().lower().replace("_", "")
    match = re.fullmatch(r"(\d+)([km]?)", text)
    if not match:
        raise LongContextError(f"Bad length '{value}' (use e.g. 4096, 4k, 128k or 1m)")
    return int(match[1]) * {"": 1, "k": K, "m": K * K}[match[2]]


def parse_list(value: Any, item=str, option: str = "list") -> list:
    """A -T list option: a list, or a comma-separated string, or one value."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = list(value)
    else:
        items = [v for v in str(value).split(",") if v.strip()]
    try:
        return [item(v.strip() if isinstance(v, str) else v) for v in items]
    except (TypeError, ValueError):
        raise LongContextError(
            f"Option {option}={value!r} is not a comma-separated list of {item.__name__} values"
        ) from None


class LongContextOptions(BaseModel):
    """The options every long-context task takes (`-T name=value`); typed here once."""

    # Field docstrings become descriptions: the README's options table is rendered from them.
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )

    agent: AgentName = "default"
    """`default` (plain generation: one `generate()`), `oracle` (reads the answer out of the
    prompt) or `null` (answers nothing); `mini` needs a sandbox these tasks do not have."""
    lengths: int | str | list[int | str] | None = None
    """Total token budgets, e.g. `4k,32k,1m` (K = 1024; default: 4K, 8K, ... 1M, powers of two;
    those above the window are skipped with a reason; explicit ones above it are an error)."""
    seeds: int | str | list[int] = 1
    """Number of seeds (`3` = seeds 0, 1, 2) or a list of seeds, e.g. `0,7`."""
    tokenizer: str | None = None
    """A `tokenizer.json`, a directory holding one (or transformers tokenizer files), or a Hugging
    Face name (needs the hub; `HF_HUB_OFFLINE=1` fails at once without it); default: the shipped
    BPE (counts then approximate the model's)."""
    window: int | str | None = None
    """The model's context window in tokens (default 1M = 1048576); default lengths above it are
    skipped (task metadata `skipped_lengths`, and a warning)."""
    answer_tokens: int | None = Field(None, gt=0)
    """Tokens reserved for the answer and used as `max_tokens` (default: the family's, 128;
    `mrcr`: 512)."""
    control: bool = False
    """Build the no-context control: the question without the haystack."""


class GridConfig(BaseModel):
    """Sizing of one long-context task run."""

    model_config = ConfigDict(extra="forbid")

    lengths: list[int] = Field(default_factory=lambda: list(DEFAULT_LENGTHS))
    """Total token budgets (prompt + answer + template allowance); each must fit the window."""
    lengths_given: bool = False
    """Whether the user chose LENGTHS: then one above the window is an error, not a skip."""
    window: int = DEFAULT_WINDOW
    """The model's context window in tokens."""
    answer_tokens: int = 128
    """Tokens reserved for the answer (also the generation limit)."""
    template_tokens: int = 32
    """Tokens reserved for the chat template around the prompt."""
    seeds: list[int] = Field(default_factory=lambda: [0])
    """Seeds; every random choice derives from sha256(task, length, depth, seed)."""
    control: bool = False
    """Build the no-context control (question without haystack) instead."""

    def prompt_target(self, length: int) -> int:
        return length - self.answer_tokens - self.template_tokens

    def usable_lengths(self) -> tuple[list[int], list[dict]]:
        """Lengths that fit the window, and the skipped ones with their reasons."""
        usable, skipped = [], []
        for length in self.lengths:
            if length <= self.window:
                usable.append(length)
                continue
            reason = (
                f"length {length} does not fit the window of {self.window} tokens "
                f"(prompt + {self.answer_tokens} answer + {self.template_tokens} template tokens)"
            )
            if self.lengths_given:
                raise LongContextError(
                    f"Length {length} is above the window: {reason}; pass -T window=N"
                )
            skipped.append({"length": length, "reason": reason})
            logger.warning("long-context: skipping %s", reason)
        return usable, skipped


def grid_config(
    lengths: Any,
    window: Any,
    seeds: Any,
    answer_tokens: int,
    control: bool,
    template_tokens: int = 32,
) -> GridConfig:
    """Validate -T options into a GridConfig (one-line errors)."""
    given = lengths not in (None, "", "default")
    parsed = [parse_length(v) for v in parse_list(lengths)] if given else list(DEFAULT_LENGTHS)
    win = parse_length(window) if window not in (None, "") else DEFAULT_WINDOW
    seed_list = (
        parse_list(seeds, int, "seeds") if not isinstance(seeds, int) else list(range(seeds))
    )
    if not parsed:
        raise LongContextError("Option lengths is empty (use e.g. -T lengths=4k,32k)")
    if not seed_list:
        raise LongContextError("Option seeds is empty (use e.g. -T seeds=1 or -T seeds=0,1)")
    minimum = answer_tokens + template_tokens + 256
    for length in parsed:
        if length < minimum:
            raise LongContextError(f"Length {length} is too short (minimum {minimum} tokens)")
    return GridConfig(
        lengths=parsed,
        lengths_given=given,
        window=win,
        answer_tokens=answer_tokens,
        template_tokens=template_tokens,
        seeds=seed_list,
        control=bool(control),
    )
