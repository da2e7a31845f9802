"""Error handling of the `longcat` provider: what is retried, what stops a run, what is shown.

Retried (only what can succeed on a second try): 429, the transient 5xx (500 other than a request
validation error, 502, 503, 504, 520-529 gateway errors), 408, and connections dropped after the
server was reached. Waits follow the server's Retry-After, else jittered exponential backoff from
`retry_backoff_s`; all retries of one call together stop after `retry_budget_s` (default 600 s), or
Inspect's `--max-retries` / `--timeout` when they come first, with one line naming URL, status and
the server's message (never tenacity's `RetryError(<Future …>)`).

Not retried, the sample fails at once with one line (URL, status, server message, what to do):
404 (with a hint when the base URL lacks /v1), 501 and other 4xx/5xx, a 500 whose body is a
request-validation error (llama-cpp-python answers schema violations with 500), a 200 that is not a
chat completion (an HTML page, an empty event stream), malformed bodies (raw body kept).

Stop the run (latched, every later call fails at once with the same line):
- the endpoint unreachable before any answer (connection refused, unknown host, connect timeout);
- 401/403: auth failure naming the key variable and base URL (never the key);
- 402: quota exhausted.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx2
from openai import APIStatusError
from tenacity import RetryCallState
from tenacity.wait import wait_base

from longcat_evals.errors import UserFacingError

RAW_BODY_MAX_CHARS = 4000
RETRY_AFTER_MAX_S = 600.0
BACKOFF_MAX_S = 300.0
MESSAGE_MAX_CHARS = 300
# statuses a retry can cure; anything else is the same answer next time
TRANSIENT_STATUSES = {408, 429, 500, 502, 503, 504, *range(520, 530)}
# a 500 carrying one of these is a request the server's schema rejected (llama-cpp-python wraps
# FastAPI's RequestValidationError into a 500; pydantic's messages), not a server fault
VALIDATION_RE = re.compile(
    r"validation error|Input should be|Field required|Extra inputs are not permitted"
    r"|type must be|\[json\.exception",
    re.IGNORECASE,
)


class LongCatError(UserFacingError):
    """Base class for errors the `longcat` provider raises with a user-facing message.

    A UserFacingError, so Inspect shows the message itself (not a repr) as the sample error.
    """


class LongCatAuthError(LongCatError):
    """The endpoint refused the credentials (HTTP 401/403)."""


class LongCatQuotaError(LongCatError):
    """The account has no quota left (HTTP 402); the run stops."""


class LongCatResponseError(LongCatError):
    """The endpoint answered with a body that is not a valid chat completion."""


class LongCatRequestError(LongCatError):
    """The endpoint gave an answer a retry would repeat (404, 501, a schema rejection, ...)."""


class LongCatUnreachableError(LongCatError):
    """No connection to the endpoint could be made before it ever answered; the run stops."""


class LongCatRetriesExhausted(LongCatError):
    """A retryable failure persisted past the retry bound."""


class LongCatTransientError(Exception):
    """A failure that a retry may cure, with its one-line description (internal: retried).

    Keeps the original `response` so the wait can read Retry-After.
    """

    def __init__(self, line: str, status: int | None, cause: BaseException) -> None:
        super().__init__(line)
        self.line = line
        self.status = status
        self.response = getattr(cause, "response", None)


def server_message(ex: APIStatusError) -> str:
    """The server's own error text on one line, without the SDK's decoration."""
    body = ex.body
    text = ex.message
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            text = str(err["message"])
        elif isinstance(err, str) and err:
            text = err
        elif isinstance(body.get("detail"), str):
            text = body["detail"]
    elif isinstance(body, str) and body.strip():
        text = body
    else:
        try:
            raw = ex.response.text
        except Exception:  # a streamed response whose body was never read
            raw = ""
        text = raw or text
    one = " ".join(str(text).split())
    return one if len(one) <= MESSAGE_MAX_CHARS else one[:MESSAGE_MAX_CHARS] + "…"


def request_url(ex: BaseException, base_url: str) -> str:
    request = getattr(ex, "request", None)
    url = getattr(request, "url", None)
    return str(url) if url is not None else f"{base_url.rstrip('/')}/chat/completions"


def is_validation_rejection(ex: APIStatusError) -> bool:
    return ex.status_code == 500 and bool(VALIDATION_RE.search(server_message(ex)))


def is_transient_status(ex: APIStatusError) -> bool:
    return ex.status_code in TRANSIENT_STATUSES and not is_validation_rejection(ex)


def status_line(ex: APIStatusError, base_url: str) -> str:
    """`POST <url> -> HTTP <status>: <server message>` plus what to do, on one line."""
    url = request_url(ex, base_url)
    line = f"POST {url} -> HTTP {ex.status_code}: {server_message(ex)}"
    return line + _status_hint(ex, base_url)


def _status_hint(ex: APIStatusError, base_url: str) -> str:
    status = ex.status_code
    if status == 404:
        path = urlparse(base_url).path.rstrip("/")
        if not re.search(r"/v\d+$", path):
            return (
                f". The base URL {base_url} does not end in /v1; OpenAI-compatible servers serve "
                f"/v1/chat/completions: try {base_url.rstrip('/')}/v1"
            )
        return ". Check the base URL and that the server serves this model id"
    if status in (405, 501):
        return ". The server does not implement the OpenAI chat completions API at this URL"
    if is_validation_rejection(ex):
        return (
            ". The server's schema rejected the request (not retried); if it is not one of "
            "Meituan's API, OpenRouter, SGLang or vLLM, -M server=generic sends the strict "
            "OpenAI schema"
        )
    return ""


def request_error(ex: APIStatusError, base_url: str) -> LongCatRequestError:
    return LongCatRequestError(f"LongCat endpoint request failed: {status_line(ex, base_url)}")


def transient_error(ex: APIStatusError, base_url: str) -> LongCatTransientError:
    return LongCatTransientError(status_line(ex, base_url), ex.status_code, ex)


def connection_line(ex: BaseException, base_url: str) -> str:
    cause = ex.__cause__ or ex.__context__ or ex
    detail = " ".join(str(cause).split()) or type(cause).__name__
    return f"POST {request_url(ex, base_url)} -> no answer ({type(cause).__name__}: {detail})"


def unreachable_error(base_url: str, detail: str) -> LongCatUnreachableError:
    host = urlparse(base_url)
    where = f"{host.hostname}:{host.port or (443 if host.scheme == 'https' else 80)}"
    return LongCatUnreachableError(
        f"LongCat endpoint {base_url} is unreachable ({detail}); nothing answered at {where}. "
        "Start the server or fix --model-base-url / LONGCAT_BASE_URL (host, port, scheme); "
        "the run stops here."
    )


def is_connect_failure(ex: BaseException) -> bool:
    """The TCP/TLS connection itself failed (nothing was sent), as opposed to a dropped answer."""
    seen: set[int] = set()
    current: BaseException | None = ex
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (httpx2.ConnectError, httpx2.ConnectTimeout)):
            return True
        current = current.__cause__ or current.__context__
    return False


def auth_error(ex: APIStatusError, base_url: str, key_var: str) -> LongCatAuthError:
    what = "rejected the API key" if ex.status_code == 401 else "refused access"
    return LongCatAuthError(
        f"LongCat endpoint {base_url} {what} (HTTP {ex.status_code}: {server_message(ex)}). "
        f"Check {key_var} (and --model-base-url) and that the key may use this model."
    )


def quota_error(ex: APIStatusError, base_url: str) -> LongCatQuotaError:
    return LongCatQuotaError(
        f"LongCat quota exhausted at {base_url} (HTTP 402: {server_message(ex)}). "
        "The run stops here; top up the account or lower the sample count, then re-run."
    )


def response_error(base_url: str, problem: str, raw: str) -> LongCatResponseError:
    cut = raw if len(raw) <= RAW_BODY_MAX_CHARS else raw[:RAW_BODY_MAX_CHARS] + "…[truncated]"
    return LongCatResponseError(
        f"Malformed response from {base_url} ({problem}). Raw body: {cut!r}"
    )


def is_dropped_connection(ex: BaseException) -> bool:
    """A transport failure mid-response (the SDK re-raises these unwrapped while streaming)."""
    return isinstance(ex, httpx2.TransportError)


@dataclass
class Attempt:
    """Where the retry loop stands, handed from the wait to the next attempt.

    Inspect's retry loop (tenacity) calls the wait and then the next attempt in the same task, so
    a ContextVar set by the wait is what the attempt reads: that is how the provider knows the
    attempt number and the loop's start time, and can stop with its own message before the loop
    would raise `RetryError`.
    """

    number: int
    started: float  # time.monotonic() of the loop's first attempt


NEXT_ATTEMPT: ContextVar[Attempt | None] = ContextVar("longcat_next_attempt", default=None)


def take_attempt() -> Attempt:
    """This attempt's position (the first one when no wait came before), consuming the hand-off."""
    attempt = NEXT_ATTEMPT.get()
    NEXT_ATTEMPT.set(None)
    return attempt or Attempt(1, time.monotonic())


def exhausted(
    attempt: Attempt, max_retries: int | None, timeout: float | None, budget_s: float | None
) -> str | None:
    """Why no further retry may follow this failed attempt, or None."""
    elapsed = time.monotonic() - attempt.started
    if max_retries is not None and attempt.number > max_retries:
        return f"{attempt.number} attempts (--max-retries {max_retries})"
    if timeout is not None and elapsed + 1.0 >= timeout:
        return f"{attempt.number} attempts in {elapsed:.0f} s (--timeout {timeout:g})"
    if budget_s is not None and elapsed >= budget_s:
        return f"{attempt.number} attempts in {elapsed:.0f} s (retry_budget_s={budget_s:g})"
    return None


def retries_exhausted(why: str, line: str) -> LongCatRetriesExhausted:
    return LongCatRetriesExhausted(f"LongCat endpoint gave up after {why}: {line}")


def retry_after_s(ex: BaseException | None) -> float | None:
    """Seconds asked for by `retry-after-ms` / `Retry-After` (seconds or HTTP date), if any."""
    response = getattr(ex, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value.strip() else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class RetryAfterWait(wait_base):
    """Tenacity wait: the server's Retry-After when given (capped), else jittered exponential.

    Never waits past the retry budget (the last attempt lands on its edge), and hands the next
    attempt its number and the loop's start time (see `Attempt`).
    """

    def __init__(
        self, backoff_s: float, max_s: float = BACKOFF_MAX_S, budget_s: float | None = None
    ) -> None:
        self.backoff_s = backoff_s
        self.max_s = max_s
        self.budget_s = budget_s

    def __call__(self, retry_state: RetryCallState) -> float:
        NEXT_ATTEMPT.set(Attempt(retry_state.attempt_number + 1, retry_state.start_time))
        ex = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after_s(ex)
        if asked is not None:
            wait = min(asked, RETRY_AFTER_MAX_S)
        else:
            exp = self.backoff_s * 2 ** (retry_state.attempt_number - 1)
            wait = min(self.max_s, exp) * random.uniform(0.8, 1.0)
        if self.budget_s is not None:
            left = self.budget_s - (time.monotonic() - retry_state.start_time)
            wait = max(0.0, min(wait, left))
        return wait
