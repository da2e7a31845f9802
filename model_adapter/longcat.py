"""The `longcat` Inspect provider: LongCat-2.0 over an OpenAI-compatible endpoint.

`--model longcat/LongCat-2.0` reaches Meituan's API (key in LONGCAT_API_KEY); `-M base_url=...` (or
LONGCAT_BASE_URL) points it at OpenRouter or a self-hosted SGLang/vLLM server. Built on Inspect's
OpenAI-compatible provider; this class adds only LongCat's differences (model_adapter/README.md).
"""

from __future__ import annotations

import inspect
import json
import os
import time
from contextvars import ContextVar
from logging import getLogger
from typing import Any
from urllib.parse import urlparse

import httpx2
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
from inspect_ai.model._stream import NoStreamDataError
from inspect_ai.tool import ToolChoice, ToolInfo
from openai import APIConnectionError, APIStatusError, AsyncOpenAI
from openai.types.chat import ChatCompletion
from tenacity.wait import WaitBaseT

from longcat_evals.errors import UserFacingError
from longcat_evals.model_adapter import endpoint_errors as errors
from longcat_evals.model_adapter.endpoint_messages import (
    has_raw_markup,
    longcat_history,
    raw_text_choice,
)
from longcat_evals.model_adapter.endpoint_profiles import (
    SERVER_CHOICES,
    ServerProfile,
    profile_from_host,
    profile_from_models,
    profile_named,
)
from longcat_evals.model_adapter.endpoint_stream import accumulate_stream
from longcat_evals.model_adapter.endpoint_timing import CURRENT, CallTiming
from longcat_evals.model_adapter.endpoint_usage import TokenCounter

logger = getLogger(__name__)

LONGCAT_BASE_URL = "https://api.longcat.chat/openai/v1"
CONTEXT_WINDOW_TOKENS = 1_048_576
MAX_OUTPUT_TOKENS = 131_072
# LongCat API list prices, US$ per million tokens (LONGCAT_ARCHITECTURE.md)
PRICE_INPUT_PER_MTOK = 0.75
PRICE_OUTPUT_PER_MTOK = 2.95
DEFAULT_RETRY_BACKOFF_S = 3.0
# all retries of one call together; an outage longer than this errors the sample (eval-retry
# re-runs it) instead of holding the run indefinitely
DEFAULT_RETRY_BUDGET_S = 600.0
# the start-of-run check (GET /models): enough for a loaded server, short enough to stop fast
START_CHECK_TIMEOUT_S = 10.0
# after a 402/401 or an unreachable endpoint every call fails at once for this long (the run
# ends); a memoized model in a long-lived process (a notebook) asks the server again afterwards,
# e.g. once quota is topped up or the server is started
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
        server: `auto` (default: detected from the base URL's host, else from `GET /models`),
            `meituan`, `openrouter`, `sglang`, `vllm` or `generic` (the strict OpenAI schema):
            the wire rules of that server (endpoint_profiles.py, README "Server profiles").
        thinking: True/False switches thinking the way the server expects: Meituan's
            `thinking: {"type": "enabled"|"disabled"}`, OpenRouter's `reasoning.enabled`,
            `chat_template_kwargs.enable_thinking` on SGLang/vLLM/generic; unset leaves the
            server default.
        price_input / price_output / price_cache_read: US$ per million tokens for cost accounting
            (defaults: LongCat list prices; cached input defaults to the input price).
        retry_backoff_s: First backoff step when the server gives no Retry-After (default 3).
        retry_budget_s: Bound on all retries of one call together (default 600; 0 = none).
        tokenizer: A tokenizer.json to count usage with when the server sends none (else
            estimated at 4 characters per token; either way marked estimated in the log).
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
        retry_budget_s: float | str | None = None,
        server: str = "auto",
        tokenizer: str | None = None,
        **model_args: Any,
    ) -> None:
        _check_model_args(model_args)
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
        self.retry_budget_s = _parse_budget(
            retry_budget_s
            if retry_budget_s is not None
            else os.environ.get("LONGCAT_RETRY_BUDGET_S", DEFAULT_RETRY_BUDGET_S)
        )
        self.profile = _choose_profile(server, base_url)
        self.token_counter = TokenCounter(tokenizer)
        self._started = False  # the start-of-run check ran (reachable; profile detected)
        self._connected = False  # the server has answered at least once
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

    def _create_http_client(self) -> Any:
        client = super()._create_http_client()
        client.event_hooks["response"].append(_note_response)
        return client

    async def start(self) -> ServerProfile | None:
        """The start-of-run check, once: is anything listening, and which server is it.

        A `GET /models` with a short timeout of its own. No answer at all (refused, unknown
        host, timeout) latches an unreachable error so the run stops at once with one line; any
        HTTP answer counts as reachable. With `server=auto` on a host that names no known API,
        the answer's `owned_by` picks the profile. Returns the profile or None (unreachable).
        """
        if self._started:
            return self.profile
        url = f"{str(self.base_url).rstrip('/')}/models"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            async with httpx2.AsyncClient(timeout=START_CHECK_TIMEOUT_S) as client:
                response = await client.get(url, headers=headers)
        except httpx2.TransportError as ex:
            detail = f"GET {url}: {type(ex).__name__}: {' '.join(str(ex).split()) or 'no answer'}"
            self._latch(errors.unreachable_error(str(self.base_url), detail))
            return None
        self._started = True
        self._connected = True
        if self.profile is None:
            try:
                listing = response.json() if response.status_code == 200 else None
            except ValueError:
                listing = None
            self.profile = profile_from_models(listing)
            logger.info(
                f"longcat: server profile '{self.profile.name}' for {self.base_url} "
                f"({self.profile.detected_from})"
            )
        return self.profile

    def _latch(self, error: errors.LongCatError) -> None:
        # every call fails at once with this for FATAL_LATCH_S (the run ends); a long-lived
        # process (a notebook) asks the server again afterwards
        self._fatal = error
        self._fatal_until = time.monotonic() + FATAL_LATCH_S
        logger.error(str(error))

    @property
    def active_profile(self) -> ServerProfile:
        # before the start check (a bare completion_params call) the strict generic rules apply
        return self.profile or profile_named("generic", "not yet detected")

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
            params["extra_body"] = self.active_profile.thinking_params(thinking, extra)
        return params

    async def messages_to_openai(self, input: list[ChatMessage]) -> list[Any]:
        return longcat_history(await super().messages_to_openai(input), self.active_profile)

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
            result = await super()._generate_completion(request, config)
        finally:
            if timing is not None:
                timing.end = time.perf_counter()
        if not isinstance(result, ChatCompletion):
            # the SDK hands back the body as-is when it is not a JSON object (an HTML page)
            raise self._not_a_completion(repr(result))
        return result

    async def stream_completion(self, stream: Any) -> ChatCompletion:
        try:
            completion = await accumulate_stream(stream, CURRENT.get())
        except NoStreamDataError:
            raise self._empty_stream_error() from None
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
        attempt = errors.take_attempt()
        if self._fatal is not None and time.monotonic() < self._fatal_until:
            raise self._fatal
        if not self._started and await self.start() is None:
            assert self._fatal is not None
            raise self._fatal
        timing = CallTiming()
        token = CURRENT.set(timing)
        turn = _TURN.set(len(input))
        try:
            result = await super().generate(input, tools, tool_choice, config)
            self._connected = True
        except APIStatusError as ex:
            self._connected = True
            raise self._status_error(ex, attempt, config) from None
        except (APIConnectionError, httpx2.TransportError) as ex:
            raise self._connection_error(ex, attempt, config) from None
        except json.JSONDecodeError as ex:
            raise errors.response_error(str(self.base_url), f"invalid JSON: {ex}", ex.doc) from None
        finally:
            CURRENT.reset(token)
            _TURN.reset(turn)
        output, call = result if isinstance(result, tuple) else (result, None)
        if isinstance(output, Exception):
            # a refused request (handle_bad_request): raised, not returned, because Inspect wraps
            # a returned error in a ModelGenerateError that prints the whole request
            raise output
        if isinstance(output, ModelOutput):
            meta: dict[str, Any] = {}
            if output.usage is None or not (
                output.usage.input_tokens or output.usage.output_tokens
            ):
                output.usage = self.token_counter.estimate(input, tools, output)
                meta["usage_estimated"] = self.token_counter.method
                self._warn_estimated(timing.streamed)
            tokens = output.usage.output_tokens if output.usage else None
            meta = timing.metadata(tokens) | meta
            output.metadata = (output.metadata or {}) | {"longcat": meta}
        return (output, call) if call is not None else output

    def _warn_estimated(self, streamed: bool) -> None:
        how = (
            "with the given tokenizer"
            if self.token_counter.tokenizer is not None
            else "at 4 characters per token (-M tokenizer=tokenizer.json counts exactly)"
        )
        where = (
            "in its stream (no usage chunk for stream_options.include_usage)" if streamed else ""
        )
        profile = self.active_profile
        odd = (
            f" (unexpected from a {profile.name} server, which sends usage when asked)"
            if profile.stream_usage and streamed
            else ""
        )
        warn_once(
            logger,
            f"{self.base_url} sent no token usage {where}{odd}; tokens are counted here {how}, "
            "so cost and TPOT are estimates (marked usage_estimated in each call's metadata).",
        )

    def _status_error(
        self, ex: APIStatusError, attempt: errors.Attempt, config: GenerateConfig
    ) -> Exception:
        if ex.status_code == 402:
            self._latch(errors.quota_error(ex, str(self.base_url)))
            assert self._fatal is not None
            return self._fatal
        if ex.status_code == 401:
            self._latch(errors.auth_error(ex, str(self.base_url), self.key_var))
            assert self._fatal is not None
            return self._fatal
        if errors.is_transient_status(ex):
            return self._retry_or_give_up(
                errors.transient_error(ex, str(self.base_url)), attempt, config
            )
        return errors.request_error(ex, str(self.base_url))

    def _connection_error(
        self, ex: BaseException, attempt: errors.Attempt, config: GenerateConfig
    ) -> Exception:
        line = errors.connection_line(ex, str(self.base_url))
        if not self._connected and errors.is_connect_failure(ex):
            # the start check got an answer, the first call none: still a run that never connected
            self._latch(errors.unreachable_error(str(self.base_url), line))
            assert self._fatal is not None
            return self._fatal
        return self._retry_or_give_up(errors.LongCatTransientError(line, None, ex), attempt, config)

    def _retry_or_give_up(
        self, failure: errors.LongCatTransientError, attempt: errors.Attempt, config: GenerateConfig
    ) -> Exception:
        timeout = float(config.timeout) if config.timeout is not None else None
        why = errors.exhausted(attempt, config.max_retries, timeout, self.retry_budget_s)
        return errors.retries_exhausted(why, failure.line) if why else failure

    def _not_a_completion(self, body: str) -> errors.LongCatResponseError:
        timing = CURRENT.get()
        ctype = (timing.content_type if timing else None) or "unknown content type"
        problem = f"HTTP 200 {ctype}, not a chat completion"
        if "html" in ctype:
            problem += " (a web page: is the base URL an OpenAI-compatible API, ending in /v1?)"
        return errors.response_error(str(self.base_url), problem, body)

    def _empty_stream_error(self) -> errors.LongCatResponseError:
        timing = CURRENT.get()
        ctype = (timing.content_type if timing else None) or "unknown content type"
        if "event-stream" not in ctype:
            return self._not_a_completion("(no server-sent events)")
        return errors.response_error(
            str(self.base_url),
            "HTTP 200 with an empty event stream: the server failed after accepting the request "
            "(llama.cpp servers do this for a prompt past the context window and for streaming "
            "with tool_choice auto; try -M stream=false), not retried",
            "",
        )

    def handle_bad_request(self, ex: APIStatusError) -> ModelOutput | Exception:
        if ex.status_code == 403:
            return errors.auth_error(ex, str(self.base_url), self.key_var)
        result = super().handle_bad_request(ex)
        if isinstance(result, Exception):
            return errors.request_error(ex, str(self.base_url))
        return result

    def should_retry(self, ex: BaseException) -> bool | RetryDecision:
        if isinstance(ex, errors.LongCatTransientError):
            after = errors.retry_after_s(ex)
            if ex.status == 429:
                return RetryDecision.rate_limit(retry_after=after)
            return RetryDecision.transient(retry_after=after)
        if isinstance(ex, errors.LongCatError):
            return RetryDecision.no()
        if errors.is_dropped_connection(ex):
            return RetryDecision.transient()
        return super().should_retry(ex)

    def retry_wait(self) -> WaitBaseT | None:
        return errors.RetryAfterWait(self.retry_backoff_s, budget_s=self.retry_budget_s)

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
    raise UserFacingError(f"-M thinking={value!r}: expected true or false (or enabled/disabled)")


def _parse_budget(value: float | str | None) -> float | None:
    try:
        budget = float(value) if value is not None else 0.0
    except ValueError:
        raise UserFacingError(
            f"-M retry_budget_s={value!r}: expected seconds (0 for no bound)"
        ) from None
    return budget if budget > 0 else None


def _choose_profile(server: str, base_url: str) -> ServerProfile | None:
    """The profile `-M server=` names, or the base URL's host does; None: detect at start."""
    name = str(server).strip().lower()
    if name not in SERVER_CHOICES:
        raise UserFacingError(f"-M server={server!r}: expected one of {', '.join(SERVER_CHOICES)}")
    if name != "auto":
        return profile_named(name, f"-M server={name}")  # type: ignore[arg-type]
    return profile_from_host(base_url)


def _known_args() -> set[str]:
    """Options the provider, Inspect's OpenAI-compatible base and the `openai` client take."""
    names: set[str] = set()
    for fn in (LongCatAPI.__init__, OpenAICompatibleAPI.__init__, AsyncOpenAI.__init__):
        for param in inspect.signature(fn).parameters.values():
            if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                names.add(param.name)
    return names - {"self", "model_name", "config", "service", "service_base_url", "api_key_var"}


def _check_model_args(model_args: dict[str, Any]) -> None:
    unknown = sorted(set(model_args) - _known_args())
    if unknown:
        ours = "server, thinking, stream, api_key, api_key_env, price_input, price_output, "
        ours += "price_cache_read, retry_backoff_s, retry_budget_s, tokenizer"
        raise UserFacingError(
            f"-M {unknown[0]}=...: not an option of the longcat provider (its options: {ours}; "
            "see model_adapter/README.md)"
        )


async def _note_response(response: Any) -> None:
    """httpx response hook: the call's status and content type, for error messages."""
    timing = CURRENT.get()
    if timing is not None:
        timing.status = response.status_code
        timing.content_type = response.headers.get("content-type", "")
