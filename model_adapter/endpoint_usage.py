"""Token counts for a call whose server reported none (a stream without a usage chunk).

Counted with the model's tokenizer when one is given (`-M tokenizer=path/to/tokenizer.json`, a
Hugging Face `tokenizers` file, e.g. the checkpoint's), else estimated at one token per
`CHARS_PER_TOKEN` characters, the usual rule of thumb for English text and code with BPE
vocabularies of 100K+ entries (LongCat's is 131K). Either way the call is marked in the log
(`output.metadata["longcat"]["usage_estimated"]` = "tokenizer" or "chars/4") so cost and TPOT
computed from it are known to be estimates.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from inspect_ai.model import ChatMessage, ModelOutput, ModelUsage
from inspect_ai.tool import ToolInfo

from longcat_evals.errors import UserFacingError

CHARS_PER_TOKEN = 4


@lru_cache(maxsize=4)
def _load_tokenizer(path: str):  # -> tokenizers.Tokenizer
    try:
        from tokenizers import Tokenizer
    except ImportError as e:  # pragma: no cover - tokenizers ships with the local extra
        raise UserFacingError(
            f"-M tokenizer={path}: the `tokenizers` package is not installed "
            "(pip install tokenizers), or drop the option to estimate at 4 characters per token"
        ) from e
    if not Path(path).is_file():
        raise UserFacingError(f"-M tokenizer={path}: no such file (expected a tokenizer.json)")
    try:
        return Tokenizer.from_file(path)
    except Exception as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UserFacingError(f"-M tokenizer={path}: not a tokenizers JSON file ({first})") from e


class TokenCounter:
    """Counts tokens with a tokenizer file, or estimates them from the character count."""

    def __init__(self, tokenizer_path: str | None) -> None:
        self.tokenizer = _load_tokenizer(tokenizer_path) if tokenizer_path else None
        self.method = "tokenizer" if self.tokenizer is not None else f"chars/{CHARS_PER_TOKEN}"

    def count(self, text: str) -> int:
        if not text:
            return 0
        if self.tokenizer is not None:
            return len(self.tokenizer.encode(text, add_special_tokens=False).ids)
        return math.ceil(len(text) / CHARS_PER_TOKEN)

    def estimate(
        self, input: list[ChatMessage], tools: list[ToolInfo], output: ModelOutput
    ) -> ModelUsage:
        """Usage of one call: the prompt (messages, tool calls, tool schemas) and the reply."""
        prompt = [_message_text(m) for m in input]
        prompt += [json.dumps(t.model_dump(exclude_none=True)) for t in tools]
        reply_reasoning = ""
        reply = ""
        if output.choices:
            message = output.choices[0].message
            reply = _message_text(message, with_reasoning=False)
            reply_reasoning = _reasoning_text(message)
        input_tokens = sum(self.count(p) for p in prompt)
        reasoning_tokens = self.count(reply_reasoning)
        output_tokens = self.count(reply) + reasoning_tokens
        return ModelUsage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            total_tokens=input_tokens + output_tokens,
            reasoning_tokens=reasoning_tokens or None,
        )


def _reasoning_text(message: ChatMessage) -> str:
    if isinstance(message.content, str):
        return ""
    return "".join(getattr(c, "reasoning", "") or "" for c in message.content)


def _message_text(message: ChatMessage, with_reasoning: bool = True) -> str:
    parts = [message.text]
    if with_reasoning:
        parts.append(_reasoning_text(message))
    for call in getattr(message, "tool_calls", None) or []:
        parts.append(call.function + json.dumps(call.arguments))
    return "".join(parts)
