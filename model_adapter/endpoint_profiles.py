"""Server profiles: the wire rules that differ between OpenAI-compatible servers.

A profile is chosen with `-M server=meituan|openrouter|sglang|vllm|generic`, or detected (`auto`,
the default): the base URL's host names Meituan's API and OpenRouter; a self-hosted server names
itself in the `owned_by` field of `GET /models` (vLLM writes "vllm", SGLang "sglang", llama.cpp
"llamacpp"; each is its protocol model's default). Anything else is `generic`: the OpenAI schema
to the letter. The evidence for each rule is in model_adapter/README.md ("Server profiles").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlparse

ServerName = Literal["meituan", "openrouter", "sglang", "vllm", "generic"]
SERVER_CHOICES: tuple[str, ...] = ("auto", "meituan", "openrouter", "sglang", "vllm", "generic")
ThinkingSwitch = Literal["thinking_field", "reasoning_field", "chat_template_kwargs"]


@dataclass(frozen=True)
class ServerProfile:
    """How to talk to one kind of server.

    Attributes:
        name: The profile's name (what `-M server=` takes).
        arguments_as_object: Send history `tool_calls[].function.arguments` as a JSON object
            (Meituan's API) instead of the JSON string the OpenAI schema prescribes.
        thinking: How the thinking on/off switch is sent: Meituan's `thinking: {type}` body
            field, OpenRouter's `reasoning: {enabled}`, or `chat_template_kwargs:
            {enable_thinking}` (read by the chat template of SGLang/vLLM/llama.cpp servers).
        tool_result_name: The server's message schema has a `name` on tool messages, so the tool's
            name goes with each result (LongCat's template renders it in the tool response).
        stream_usage: The server sends a usage chunk when asked with
            `stream_options.include_usage`; otherwise usage is counted here (marked estimated).
        detected_from: How the profile was chosen, for the log and the probe.
    """

    name: ServerName
    arguments_as_object: bool
    thinking: ThinkingSwitch
    tool_result_name: bool
    stream_usage: bool
    detected_from: str = "default"

    def thinking_params(self, on: bool, extra_body: dict[str, Any]) -> dict[str, Any]:
        """`extra_body` with the thinking switch added (a value the user set explicitly wins)."""
        extra = dict(extra_body)
        if self.thinking == "thinking_field":
            extra.setdefault("thinking", {"type": "enabled" if on else "disabled"})
        elif self.thinking == "reasoning_field":
            extra.setdefault("reasoning", {"enabled": on})
        else:
            kwargs = dict(extra.get("chat_template_kwargs") or {})
            kwargs.setdefault("enable_thinking", on)
            extra["chat_template_kwargs"] = kwargs
        return extra

    def describe_thinking(self) -> str:
        return {
            "thinking_field": "body field `thinking: {type}`",
            "reasoning_field": "body field `reasoning: {enabled}`",
            "chat_template_kwargs": "`chat_template_kwargs: {enable_thinking}`",
        }[self.thinking]


PROFILES: dict[str, ServerProfile] = {
    "meituan": ServerProfile("meituan", True, "thinking_field", True, True),
    "openrouter": ServerProfile("openrouter", False, "reasoning_field", False, True),
    "sglang": ServerProfile("sglang", False, "chat_template_kwargs", True, True),
    "vllm": ServerProfile("vllm", False, "chat_template_kwargs", True, True),
    # llama.cpp / llama-cpp-python / anything else: the OpenAI schema, nothing beyond it except
    # chat_template_kwargs, which llama.cpp's server reads and strict-but-lenient servers ignore
    "generic": ServerProfile("generic", False, "chat_template_kwargs", False, False),
}

HOST_PROFILES = {"api.longcat.chat": "meituan", "openrouter.ai": "openrouter"}
OWNED_BY_PROFILES = {"vllm": "vllm", "sglang": "sglang", "llamacpp": "generic"}


def profile_named(name: str, detected_from: str) -> ServerProfile:
    base = PROFILES[name]
    return ServerProfile(
        base.name,
        base.arguments_as_object,
        base.thinking,
        base.tool_result_name,
        base.stream_usage,
        detected_from,
    )


def profile_from_host(base_url: str) -> ServerProfile | None:
    """The profile the base URL's host names, if it is a known public API."""
    host = urlparse(base_url).hostname or ""
    name = HOST_PROFILES.get(host)
    return profile_named(name, f"host {host}") if name else None


def profile_from_models(listing: Any) -> ServerProfile:
    """The profile a `GET /models` answer names through `owned_by`; generic when none does."""
    data = listing.get("data") if isinstance(listing, dict) else None
    for card in data if isinstance(data, list) else []:
        owner = card.get("owned_by") if isinstance(card, dict) else None
        if isinstance(owner, str) and owner.lower() in OWNED_BY_PROFILES:
            name = OWNED_BY_PROFILES[owner.lower()]
            return profile_named(name, f"GET /models owned_by={owner!r}")
    return profile_named("generic", "GET /models names no known server")
