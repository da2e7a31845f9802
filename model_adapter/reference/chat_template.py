"""Render Inspect messages and tools into a prompt for the local model.

Two ways, chosen per checkpoint:

1. **The checkpoint's own template**, when it ships one (`chat_template.jinja`, or
   `chat_template` in `tokenizer_config.json`): rendered by transformers' own
   `render_jinja_template`, with the messages in the OpenAI shape LongCat's templates read
   (`reasoning_content`, `tool_calls` with dict arguments, tool results with `name`) and
   `enable_thinking` passed as a template variable. This is what a real LongCat checkpoint uses.
2. **Our LongCat template** otherwise (the `tiny` model, bare weight directories). It follows the
   current published format, LongCat-Flash-Thinking-2601's:

   ```
   <longcat_tool_declare>
   # Tools
   You have access to the following tools:

   ## Tool namespace: function

   ### Tool name: {name}
   Description: {description}
   InputSchema: {JSON schema}

   **Note**: ... key/value call format ...
   </longcat_tool_declare><longcat_system>{system}<longcat_user>{earlier user turn}
   <longcat_assistant>{answer}</longcat_s><longcat_user>{current user turn} /think_on
   <longcat_assistant><longcat_think>\\n
   ```
   (one line in reality, wrapped here; the space after /think_on is part of it).

   Earlier assistant turns keep only their answer; those inside the current user turn (after the
   last user message: the tool-calling steps of this turn) keep their reasoning as
   `<longcat_think>\\n{reasoning}\\n</longcat_think>\\n{answer}`. History tool calls are written in
   the key/value form of Meituan's own trajectories, tool results as
   `<longcat_observation><longcat_tool_response>{tool name}\\n{result}</longcat_tool_response>`
   (consecutive results share one `<longcat_observation>`).

   Sources: the system/user/assistant layout, ` /think_on ` and the thinking opener are the
   rendered multi-turn example on the 2601 model card, verbatim; the declaration headings and
   the observation tags as our brief records the 2601 examples; the key/value call syntax as
   LongCat's published tool parsers read it. The exact jinja file was not available to us, so
   whitespace inside the declaration block and between grouped tool results is our choice: a
   real checkpoint's own template (path 1) always wins.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant
from inspect_ai.tool import ToolInfo

from longcat_evals.errors import UserFacingError

EOS = "</longcat_s>"
THINK_OPEN, THINK_CLOSE = "<longcat_think>", "</longcat_think>"
SYSTEM, USER, ASSISTANT = "<longcat_system>", "<longcat_user>", "<longcat_assistant>"
TOOL_DECLARE_OPEN, TOOL_DECLARE_CLOSE = "<longcat_tool_declare>", "</longcat_tool_declare>"
OBSERVATION = "<longcat_observation>"
RESPONSE_OPEN, RESPONSE_CLOSE = "<longcat_tool_response>", "</longcat_tool_response>"
CALL_OPEN, CALL_CLOSE = "<longcat_tool_call>", "</longcat_tool_call>"
KEY_OPEN, KEY_CLOSE = "<longcat_arg_key>", "</longcat_arg_key>"
VALUE_OPEN, VALUE_CLOSE = "<longcat_arg_value>", "</longcat_arg_value>"
THINK_ON, THINK_OFF = " /think_on ", " /think_off "

CALL_NOTE = (
    "**Note**: For each function call, return the function name and its arguments within "
    f"{CALL_OPEN}{CALL_CLOSE} XML tags, one key/value pair per argument, as follows:\n"
    f"{CALL_OPEN}{{function-name}}\n"
    f"{KEY_OPEN}{{arg-key-1}}{KEY_CLOSE}\n{VALUE_OPEN}{{arg-value-1}}{VALUE_CLOSE}\n"
    f"{KEY_OPEN}{{arg-key-2}}{KEY_CLOSE}\n{VALUE_OPEN}{{arg-value-2}}{VALUE_CLOSE}\n"
    f"...\n{CALL_CLOSE}\n"
    "When several functions are called, put each call in its own "
    f"{CALL_OPEN} block, one after another."
)


def tool_schema(tool: ToolInfo) -> dict[str, Any]:
    return tool.parameters.model_dump(exclude_none=True)


def _tools_block(tools: list[ToolInfo]) -> str:
    parts = [TOOL_DECLARE_OPEN, "# Tools\nYou have access to the following tools:\n\n"]
    parts.append("## Tool namespace: function\n\n")
    for tool in tools:
        schema = json.dumps(tool_schema(tool), ensure_ascii=False)
        parts.append(f"### Tool name: {tool.name}\nDescription: {tool.description}\n")
        parts.append(f"InputSchema: {schema}\n\n")
    parts.append(CALL_NOTE + "\n" + TOOL_DECLARE_CLOSE)
    return "".join(parts)


def _argument_value(value: Any) -> str:
    """Strings verbatim (the tool's schema says how to read them); anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _call_text(function: str, arguments: dict[str, Any]) -> str:
    pairs = "".join(
        f"{KEY_OPEN}{k}{KEY_CLOSE}\n{VALUE_OPEN}{_argument_value(v)}{VALUE_CLOSE}\n"
        for k, v in arguments.items()
    )
    return f"{CALL_OPEN}{function}\n{pairs}{CALL_CLOSE}"


def _reasoning(message: ChatMessageAssistant) -> str | None:
    from inspect_ai.model import ContentReasoning

    if isinstance(message.content, str):
        return None
    parts = [c.reasoning for c in message.content if isinstance(c, ContentReasoning)]
    return "\n".join(parts) if parts else None


def _assistant_text(message: ChatMessageAssistant, keep_reasoning: bool) -> str:
    text = message.text
    reasoning = _reasoning(message) if keep_reasoning else None
    if reasoning is not None:
        text = f"{THINK_OPEN}\n{reasoning.strip()}\n{THINK_CLOSE}\n{text}"
    calls = "".join(_call_text(c.function, c.arguments) for c in message.tool_calls or [])
    return text + calls


def render_chat(messages: list[ChatMessage], tools: list[ToolInfo], thinking: bool = False) -> str:
    """Our LongCat template: the prompt text for `messages`, ending where the assistant's next
    reply starts."""
    system = "\n".join(m.text for m in messages if m.role == "system")
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    out = [_tools_block(tools)] if tools else []
    if system:
        out.append(SYSTEM + system)
    in_observation = False
    for i, message in enumerate(messages):
        if message.role == "system":
            continue
        if message.role == "tool":
            if not in_observation:
                out.append(OBSERVATION)
            name = message.function or ""
            out.append(f"{RESPONSE_OPEN}{name}\n{message.text}{RESPONSE_CLOSE}")
            in_observation = True
            continue
        in_observation = False
        if message.role == "user":
            out.append(
                USER
                + message.text
                + ((THINK_ON if thinking else THINK_OFF) if i == last_user else "")
            )
        elif message.role == "assistant":
            out.append(ASSISTANT + _assistant_text(message, keep_reasoning=i > last_user) + EOS)
    out.append(ASSISTANT)
    if thinking:
        out.append(THINK_OPEN + "\n")
    return "".join(out)


# ----------------------------------------------------------------------------------------------
# A checkpoint's own template, rendered by transformers
# ----------------------------------------------------------------------------------------------


@dataclass
class CheckpointTemplate:
    """A chat template shipped with a checkpoint and the special tokens it may refer to."""

    source: Path
    template: str
    special_tokens: dict[str, str]

    def render(self, messages: list[ChatMessage], tools: list[ToolInfo], thinking: bool) -> str:
        from transformers.utils.chat_template_utils import render_jinja_template

        tool_dicts = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": tool_schema(t),
                },
            }
            for t in tools
        ]
        try:
            [rendered], _ = render_jinja_template(
                conversations=[[_openai_message(m) for m in messages]],
                tools=tool_dicts or None,
                chat_template=self.template,
                add_generation_prompt=True,
                enable_thinking=thinking,
                **self.special_tokens,
            )
        except Exception as e:  # jinja2 errors, raise_exception() inside the template
            raise UserFacingError(
                f"{self.source}: the checkpoint's chat template failed to render "
                f"({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"
            ) from None
        return rendered


def _openai_message(message: ChatMessage) -> dict[str, Any]:
    """The message as OpenAI-style dicts, the shape LongCat's published templates read."""
    out: dict[str, Any] = {"role": message.role, "content": message.text}
    if isinstance(message, ChatMessageAssistant):
        reasoning = _reasoning(message)
        if reasoning is not None:
            out["reasoning_content"] = reasoning
        if message.tool_calls:
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.function, "arguments": c.arguments},
                }
                for c in message.tool_calls
            ]
    if message.role == "tool":
        out["name"] = message.function or ""
        out["tool_call_id"] = message.tool_call_id
    return out


def _token_text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


def load_checkpoint_template(path: str | Path) -> CheckpointTemplate | None:
    """The chat template a checkpoint directory ships, or None.

    Looks where transformers does: `chat_template.jinja` first, then `chat_template` in
    `tokenizer_config.json` (a string, or a list of named templates whose "default" is used).
    """
    path = Path(path)
    config_file = path / "tokenizer_config.json"
    config: dict[str, Any] = {}
    if config_file.exists():
        try:
            config = json.loads(config_file.read_text())
        except json.JSONDecodeError as e:
            raise UserFacingError(f"{config_file}: not valid JSON ({e})") from None
    special = {
        key: text
        for key in ("bos_token", "eos_token", "pad_token", "unk_token")
        if (text := _token_text(config.get(key))) is not None
    }
    jinja_file = path / "chat_template.jinja"
    if jinja_file.exists():
        return CheckpointTemplate(jinja_file, jinja_file.read_text(), special)
    template = config.get("chat_template")
    if isinstance(template, list):
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
        if template is None:
            raise UserFacingError(
                f"{config_file}: chat_template lists {sorted(named)} but no 'default' template"
            )
    if template is None:
        return None
    if not isinstance(template, str):
        raise UserFacingError(f"{config_file}: chat_template must be a string")
    return CheckpointTemplate(config_file, template, special)
