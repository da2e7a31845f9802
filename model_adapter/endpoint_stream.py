"""A linear-time accumulator for streamed chat completions.

Inspect's default path feeds every chunk through the SDK's `ChatCompletionStreamState`, which
re-serialises the whole message snapshot per chunk: cost grows with the square of the output length,
and LongCat streams tens of thousands of reasoning tokens per call. Here deltas are appended to
lists and joined once; the chunks still go to Inspect's stream observer (progress, `on_stream`).
String fields outside the OpenAI schema (`reasoning_content`, `reasoning`) are concatenated too.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

from inspect_ai.model._openai import _report_chat_completion_chunk
from inspect_ai.model._stream import NoStreamDataError, report_model_stream_start
from openai._models import construct_type
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from longcat_evals.model_adapter.endpoint_timing import CallTiming


class _Choice:
    def __init__(self) -> None:
        self.role = "assistant"
        self.text: dict[str, list[str]] = {}
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.finish_reason: str | None = None
        self.logprobs: list[Any] = []

    def add(self, choice: Any) -> None:
        delta = choice.delta
        if delta.role:
            self.role = delta.role
        if delta.content:
            self.text.setdefault("content", []).append(delta.content)
        for key, value in (delta.model_extra or {}).items():
            if isinstance(value, str) and value:
                self.text.setdefault(key, []).append(value)
        for call in delta.tool_calls or []:
            slot = self.tool_calls.setdefault(
                call.index, {"id": None, "type": "function", "name": "", "args": []}
            )
            if call.id:
                slot["id"] = call.id
            if call.function is not None:
                if call.function.name:
                    slot["name"] += call.function.name
                if call.function.arguments:
                    slot["args"].append(call.function.arguments)
        if choice.finish_reason:
            self.finish_reason = choice.finish_reason
        if choice.logprobs is not None and choice.logprobs.content:
            self.logprobs.extend(lp.model_dump() for lp in choice.logprobs.content)

    def message(self) -> dict[str, Any]:
        msg: dict[str, Any] = {"role": self.role, "content": None}
        for key, parts in self.text.items():
            msg[key] = "".join(parts)
        if self.tool_calls:
            msg["tool_calls"] = [
                {
                    "id": slot["id"] or f"call_{index}",
                    "type": slot["type"],
                    "function": {"name": slot["name"], "arguments": "".join(slot["args"])},
                }
                for index, slot in sorted(self.tool_calls.items())
            ]
        return msg


async def accumulate_stream(
    stream: AsyncIterable[ChatCompletionChunk], timing: CallTiming | None = None
) -> ChatCompletion:
    """Consume a chat-completions stream and return the equivalent non-streamed completion.

    With `timing`, the arrival of the first and last token is noted (TTFT/TPOT).
    """
    report_model_stream_start()
    choices: dict[int, _Choice] = {}
    head: ChatCompletionChunk | None = None
    usage: Any = None
    tool_meta: dict[int, Any] = {}
    async for chunk in stream:
        if timing is not None and chunk.choices:
            timing.note_chunk(chunk)  # first: arrival time, before any processing
        head = head or chunk
        await _report_chat_completion_chunk(chunk, tool_meta)
        if chunk.usage is not None:
            usage = chunk.usage.model_dump()
        for choice in chunk.choices:
            choices.setdefault(choice.index, _Choice()).add(choice)
    if head is None:
        raise NoStreamDataError("Streaming response ended without delivering any chunks.")
    completion = {
        "id": head.id,
        "object": "chat.completion",
        "created": head.created,
        "model": head.model,
        "choices": [
            {
                "index": index,
                "message": acc.message(),
                "finish_reason": acc.finish_reason,  # None: truncated (the caller decides)
                "logprobs": {"content": acc.logprobs} if acc.logprobs else None,
            }
            for index, acc in sorted(choices.items())
        ],
        "usage": usage,
    }
    return construct_type(type_=ChatCompletion, value=completion)  # type: ignore[return-value]
