"""Retries, fatal errors and malformed responses, counted at the loopback server."""

from __future__ import annotations

import json

import pytest
from inspect_ai import eval
from inspect_ai.model import get_model

from .endpoint_support import MODEL, run_eval, tool_task
from .longcat_fake_server import FakeLongCat, Reply, message

KEY = "sk-test-SECRET-4242"


@pytest.fixture
def server():
    with FakeLongCat(api_key=KEY) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("LONGCAT_API_KEY", KEY)


def _errors(log) -> list[str]:
    return [s.error.message for s in log.samples if s.error is not None]


def test_429_waits_for_retry_after(server, tmp_path):
    server.push(Reply(status=429, headers={"Retry-After": "1"}), Reply(message=message("3")))
    log = run_eval(tool_task(), server.base_url, tmp_path)
    assert log.status == "success" and not _errors(log)
    first, second = server.requests
    assert 0.95 <= second["time"] - first["time"] < 5


@pytest.mark.parametrize("stream", [False, True])
def test_5xx_retried_then_succeeds(server, tmp_path, stream):
    server.push(Reply(status=500), Reply(status=503), Reply(message=message("3")))
    log = run_eval(tool_task(), server.base_url, tmp_path, stream=stream)
    assert not _errors(log)
    assert len(server.requests) == 3


def test_retries_stop_at_max_retries(server, tmp_path):
    server.push(*[Reply(status=502)] * 6)
    log = run_eval(tool_task(), server.base_url, tmp_path, max_retries=2)
    [error] = _errors(log)
    assert error.startswith("LongCat endpoint gave up after 3 attempts (--max-retries 2): POST ")
    assert f"{server.base_url}/chat/completions -> HTTP 502: status 502" in error
    assert "RetryError" not in error and "Future" not in error
    assert len(server.requests) == 3  # first attempt + 2 retries


def test_dropped_stream_is_retried(server, tmp_path):
    long_msg = message("The answer is 3, " * 10, reasoning="thinking " * 20)
    server.push(Reply(message=long_msg, drop_after_chunks=4), Reply(message=message("3")))
    log = run_eval(tool_task(), server.base_url, tmp_path, stream=True)
    assert not _errors(log)
    assert len(server.requests) == 2


def test_malformed_json_is_a_sample_error_with_raw_body(server, tmp_path):
    server.push(Reply(raw=b'{"id": "x", "choices": [{"index": 0, "mess'))
    log = run_eval(tool_task(samples=2), server.base_url, tmp_path, max_connections=1)
    assert log.status == "success"  # the other sample ran on
    [error] = _errors(log)
    assert "Malformed response" in error and '{"id": "x", "choices"' in error
    assert len(server.requests) == 2  # not retried


def test_malformed_sse_event_is_a_sample_error(server, tmp_path):
    body = b'data: {"id": "c", "object": "chat.completion.chunk", "choi\n\ndata: [DONE]\n\n'
    server.push(Reply(raw=body, content_type="text/event-stream"))
    log = run_eval(tool_task(), server.base_url, tmp_path, stream=True)
    [error] = _errors(log)
    assert "Malformed response" in error and '"chat.completion.chunk", "choi' in error
    assert len(server.requests) == 1


def test_stream_without_finish_reason_is_a_sample_error(server, tmp_path):
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "LongCat-2.0"}
    chunk["choices"] = [{"index": 0, "delta": {"content": "The answer is"}, "finish_reason": None}]
    body = b"data: " + json.dumps(chunk).encode() + b"\n\ndata: [DONE]\n\n"
    server.push(Reply(raw=body, content_type="text/event-stream"))
    log = run_eval(tool_task(), server.base_url, tmp_path, stream=True)
    [error] = _errors(log)
    assert "stream ended without finish" in error and "The answer is" in error


def test_json_without_choices_is_a_sample_error(server, tmp_path):
    server.push(Reply(raw=b'{"id": "x", "object": "chat.completion"}'))
    log = run_eval(tool_task(), server.base_url, tmp_path)
    [error] = _errors(log)
    assert "no choices" in error and "chat.completion" in error


def test_402_stops_the_run(server, tmp_path):
    server.push(Reply(status=402))
    [log] = eval(
        tool_task(samples=3),
        model=MODEL,
        model_base_url=server.base_url,
        log_dir=str(tmp_path),
        max_connections=1,
        display="none",
    )
    assert log.status == "error"
    assert "LongCat quota exhausted" in log.error.message
    assert len(server.requests) == 1


def test_402_without_fail_on_error_sends_nothing_more(server, tmp_path):
    server.push(Reply(status=402))
    log = run_eval(tool_task(samples=4), server.base_url, tmp_path, max_connections=1)
    errors = _errors(log)
    assert len(errors) == 4 and all("LongCat quota exhausted" in e for e in errors)
    assert len(server.requests) == 1


def test_bad_key_is_an_auth_error_without_the_key(server, tmp_path, monkeypatch):
    monkeypatch.setenv("LONGCAT_API_KEY", "sk-wrong-key-7777")
    log = run_eval(tool_task(), server.base_url, tmp_path)
    [error] = _errors(log)
    assert "rejected the API key (HTTP 401" in error and "LONGCAT_API_KEY" in error
    assert "7777" not in error
    assert len(server.requests) == 1


def test_403_is_an_auth_error(server, tmp_path):
    server.push(Reply(status=403))
    log = run_eval(tool_task(), server.base_url, tmp_path)
    [error] = _errors(log)
    assert "refused access (HTTP 403" in error


def test_missing_key_for_meituan_api_is_one_clear_line(monkeypatch):
    monkeypatch.delenv("LONGCAT_API_KEY")
    monkeypatch.delenv("LONGCAT_BASE_URL", raising=False)
    with pytest.raises(Exception, match="No LONGCAT_API_KEY in the environment"):
        get_model(MODEL)


def test_self_hosted_needs_no_key(server, monkeypatch):
    monkeypatch.delenv("LONGCAT_API_KEY")
    model = get_model(MODEL, base_url="http://127.0.0.1:1/v1")
    assert "127.0.0.1:1" in repr(model.api)


def test_repr_has_no_key():
    model = get_model(MODEL, base_url="http://127.0.0.1:1/v1", api_key="sk-repr-SECRET")
    assert "SECRET" not in repr(model.api) and "SECRET" not in str(model)


def test_refreshed_key_clears_auth_latch_but_not_quota(server):
    import asyncio

    from inspect_ai.model import ChatMessageUser, GenerateConfig

    from longcat_evals.model_adapter.endpoint_errors import LongCatAuthError, LongCatQuotaError

    api = get_model(MODEL, base_url=server.base_url, memoize=False).api
    api.api_key = "sk-wrong"
    api.client.api_key = "sk-wrong"
    args = ([ChatMessageUser(content="hi")], [], "none", GenerateConfig())
    with pytest.raises(LongCatAuthError):
        asyncio.run(api.generate(*args))
    with pytest.raises(LongCatAuthError):  # latched: no request sent
        asyncio.run(api.generate(*args))
    assert len(server.requests) == 1
    api.api_key = KEY  # what a key-rotation hook does before Inspect calls refresh_credentials
    asyncio.run(api.refresh_credentials())
    server.push(Reply(status=402))
    with pytest.raises(LongCatQuotaError):
        asyncio.run(api.generate(*args))
    asyncio.run(api.refresh_credentials())
    with pytest.raises(LongCatQuotaError):
        asyncio.run(api.generate(*args))
    assert len(server.requests) == 2


def test_quota_latch_expires(server):
    import asyncio

    from inspect_ai.model import ChatMessageUser, GenerateConfig

    from longcat_evals.model_adapter.endpoint_errors import LongCatQuotaError

    api = get_model(MODEL, base_url=server.base_url, memoize=False).api
    args = ([ChatMessageUser(content="hi")], [], "none", GenerateConfig())
    server.push(Reply(status=402))
    with pytest.raises(LongCatQuotaError):
        asyncio.run(api.generate(*args))
    api._fatal_until = 0.0  # as if FATAL_LATCH_S had passed (quota topped up meanwhile)
    asyncio.run(api.generate(*args))
    assert len(server.requests) == 2
