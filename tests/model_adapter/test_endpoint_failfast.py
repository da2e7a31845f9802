"""Deterministic failures end their sample at once, in one line naming URL and status.

Each case is a real HTTP server on 127.0.0.1 (or a port with nothing listening), driven through a
real Inspect eval with Inspect's default of unlimited retries, so a failure that were retried would
hang the test rather than pass it.
"""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from inspect_ai import eval

from .endpoint_support import MODEL, tool_task
from .longcat_fake_server import FakeLongCat, Reply, message
from .strict_openai_server import StrictOpenAIServer

FAST_S = 30.0


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.delenv("LONGCAT_API_KEY", raising=False)
    monkeypatch.delenv("LONGCAT_BASE_URL", raising=False)


def _eval(base_url, tmp_path, samples=1, fail_on_error=False, **model_args):
    started = time.monotonic()
    [log] = eval(
        tool_task(samples),
        model=MODEL,
        model_base_url=base_url,
        model_args={"retry_backoff_s": 0.01, **model_args},
        log_dir=str(tmp_path),
        max_connections=1,
        display="none",
        fail_on_error=fail_on_error,
    )
    return log, time.monotonic() - started


def _one_error(log) -> str:
    [error] = [s.error.message for s in log.samples if s.error is not None]
    assert "\n" not in error and "RetryError" not in error
    return error


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Serve:
    """A stdlib server with the given handler class on a free loopback port."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.posts = 0
        outer = self

        class Counting(handler):  # type: ignore[misc, valid-type]
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                outer.posts += 1
                parent = getattr(super(), "do_POST", None)
                if parent is None:  # what BaseHTTPRequestHandler does for an unknown method
                    self.send_error(501, f"Unsupported method ({self.command!r})")
                    return
                parent()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class _Html(BaseHTTPRequestHandler):
    def _page(self) -> None:
        body = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"
        if self.command == "POST":
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _page
    do_POST = _page


def test_unreachable_endpoint_stops_the_run_at_once(tmp_path):
    url = f"http://127.0.0.1:{_free_port()}/v1"
    log, took = _eval(url, tmp_path, samples=5, fail_on_error=True)
    assert took < FAST_S
    assert log.status == "error"
    line = log.error.message
    assert "\n" not in line
    assert f"LongCat endpoint {url} is unreachable" in line and "ConnectError" in line
    assert "the run stops here" in line


def test_unreachable_endpoint_without_fail_on_error_errors_every_sample_fast(tmp_path):
    url = f"http://127.0.0.1:{_free_port()}/v1"
    log, took = _eval(url, tmp_path, samples=4)
    assert took < FAST_S
    errors = [s.error.message for s in log.samples]
    assert len(errors) == 4 and len(set(errors)) == 1 and "is unreachable" in errors[0]


def test_501_from_a_server_that_is_not_openai_compatible(tmp_path):
    server = _Serve(BaseHTTPRequestHandler)  # no do_GET/do_POST: 501 for both
    try:
        log, took = _eval(server.base_url, tmp_path)
    finally:
        server.close()
    error = _one_error(log)
    assert took < FAST_S and server.posts == 1
    assert f"POST {server.base_url}/chat/completions -> HTTP 501" in error
    assert "does not implement the OpenAI chat completions API" in error


@pytest.mark.parametrize("stream", [False, True])
def test_200_html_page_is_not_a_completion(tmp_path, stream):
    server = _Serve(_Html)
    try:
        log, took = _eval(server.base_url, tmp_path, stream=stream)
    finally:
        server.close()
    error = _one_error(log)
    assert took < FAST_S and server.posts == 1
    assert server.base_url in error and "HTTP 200 text/html, not a chat completion" in error
    if not stream:
        assert "Welcome to nginx" in error  # the raw body is kept


def test_404_when_the_base_url_lacks_v1(tmp_path):
    with StrictOpenAIServer() as strict:
        no_v1 = strict.base_url.removesuffix("/v1")
        log, took = _eval(no_v1, tmp_path)
        posts = len(strict.requests)
    error = _one_error(log)
    assert took < FAST_S and posts == 1
    assert f"POST {no_v1}/chat/completions -> HTTP 404: Not Found" in error
    assert "does not end in /v1" in error and f"try {no_v1}/v1" in error


def test_retry_budget_bounds_a_persistent_503(tmp_path):
    with FakeLongCat() as server:
        server.default = Reply(status=503)
        log, took = _eval(server.base_url, tmp_path, retry_budget_s=2, retry_backoff_s=0.2)
        posts = len(server.requests)
    error = _one_error(log)
    assert took < FAST_S and posts >= 3
    assert error.startswith("LongCat endpoint gave up after ")
    assert "(retry_budget_s=2): POST " in error and "HTTP 503: status 503" in error


def test_a_server_restart_after_connecting_is_retried(tmp_path):
    """Refused connections are final only before the server ever answered."""
    port = _free_port()
    first = FakeLongCat(port=port).start()
    first.push(Reply(message=message("", tool_calls=[("add", {"x": 1, "y": 2})])))
    first.default = Reply(status=503)  # whatever reaches it while going down
    url = first.base_url
    restarted: list[FakeLongCat] = []

    def restart() -> None:  # down for ~1 s, then back with the final answer
        first.stop()
        time.sleep(1.0)
        second = FakeLongCat(port=port).start()
        second.default = Reply(message=message("The answer is 3."))
        restarted.append(second)

    # the tool call's execution is the moment the server goes away
    first.on_request = lambda n: threading.Thread(target=restart).start() if n == 1 else None
    try:
        log, took = _eval(url, tmp_path, retry_backoff_s=0.3)
    finally:
        for srv in restarted:
            srv.stop()
    [sample] = log.samples
    assert sample.error is None, sample.error
    assert sample.scores["includes"].value == "C"
    assert len(restarted[0].requests) == 1 and took < FAST_S


def test_unreachable_latch_expires_and_the_check_runs_again():
    """A long-lived process (a notebook) reaches the server once it has been started."""
    import asyncio

    from inspect_ai.model import ChatMessageUser, GenerateConfig, get_model

    from longcat_evals.model_adapter.endpoint_errors import LongCatUnreachableError

    port = _free_port()
    api = get_model(MODEL, base_url=f"http://127.0.0.1:{port}/v1", memoize=False).api
    args = ([ChatMessageUser(content="hi")], [], "none", GenerateConfig())
    with pytest.raises(LongCatUnreachableError):
        asyncio.run(api.generate(*args))
    with FakeLongCat(port=port) as server:
        with pytest.raises(LongCatUnreachableError):  # latched: nothing sent
            asyncio.run(api.generate(*args))
        assert server.requests == []
        api._fatal_until = 0.0  # as if FATAL_LATCH_S had passed
        asyncio.run(api.generate(*args))
        assert len(server.requests) == 1


@pytest.mark.parametrize("status", [400, 422])
def test_bad_request_is_one_line_and_not_retried(tmp_path, status):
    with FakeLongCat() as server:
        server.default = Reply(status=status)
        log, took = _eval(server.base_url, tmp_path)
        posts = len(server.requests)
    error = _one_error(log)
    assert took < FAST_S and posts == 1
    assert error == (
        f"LongCat endpoint request failed: POST {server.base_url}/chat/completions -> "
        f"HTTP {status}: status {status}"
    )
