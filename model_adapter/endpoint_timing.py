"""Per-call latency of streamed completions: time to first token and time per output token.

The clock starts when the request is handed to the SDK; the first token is the first chunk that
carries reasoning, text or a tool-call fragment (role-only and usage-only chunks do not count).
TPOT is the decode time after the first token divided by the remaining output tokens, the way
serving benchmarks (and Meituan's prefill/decode-disaggregation claims) define it.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

from openai.types.chat import ChatCompletionChunk


@dataclass
class CallTiming:
    """Clock readings for one provider call (perf_counter seconds)."""

    start: float = 0.0
    first_token: float | None = None
    last_token: float | None = None
    end: float | None = None
    streamed: bool = False
    status: int | None = None  # the HTTP answer's status and content type (error messages)
    content_type: str | None = None

    def note_chunk(self, chunk: ChatCompletionChunk) -> None:
        """Record the arrival time if this chunk carries a token."""
        if _carries_token(chunk):
            now = time.perf_counter()
            if self.first_token is None:
                self.first_token = now
            self.last_token = now

    def metadata(self, output_tokens: int | None) -> dict[str, float | int | bool | None]:
        """The figures recorded in `ModelOutput.metadata` (milliseconds)."""
        end = self.end if self.end is not None else time.perf_counter()
        meta: dict[str, float | int | bool | None] = {
            "streamed": self.streamed,
            "latency_ms": round((end - self.start) * 1000, 3),
        }
        if not self.streamed or self.first_token is None:
            return meta
        meta["ttft_ms"] = round((self.first_token - self.start) * 1000, 3)
        last = self.last_token if self.last_token is not None else self.first_token
        if output_tokens and output_tokens > 1:
            meta["tpot_ms"] = round((last - self.first_token) * 1000 / (output_tokens - 1), 3)
        return meta


# One CallTiming per in-flight generate (samples run concurrently on one provider instance).
CURRENT: ContextVar[CallTiming | None] = ContextVar("longcat_call_timing", default=None)


def _carries_token(chunk: ChatCompletionChunk) -> bool:
    for choice in chunk.choices:
        delta = choice.delta
        if delta.content or delta.tool_calls or getattr(delta, "reasoning_content", None):
            return True
        if getattr(delta, "reasoning", None):
            return True
    return False
