"""Error handling of the `longcat` provider: what is retried, what stops a run, what is shown.

- 429 and 5xx, dropped connections: retried by Inspect's retry loop (the SDK's own retries are
  off so every retry is visible and counted once), waiting what the server's Retry-After asks
  for, else exponential backoff from `retry_backoff_s`.
- 401/403: an auth failure with a message naming the key variable and base URL (never the key).
- 402: the account is out of quota; the provider latches the error so every later call fails at
  once with the same one-line message (the run ends instead of retrying forever).
- Malformed or truncated bodies: a sample error carrying the raw body (cut to RAW_BODY_MAX_CHARS).
"""

from __future__ import annotations

import email.utils
import random
import time

import httpx2
from openai import APIStatusError
from tenacity import RetryCallState
from tenacity.wait import wait_base

from longcat_evals.errors import UserFacingError

RAW_BODY_MAX_CHARS = 4000
RETRY_AFTER_MAX_S = 600.0
BACKOFF_MAX_S = 300.0


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


def server_message(ex: APIStatusError) -> str:
    """The server's own error text, without the SDK's decoration."""
    body = ex.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
    return ex.message


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
    """Tenacity wait: the server's Retry-After when given (capped), else jittered exponential."""

    def __init__(self, backoff_s: float, max_s: float = BACKOFF_MAX_S) -> None:
        self.backoff_s = backoff_s
        self.max_s = max_s

    def __call__(self, retry_state: RetryCallState) -> float:
        ex = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after_s(ex)
        if asked is not None:
            return min(asked, RETRY_AFTER_MAX_S)
        exp = self.backoff_s * 2 ** (retry_state.attempt_number - 1)
        return min(self.max_s, exp) * random.uniform(0.8, 1.0)
