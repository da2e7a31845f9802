"""A loopback OpenAI-compatible server that validates requests as strictly as llama.cpp servers do.

Why not a real llama.cpp server: `llama-cpp-python` is the one that installs from PyPI, but only as
a source build (5 min on a quiet 2-core machine, 14 min under load, plus a C++ toolchain and CMake
flags for these CPUs) and it needs a GGUF model; a 135M model cannot be scripted, so a multi-turn
tool-using agent test against it would pass or fail with the model's whims rather than the adapter.
So the tests use this server: the request body is validated with a real validator, pydantic over
the `openai` package's own request types (`CompletionCreateParamsBase`, the OpenAI schema as the
SDK ships it), and llama-cpp-python's observed answers are reproduced from its source
(llama_cpp/server/app.py, errors.py, llama_chat_format.py):

- a schema violation (e.g. history `tool_calls[].function.arguments` as an object instead of a
  string) is a **500** `{"error": {"message": <pydantic's text>, "type": "internal_server_error"}}`
  (its RouteErrorHandler wraps FastAPI's RequestValidationError);
- an assistant message's `content`, when present, must be a string (its
  `ChatCompletionRequestAssistantMessage` types it `NotRequired[str]`, stricter than OpenAI);
- streaming with tools and `tool_choice` "auto" is answered **200 with an empty event stream**
  (chatml-function-calling raises "Automatic streaming tool choice is not supported" after the
  SSE response has started);
- streams carry **no usage chunk** (`stream_options` is not a field of its request model);
- routes live under `/v1` only (a base URL without it gets FastAPI's 404 `{"detail": "Not
  Found"}`); `GET /v1/models` lists the model with `owned_by: "me"`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .longcat_fake_server import EMPTY_STREAM, MODEL_ID, FakeLongCat


@lru_cache(maxsize=1)
def _request_schema():  # -> pydantic.TypeAdapter
    from openai.types.chat.completion_create_params import CompletionCreateParamsBase
    from pydantic import TypeAdapter

    return TypeAdapter(CompletionCreateParamsBase)


def _materialise(value: Any) -> Any:
    """Walk a validated value, consuming pydantic's lazy `Iterable[...]` validators.

    The openai types declare lists as `Iterable[...]`, which pydantic validates item by item only
    when iterated; consuming them here is what makes every message and tool call checked.
    """
    if isinstance(value, dict):
        return {k: _materialise(v) for k, v in value.items()}
    if isinstance(value, (str, bytes, int, float, bool)) or value is None:
        return value
    if hasattr(value, "__iter__"):
        return [_materialise(v) for v in value]
    return value


def schema_errors(body: dict[str, Any]) -> str | None:
    """pydantic's error text for a request the OpenAI schema rejects, else None."""
    from pydantic import ValidationError

    try:
        _materialise(_request_schema().validate_python(body))
    except ValidationError as e:
        return str(e)
    for i, msg in enumerate(body.get("messages") or []):
        if msg.get("role") == "assistant" and "content" in msg:
            if not isinstance(msg["content"], str):
                return (
                    f"1 validation error for CreateChatCompletionRequest\nmessages.{i}.content\n"
                    f"  Input should be a valid string [type=string_type, "
                    f"input_value={msg['content']!r}]"
                )
    return None


class StrictOpenAIServer(FakeLongCat):
    """FakeLongCat's scripted replies behind llama-cpp-python's request checks (module doc)."""

    stream_usage = False

    def models_listing(self, path: str) -> dict[str, Any] | None:
        if path.rstrip("/") == "/v1/models":
            card = {"id": MODEL_ID, "object": "model", "owned_by": "me", "permissions": []}
            return {"object": "list", "data": [card]}
        return None

    def not_found_body(self) -> dict[str, Any]:
        return {"detail": "Not Found"}

    def reject(self, path: str, body: dict[str, Any]) -> tuple[int, Any] | None:
        if path.rstrip("/") != "/v1/chat/completions":
            return 404, self.not_found_body()
        problem = schema_errors(body)
        if problem is not None:
            error = {"message": problem, "type": "internal_server_error", "param": None}
            return 500, {"error": error | {"code": None}}
        if body.get("stream") and body.get("tools") and body.get("tool_choice", "auto") == "auto":
            return 200, EMPTY_STREAM
        return None
