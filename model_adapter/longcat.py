"""The `longcat` Inspect provider: LongCat-2.0 over an OpenAI-compatible endpoint.

`--model longcat/LongCat-2.0` reaches Meituan's API (key in LONGCAT_API_KEY); `-M base_url=...` (or
LONGCAT_BASE_URL) points it at OpenRouter or a self-hosted SGLang/vLLM server. Built on Inspect's
OpenAI-compatible provider; this class adds only LongCat's differences (model_adapter/README.md).
"""

from __future__ import annotations

import json
import os
import time
from contextvars import ContextVar
from logging import getLogger
from typing import Any
from urllib.parse import urlparse

from inspect_ai._util.logger import warn_once
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    GenerateConfig,
    ModelCost,
    ModelInfo,
    ModelOutput,
    set_model_info,
)
from inspect_ai.model._model import RetryDecision
from inspect_ai.model._model_call import ModelCall
from inspect_ai.model._providers.openai_compatible import OpenAICompatibleAPI
from inspect_ai.tool import ToolChoice, ToolInfo
from openai import APIStatusError
from openai.types.chat import ChatCompletion
from tenacity.wait import WaitBaseT

from longcat_evals.errors import UserFacingError
from longcat_evals.model_adapter import endpoint_errors as errors
from longcat_evals.model_adapter.endpoint_messages import (
    has_raw_markup,
    longcat_history,
    raw_text_choice,
)
from longcat_evals.model_adapter.endpoint_stream import accumulate_stream
from longcat_evals.model_adapter.endpoint_timing import CURRENT, CallTiming

logger = getLogger(__name__)

LONGCAT_BASE_URL = "https://api.longcat.chat/openai/v1"
CONTEXT_WINDOW_TOKENS = 1_048_576
MAX_OUTPUT_TOKENS = 131_072
# LongCat API list prices, US$ per million tokens (LONGCAT_ARCHITECTURE.md)
PRICE_INPUT_PER_MTOK = 0.75
PRICE_OUTPUT_PER_MTOK = 2.95
DEFAULT_RETRY_BACKOFF_S = 3.0
# after a 402/401 every call fails at once for this long (the run ends); a memoized model in a
# long-lived process (a notebook) asks the server again afterwards, e.g. once quota is topped up
FATAL_LATCH_S = 300.0
# length of the conversation being answered, salted into raw-text tool-call ids
_TURN: ContextVar[int] = ContextVar("longcat_turn", default=0)


class LongCatAPI(OpenAICompatibleAPI):
    """LongCat-2.0 endpoint provider.

    Model args (`-M key=value`):
        base_url: Endpoint base URL: Inspect's `--model-base-url` / `eval(model_base_url=)`,
            else LONGCAT_BASE_URL, else Meituan's API.
        api_key: API key (default from `api_key_env`); never logged.
        api_key_env: Environment variable holding the key (default LONGCAT_API_KEY).
        thinking: True/False sends `thinking: {"type": "enabled"|"disabled"}`; unset leaves the
            server default. On OpenRouter the equivalent `reasoning.enabled` field is sent.
        price_input / price_output / price_cache_read: US$ per million tokens for cost accounting
            (defaults: LongCat list prices; cached input defaults to the input price).
        retry_backoff_s: First backoff step when the server gives no Retry-After (default 3).
        stream: True to stream (records TTFT/TPOT per call), False for plain JSON.
    """

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 (Inspect's provider signature)
        thinking: bool | str | None = None,
        api_key_env: str = "LONGCAT_API_KEY",
        price_input: float = PRICE_INPUT_PER_MTOK,
        price_output: float = PRICE_OUTPUT_PER_MTOK,
        price_cache_read: float | None = None,
        retry_backoff_s: float | None = None,
        **model_args: Any,
    ) -> None:
        base_url = base_url or os.environ.get("LONGCAT_BASE_URL") or LONGCAT_BASE_URL
        api_key = api_key or os.environ.get(api_key_env)
        if not api_key:
            if urlparse(base_url).hostname in ("api.longcat.chat", "openrouter.ai"):
                raise UserFacingError(
                    f"No {api_key_env} in the environment: set it to your key for {base_url}, "
                    "or point at a self-hosted server that needs none "
                    "(--model-base-url or LONGCAT_BASE_URL)."
                )
            api_key = "EMPTY"  # self-hosted SGLang/vLLM servers accept any key
        self.key_var = api_key_env
        self.thinking = _parse_thinking(thinking)
        self.retry_backoff_s = float(
            retry_backoff_s
            if retry_backoff_s is not None
            else os.environ.get("LONGCAT_RETRY_BACKOFF_S", DEFAULT_RETRY_BACKOFF_S)
        )
        self._fatal: errors.LongCatError | None = None
        self._fatal_until = 0.0
        # one retry layer (Inspect's): visible in the log, bounded by --max-retries
        model_args.setdefault("max_retries", 0)
        super().__init__(
            model_name=model_name,
            base_url=base_url,
            api_key=api_key,
            config=config,
            service="longcat",
            service_base_url=LONGCAT_BASE_URL,
            api_key_var=api_key_env,
            **model_args,
        )
        cache_read = price_input if price_cache_read is None else price_cache_read
        cost = ModelCost(
            input=float(price_input),
            output=float(price_output),
            input_cache_read=float(cache_read),
            input_cache_write=float(price_input),
        )
        info = ModelInfo(
            organization="Meituan",
            model="LongCat-2.0",
            context_length=CONTEXT_WINDOW_TOKENS,
            output_tokens=MAX_OUTPUT_TOKENS,
            reasoning=True,
            cost=cost,
        )
        for name in {f"longcat/{self.service_model_name()}", self.canonical_name()}:
            set_model_info(name, info)

    def __repr__(self) -> str:
        return f"LongCatAPI(model={self.service_model_name()!r}, base_url={self.base_url!r})"

    @property
    def is_openrouter(self) -> bool:
        return urlparse(str(self.base_url)).hostname == "openrouter.ai"

    def completion_params(self, config: GenerateConfig, tools: bool) -> dict[str, Any]:
        params = super().completion_params(config, tools)
        if params.get("max_tokens", 0) > MAX_OUTPUT_TOKENS:
            warn_once(
                logger,
                f"max_tokens={params['max_tokens']} exceeds LongCat-2.0's output limit; "
                f"clamped to {MAX_OUTPUT_TOKENS}.",
            )
            params["max_tokens"] = MAX_OUTPUT_TOKENS
        thinking = self.thinking
        effort = params.pop("reasoning_effort", None)
        if effort is not None:
            # LongCat has an on/off switch, no effort scale: map Inspect's --reasoning-effort
            warn_once(
                logger,
                f"LongCat has no reasoning_effort; --reasoning-effort {effort} is sent as "
                f"thinking {'disabled' if effort == 'none' else 'enabled'}.",
            )
            if thinking is None:
                thinking = effort != "none"
        if thinking is not None:
            extra = dict(params.get("extra_body") or {})
            if self.is_openrouter:
                extra.setdefault("reasoning", {"enabled": thinking})
            else:
                extra.setdefault("thinking", {"type": "enabled" if thinking else "disabled"})
            params["extra_body"] = extra
        return params

    async def messages_to_openai(self, input: list[ChatMessage]) -> list[Any]:
        return longcat_history(await super().messages_to_openai(input))

    def chat_choices_from_completion(
        self, completion: ChatCompletion, tools: list[ToolInfo]
    ) -> list[ChatCompletionChoice]:
        if not completion.choices or any(c.message is None for c in completion.choices):
            raw = completion.model_dump_json()
            raise errors.response_error(str(self.base_url), "no choices/message", raw)
        choices = super().chat_choices_from_completion(completion, tools)
        raw_by_index = {c.index: c.message.content for c in completion.choices}
        salt = str(_TURN.get())  # distinct ids when a later turn repeats a call verbatim
        ordered = sorted(raw_by_index)
        return [
            raw_text_choice(choice, raw_by_index[idx], tools, f"{salt}:{completion.id}:{idx}")
            if has_raw_markup(raw_by_index[idx])
            else choice
            for idx, choice in zip(ordered, choices, strict=True)
        ]

    async def _generate_completion(self, request: dict[str, Any], config: GenerateConfig) -> Any:
        timing = CURRENT.get()
        if timing is not None:
            timing.start = time.perf_counter()
            timing.streamed = bool(request.get("stream"))
        try:
            return await super()._generate_completion(request, config)
        finally:
            if timing is not None:
                timing.end = time.perf_counter()

    async def stream_completion(self, stream: Any) -> ChatCompletion:
        completion = await accumulate_stream(stream, CURRENT.get())
        if any(c.finish_reason is None for c in completion.choices):
            raw = completion.model_dump_json()
            raise errors.response_error(str(self.base_url), "stream ended without finish", raw)
        return completion

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput | tuple[ModelOutput | Exception, ModelCall]:
        if self._fatal is not None and time.monotonic() < self._fatal_until:
            raise self._fatal
        timing = CallTiming()
        token = CURRENT.set(timing)
        turn = _TURN.set(len(input))
        try:
            result = await super().generate(input, tools, tool_choice, config)
        except APIStatusError as ex:
            raise self._status_error(ex) from None
        except json.JSONDecodeError as ex:
            raise errors.response_error(str(self.base_url), f"invalid JSON: {ex}", ex.doc) from None
        finally:
            CURRENT.reset(token)
            _TURN.reset(turn)
        output, call = result if isinstance(result, tuple) else (result, None)
        if isinstance(output, ModelOutput):
            tokens = output.usage.output_tokens if output.usage else None
            output.metadata = (output.metadata or {}) | {"longcat": timing.metadata(tokens)}
        return (output, call) if call is not None else output

    def _status_error(self, ex: APIStatusError) -> Exception:
        if ex.status_code == 402:
            self._fatal = errors.quota_error(ex, str(self.base_url))
            self._fatal_until = time.monotonic() + FATAL_LATCH_S
            logger.error(str(self._fatal))
            return self._fatal
        if ex.status_code == 401:
            self._fatal = errors.auth_error(ex, str(self.base_url), self.key_var)
            self._fatal_until = time.monotonic() + FATAL_LATCH_S
            return self._fatal
        return ex

    def handle_bad_request(self, ex: APIStatusError) -> ModelOutput | Exception:
        if ex.status_code == 403:
            return errors.auth_error(ex, str(self.base_url), self.key_var)
        return super().handle_bad_request(ex)

    def should_retry(self, ex: BaseException) -> bool | RetryDecision:
        if isinstance(ex, errors.LongCatError):
            return RetryDecision.no()
        if errors.is_dropped_connection(ex):
            return RetryDecision.transient()
        return super().should_retry(ex)

    def retry_wait(self) -> WaitBaseT | None:
        return errors.RetryAfterWait(self.retry_backoff_s)

    async def refresh_credentials(self) -> None:
        # a key-rotation hook gave a new key: the 401 latch no longer applies (402 still does)
        await super().refresh_credentials()
        if isinstance(self._fatal, errors.LongCatAuthError):
            self._fatal = None

    def is_auth_failure(self, ex: Exception) -> bool:
        if isinstance(ex, errors.LongCatAuthError):
            return True
        return isinstance(ex, APIStatusError) and ex.status_code in (401, 403)

    def max_tokens(self) -> int | None:
        return None  # the server default (32,768 on Meituan's API) unless the task sets one


def _parse_thinking(value: bool | str | None) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "on", "enabled", "1", "yes"):
        return True
    if text in ("false", "off", "disabled", "0", "no"):
        return False
    raise ValueError(f"-M thinking={value!r}: expected true/false (or enabled/disabled)")
