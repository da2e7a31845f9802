"""Render Inspect messages and tools into LongCat's raw chat format for the local model.

LongCat-Flash's published format, which we assume for 2.0 (Meituan has not published a 2.0
template): `SYSTEM:<system>` then rounds `[Round i] USER:<user> ASSISTANT:<assistant></longcat_s>`,
the open last round ending in `ASSISTANT:`. Tools are declared in the system part inside
`<longcat_tool_declare>` as one JSON object per line; history tool calls are written as
`<longcat_tool_call>{"name", "arguments"}</longcat_tool_call>` (arguments as dicts) and tool
results come back as `<longcat_tool_response>` blocks in the next USER turn.
"""

from __future__ import annotations

import json

from inspect_ai.model import ChatMessage
from inspect_ai.tool import ToolInfo

BOS, EOS = "<longcat_s>", "</longcat_s>"
THINK_OPEN = "<longcat_think>"


def _tools_block(tools: list[ToolInfo]) -> str:
    lines = []
    for tool in tools:
        spec = {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters.model_dump(exclude_none=True),
        }
        lines.append(json.dumps({"type": "function", "function": spec}, ensure_ascii=False))
    return (
        '\nYou can call these tools; reply with <longcat_tool_call>{"name": ..., "arguments": '
        "{...}}</longcat_tool_call> to call one.\n<longcat_tool_declare>\n"
        + "\n".join(lines)
        + "\n</longcat_tool_declare>"
    )


def _assistant_text(message) -> str:
    parts = [message.text]
    for call in message.tool_calls or []:
        body = json.dumps({"name": call.function, "arguments": call.arguments}, ensure_ascii=False)
        parts.append(f"<longcat_tool_call>{body}</longcat_tool_call>")
    return "".join(parts)


def render_chat(messages: list[ChatMessage], tools: list[ToolInfo], thinking: bool = False) -> str:
    """The prompt text for `messages`, ending where the assistant's next reply starts."""
    system = "\n".join(m.text for m in messages if m.role == "system")
    if tools:
        system += _tools_block(tools)
    out = [BOS]
    if system:
        out.append(f"SYSTEM:{system}")
    round_no, user_parts = 0, []
    for message in messages:
        if message.role == "user":
            user_parts.append(message.text)
        elif message.role == "tool":
            user_parts.append(f"<longcat_tool_response>{message.text}</longcat_tool_response>")
        elif message.role == "assistant":
            out.append(f"[Round {round_no}] USER:{''.join(user_parts)} ASSISTANT:")
            out.append(_assistant_text(message) + EOS)
            round_no, user_parts = round_no + 1, []
    out.append(f"[Round {round_no}] USER:{''.join(user_parts)} ASSISTANT:")
    if thinking:
        out.append(THINK_OPEN)
    return "".join(out)
