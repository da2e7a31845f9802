"""The linear stream accumulator gives the same completion as Inspect's (SDK) accumulator."""

from __future__ import annotations

import asyncio

import pytest
from inspect_ai.model._openai import openai_chat_completion_stream_final
from openai.types.chat import ChatCompletionChunk

from longcat_evals.model_adapter.endpoint_stream import accumulate_stream

from .longcat_fake_server import _sse_chunks, message


def _chunks(msg, usage=None):
    out = []
    for chunk in _sse_chunks(msg, "tool_calls" if msg.get("tool_calls") else "stop"):
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "LongCat-2.0"}
        out.append(ChatCompletionChunk.model_validate(base | chunk))
    if usage:
        base = {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "LongCat-2.0"}
        out.append(ChatCompletionChunk.model_validate(base | {"choices": [], "usage": usage}))
    return out


async def _aiter(items):
    for item in items:
        yield item


@pytest.mark.parametrize(
    "msg",
    [
        message("plain answer " * 5),
        message("calling", "because reasons " * 4, [("add", {"x": 1}), ("sub", {"y": [1, 2]})]),
        message("", "only thinking"),
    ],
)
def test_same_completion_as_sdk_accumulator(msg):
    usage = {"prompt_tokens": 3, "completion_tokens": 9, "total_tokens": 12}
    ours = asyncio.run(accumulate_stream(_aiter(_chunks(msg, usage))))
    sdk = asyncio.run(openai_chat_completion_stream_final(_aiter(_chunks(msg, usage))))
    a, b = ours.choices[0], sdk.choices[0]
    assert a.finish_reason == b.finish_reason
    assert (a.message.content or "") == (b.message.content or "")
    assert getattr(a.message, "reasoning_content", None) == getattr(
        b.message, "reasoning_content", None
    )
    calls = lambda m: [(c.id, c.function.name, c.function.arguments) for c in m.tool_calls or []]  # noqa: E731
    assert calls(a.message) == calls(b.message)
    assert ours.usage.model_dump() == sdk.usage.model_dump()
    assert ours.model == sdk.model and ours.id == sdk.id


def test_empty_stream_raises_retryable_error():
    from inspect_ai.model._stream import NoStreamDataError

    with pytest.raises(NoStreamDataError):
        asyncio.run(accumulate_stream(_aiter([])))
