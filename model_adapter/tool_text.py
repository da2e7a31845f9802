"""Parse LongCat's raw assistant text: `<longcat_think>` reasoning and `<longcat_tool_call>` calls.

Servers without a LongCat tool parser (a bare SGLang/vLLM launch, the local reference model) return
the model's raw text. Tool calls then sit inline as ``<longcat_tool_call>…</longcat_tool_call>``
holding either JSON ``{"name": ..., "arguments": {...}}`` or the key/value form
``name<longcat_arg_key>k</longcat_arg_key><longcat_arg_value>v</longcat_arg_value>…``.
Reasoning sits in ``<longcat_think>…</longcat_think>``.

A malformed call never raises: it is returned with ``parse_error`` set so the provider can hand the
agent an Inspect ``ToolCall`` whose ``parse_error`` tells the model what went wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

THINK_OPEN, THINK_CLOSE = "<longcat_think>", "</longcat_think>"
CALL_OPEN, CALL_CLOSE = "<longcat_tool_call>", "</longcat_tool_call>"
ARG_KEY_RE = re.compile(
    r"<longcat_arg_key>(.*?)</longcat_arg_key>\s*<longcat_arg_value>(.*?)</longcat_arg_value>",
    re.DOTALL,
)
# A call block: closed, or unclosed at the very end (generation stopped inside the call).
CALL_RE = re.compile(re.escape(CALL_OPEN) + r"(.*?)(" + re.escape(CALL_CLOSE) + r"|\Z)", re.DOTALL)
THINK_RE = re.compile(
    re.escape(THINK_OPEN) + r"(.*?)(" + re.escape(THINK_CLOSE) + r"|\Z)", re.DOTALL
)


@dataclass
class ParsedToolCall:
    """One tool call found in raw text.

    Attributes:
        id: Deterministic id (index plus a hash of the raw call text), stable across re-parses.
        function: Tool name; empty when it could not be read.
        arguments: Decoded arguments (empty on a parse error).
        parse_error: Why the call could not be parsed, or None.
    """

    id: str
    function: str
    arguments: dict = field(default_factory=dict)
    parse_error: str | None = None


@dataclass
class ParsedAssistant:
    """Assistant text split into visible content, reasoning and tool calls.

    Attributes:
        content: Text outside the think and tool-call blocks, stripped.
        reasoning: Text inside `<longcat_think>`, or None when there was none.
        tool_calls: Calls in order of appearance.
    """

    content: str
    reasoning: str | None = None
    tool_calls: list[ParsedToolCall] = field(default_factory=list)


def call_id(index: int, raw: str, salt: str = "") -> str:
    """Deterministic tool-call id from the call's position, its raw text and an optional salt."""
    digest = hashlib.sha1(f"{salt}:{index}:{raw}".encode()).hexdigest()[:12]
    return f"call_{index}_{digest}"


# JSON-schema types whose values are written as JSON text in the key/value form
_JSON_TYPES = {
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}


def _schema_types(schema: Mapping[str, Any] | None) -> set[str]:
    """The JSON-schema type names a parameter admits (empty: unknown, no schema)."""
    if not schema:
        return set()
    kinds = schema.get("type")
    found = {kinds} if isinstance(kinds, str) else set(kinds or [])
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key) or []:
            found |= _schema_types(option)
    if "enum" in schema and not found:
        found |= {"string"} if all(isinstance(v, str) for v in schema["enum"]) else set()
    return found


def _decode_value(value: str, schema: Mapping[str, Any] | None = None) -> object:
    """Decode one key/value argument by the tool's schema for it.

    The key/value form writes every value as text. A parameter the schema types as `string`
    keeps that text as it is, even when it happens to be valid JSON (a file body
    `{"port": 8080}`, a version `3.14`, the word `true`). Other types are JSON-decoded; a value
    that decodes to a type the schema does not admit stays text, which the tool's own validation
    then reports. Without a schema for the parameter, JSON that decodes is decoded.
    """
    admitted = _schema_types(schema)
    if admitted == {"string"}:
        return value
    try:
        decoded = json.loads(value.strip())
    except (json.JSONDecodeError, ValueError):
        return value
    if not admitted or "string" not in admitted:
        return decoded
    kinds = tuple(_JSON_TYPES[k] for k in admitted if k in _JSON_TYPES)
    if decoded is None and "null" in admitted:
        return None
    ok = isinstance(decoded, kinds) and not (
        isinstance(decoded, bool) and "boolean" not in admitted
    )
    return decoded if ok else value


def _parse_json_call(body: str) -> tuple[str, dict]:
    obj = json.loads(body)
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str) or not obj["name"]:
        raise ValueError('expected a JSON object with a string "name"')
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):  # some emitters double-encode arguments
        args = json.loads(args) if args.strip() else {}
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ValueError(f'"arguments" must be an object, got {type(args).__name__}')
    return obj["name"], args


def _parse_kv_call(body: str, params: Mapping[str, Any] | None) -> tuple[str, dict]:
    first = body.find("<longcat_arg_key>")
    name = (body if first < 0 else body[:first]).strip()
    if not name or not re.fullmatch(r"[\w.\-]+", name):
        raise ValueError(f"unreadable tool name {name[:60]!r}")
    rest = "" if first < 0 else body[first:]
    args: dict = {}
    props = ((params or {}).get(name) or {}).get("properties") or {}
    for match in ARG_KEY_RE.finditer(rest):
        key = match.group(1).strip()
        args[key] = _decode_value(match.group(2), props.get(key))
    leftover = ARG_KEY_RE.sub("", rest).strip()
    if leftover:
        raise ValueError(f"unparsed text in arguments: {leftover[:80]!r}")
    return name, args


def parse_tool_call(
    body: str,
    index: int,
    closed: bool = True,
    salt: str = "",
    params: Mapping[str, Any] | None = None,
) -> ParsedToolCall:
    """Parse the inside of one `<longcat_tool_call>` block; never raises.

    `params` maps tool names to their parameters' JSON schema (`{"type": "object",
    "properties": ...}`); key/value values are decoded by it (see `_decode_value`).
    """
    cid = call_id(index, body, salt)
    if not closed:
        return ParsedToolCall(cid, _guess_name(body), {}, f"tool call not closed with {CALL_CLOSE}")
    text = body.strip()
    try:
        if text.startswith("{"):
            name, args = _parse_json_call(text)
        else:
            name, args = _parse_kv_call(text, params)
    except (ValueError, json.JSONDecodeError) as e:
        return ParsedToolCall(cid, _guess_name(text), {}, f"malformed tool call: {e}")
    return ParsedToolCall(cid, name, args)


def _guess_name(body: str) -> str:
    m = re.search(r'"name"\s*:\s*"([^"]+)"', body) or re.match(r"\s*([\w.\-]+)", body)
    return m.group(1) if m else ""


def parse_assistant_text(
    text: str, id_salt: str = "", params: Mapping[str, Any] | None = None
) -> ParsedAssistant:
    """Split raw LongCat output into content, reasoning and tool calls.

    Args:
        text: The raw assistant text as generated.
        id_salt: Mixed into the tool-call ids (e.g. the response id or turn number) so that a
            model repeating the same call in a later turn still gets a distinct id.
        params: Tool name -> its parameters' JSON schema; key/value argument values are decoded
            by it, so a `string` parameter stays a string (see `_decode_value`).

    Returns:
        The parsed message. A think block that opens without closing (generation stopped) counts as
        reasoning up to the end; a lone `</longcat_think>` (the template opened it in the prompt)
        makes everything before it reasoning.
    """
    reasoning_parts: list[str] = []
    if THINK_CLOSE in text and THINK_OPEN not in text.split(THINK_CLOSE, 1)[0]:
        head, text = text.split(THINK_CLOSE, 1)
        reasoning_parts.append(head)
    for m in THINK_RE.finditer(text):
        reasoning_parts.append(m.group(1))
    text = THINK_RE.sub("", text)

    calls: list[ParsedToolCall] = []
    for m in CALL_RE.finditer(text):
        closed = bool(m.group(2))
        calls.append(
            parse_tool_call(m.group(1), len(calls), closed=closed, salt=id_salt, params=params)
        )
    content = CALL_RE.sub("", text).strip()
    reasoning = "\n".join(p.strip() for p in reasoning_parts).strip() if reasoning_parts else None
    return ParsedAssistant(content=content, reasoning=reasoning, tool_calls=calls)
