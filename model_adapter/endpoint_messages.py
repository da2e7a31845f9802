"""LongCat's message shapes on top of Inspect's OpenAI conversion.

Outbound, per server profile (endpoint_profiles.py): history tool-call arguments go as JSON objects
to Meituan's API (its LongCat template iterates them as a dict; a JSON string would be rendered
verbatim) and as the JSON strings of the OpenAI schema everywhere else (llama.cpp and SGLang reject
an object there); tool results carry the tool's `name` where the server's schema has the field;
`reasoning_content` is replayed on assistant turns that made tool calls (the model continues its
reasoning across a tool-use chain; a final answer's reasoning is dropped, as the chat template
does).

Inbound: servers without a LongCat tool parser return raw `<longcat_think>` and
`<longcat_tool_call>` text; it is split into Inspect reasoning, text and tool calls here.
"""

from __future__ import annotations

import json
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    Content,
    ContentReasoning,
    ContentText,
)
from inspect_ai.model._call_tools import parse_tool_call
from inspect_ai.tool import ToolCall, ToolInfo

from longcat_evals.model_adapter.endpoint_profiles import ServerProfile
from longcat_evals.model_adapter.tool_text import (
    CALL_OPEN,
    THINK_CLOSE,
    THINK_OPEN,
    ParsedToolCall,
    parse_assistant_text,
)

REASONING_FIELDS = ("reasoning_content", "reasoning", "reasoning_details")


def longcat_history(
    messages: list[Any], profile: ServerProfile, replay_reasoning: bool = True
) -> list[Any]:
    """Adjust OpenAI-format messages in place for LongCat on this server and return them."""
    names: dict[str, str] = {}
    for msg in messages:
        if msg.get("role") == "tool" and profile.tool_result_name:
            name = names.get(str(msg.get("tool_call_id")))
            if name:
                msg.setdefault("name", name)
        if msg.get("role") != "assistant":
            continue
        calls = msg.get("tool_calls") or []
        for call in calls:
            fn = call.get("function", {})
            names[str(call.get("id"))] = fn.get("name", "")
            args = fn.get("arguments")
            if profile.arguments_as_object:
                if isinstance(args, str):
                    fn["arguments"] = _as_dict(args)
            elif not isinstance(args, str):
                fn["arguments"] = json.dumps(args if args is not None else {})
        if calls and msg.get("content") is None:
            # the OpenAI schema allows null here; llama-cpp-python's message type requires a string
            msg["content"] = ""
        if not calls or not replay_reasoning:
            for field in REASONING_FIELDS:
                msg.pop(field, None)
    return messages


def _as_dict(arguments: str) -> dict[str, Any]:
    try:
        value = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError:
        # never drop what the model wrote: keep it visible under a single key
        return {"raw_arguments": arguments}
    return value if isinstance(value, dict) else {"value": value}


def has_raw_markup(text: str | None) -> bool:
    return bool(text) and any(tag in text for tag in (CALL_OPEN, THINK_OPEN, THINK_CLOSE))


def raw_text_choice(
    choice: ChatCompletionChoice, raw: str, tools: list[ToolInfo], id_salt: str = ""
) -> ChatCompletionChoice:
    """Rebuild a choice whose text carries LongCat markup into reasoning, text and tool calls.

    `id_salt` (the response id) keeps tool-call ids distinct when a model repeats a call verbatim
    in a later turn; ids stay deterministic for a given response.
    """
    parsed = parse_assistant_text(raw, id_salt=id_salt, params=tool_params(tools))
    message = choice.message
    content: list[Content] = []
    existing = [c for c in _content_list(message) if isinstance(c, ContentReasoning)]
    content.extend(existing)
    if parsed.reasoning and not existing:
        content.append(ContentReasoning(reasoning=parsed.reasoning, internal="reasoning_content"))
    content.append(ContentText(text=parsed.content))
    calls = list(message.tool_calls or []) + [_tool_call(c, tools) for c in parsed.tool_calls]
    stop_reason = choice.stop_reason
    if parsed.tool_calls and stop_reason == "stop":
        stop_reason = "tool_calls"
    new_message = ChatMessageAssistant(
        content=content,
        model=message.model,
        source=message.source,
        tool_calls=calls or None,
    )
    return choice.model_copy(update={"message": new_message, "stop_reason": stop_reason})


def tool_params(tools: list[ToolInfo]) -> dict[str, dict[str, Any]]:
    """Tool name -> its parameters' JSON schema, for decoding key/value tool-call values."""
    return {t.name: t.parameters.model_dump(exclude_none=True) for t in tools}


def _content_list(message: ChatMessageAssistant) -> list[Content]:
    return [] if isinstance(message.content, str) else list(message.content)


def _tool_call(call: ParsedToolCall, tools: list[ToolInfo]) -> ToolCall:
    if call.parse_error is not None:
        return ToolCall(
            id=call.id, function=call.function, arguments={}, parse_error=call.parse_error
        )
    # Inspect's parser applies the same type coercion as for native calls
    return parse_tool_call(call.id, call.function, json.dumps(call.arguments), tools)
