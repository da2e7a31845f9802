"""A loopback HTTP server speaking LongCat's OpenAI-compatible wire format, for tests and benches.

Real sockets on 127.0.0.1 (stdlib `ThreadingHTTPServer`), real JSON and SSE. Each POST to
`/chat/completions` takes the next scripted reply (or `default` when the script is empty) and is
recorded (path, headers, decoded body) so tests can assert on exactly what the adapter sent.

Replies:
    Reply(message=...)           a completion, rendered as JSON or SSE per the request's `stream`
    Reply(status=429, headers=)  an error status with an OpenAI-style error body
    Reply(raw=b"...")            a raw 200 body (malformed JSON; `content_type` for raw SSE)
    Reply(message=..., drop_after_chunks=n)  SSE stream cut after n chunks (socket closed)
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_ID = "LongCat-2.0"
EMPTY_STREAM = object()  # a rejection answered as 200 with an event stream that ends at once


@dataclass
class Reply:
    message: dict[str, Any] | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json"
    drop_after_chunks: int | None = None
    finish_reason: str | None = None
    usage: dict[str, Any] | None = None
    chunk_delay_s: float = 0.0


def message(
    content: str | None = "",
    reasoning: str | None = None,
    tool_calls: list[tuple[str, dict]] | None = None,
) -> dict[str, Any]:
    """An assistant message in LongCat's shape (native tool calls carry JSON-string arguments)."""
    msg: dict[str, Any] = {"role": "assistant", "content": content}
    if reasoning is not None:
        msg["reasoning_content"] = reasoning
    if tool_calls:
        msg["tool_calls"] = [
            {
                "id": f"call_srv_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for i, (name, args) in enumerate(tool_calls)
        ]
    return msg


def default_usage(msg: dict[str, Any]) -> dict[str, Any]:
    out = len(str(msg.get("content") or "").split()) + 5
    reasoning = len(str(msg.get("reasoning_content") or "").split())
    return {
        "prompt_tokens": 120,
        "completion_tokens": out + reasoning,
        "total_tokens": 120 + out + reasoning,
        "prompt_tokens_details": {"cached_tokens": 20},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


class FakeLongCat:
    """Scripted LongCat-compatible server; use as a context manager or call start()/stop()."""

    def __init__(self, api_key: str | None = None, port: int = 0) -> None:
        self.api_key = api_key
        self.script: deque[Reply] = deque()
        self.default = Reply(message=message("ok"))
        self.requests: list[dict[str, Any]] = []
        # called with the number of POSTs answered so far, after each answer is sent
        self.on_request: Callable[[int], None] | None = None
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeLongCat:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop as a killed server process would: open keep-alive connections are cut too."""
        self._server.shutdown()
        self._server.server_close()
        for conn in list(self._connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> FakeLongCat:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def push(self, *replies: Reply) -> None:
        self.script.extend(replies)

    # hooks a stricter server overrides (StrictOpenAIServer)
    stream_usage = True  # answers stream_options.include_usage with a usage chunk

    def models_listing(self, path: str) -> dict[str, Any] | None:
        if path.rstrip("/").endswith("/models"):
            return {"object": "list", "data": [{"id": MODEL_ID, "object": "model"}]}
        return None

    def not_found_body(self) -> dict[str, Any]:
        return {"error": {"message": "not found"}}

    def reject(self, path: str, body: dict[str, Any]) -> tuple[int, Any] | None:
        """An answer that refuses the request before the script is consulted, or None."""
        return None

    def completions(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"].endswith("/chat/completions")]

    def _next(self, record: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(record)
            return self.script.popleft() if self.script else self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small SSE writes must not wait for delayed ACKs

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def setup(self) -> None:
                super().setup()
                server._connections.append(self.connection)

            def do_POST(self) -> None:
                try:
                    self._post()
                finally:
                    if server.on_request is not None:
                        server.on_request(len(server.requests))

            def do_GET(self) -> None:
                listing = server.models_listing(self.path)
                if listing is not None:
                    return self._json(200, listing)
                self._json(404, server.not_found_body())

            def _post(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                record = {"path": self.path, "headers": dict(self.headers), "body": body}
                record["time"] = time.monotonic()
                if server.api_key and self.headers.get("Authorization") != (
                    f"Bearer {server.api_key}"
                ):
                    server.requests.append(record)
                    return self._error(401, "Invalid API key", "authentication_error")
                rejection = server.reject(self.path, body)
                if rejection is not None:
                    with server._lock:
                        server.requests.append(record)
                    return self._reject(rejection)
                reply = server._next(record)
                if reply.status != 200:
                    return self._error(
                        reply.status, f"status {reply.status}", headers=reply.headers
                    )
                if reply.raw is not None:
                    return self._bytes(200, reply.raw, reply.content_type)
                msg = reply.message or message("")
                usage = reply.usage or default_usage(msg)
                finish = reply.finish_reason or ("tool_calls" if msg.get("tool_calls") else "stop")
                if body.get("stream"):
                    return self._stream(body, msg, usage, finish, reply)
                self._json(
                    200,
                    {
                        "id": f"chatcmpl-{len(server.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": MODEL_ID,
                        "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
                        "usage": usage,
                    },
                )

            def _stream(self, body, msg, usage, finish, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunks = list(_sse_chunks(msg, finish))
                asked = (body.get("stream_options") or {}).get("include_usage")
                if asked and server.stream_usage:
                    chunks.append({"choices": [], "usage": usage})
                for i, chunk in enumerate(chunks):
                    if reply.drop_after_chunks is not None and i >= reply.drop_after_chunks:
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(2)  # socket gone mid-stream, no terminator
                        return
                    if reply.chunk_delay_s:
                        time.sleep(reply.chunk_delay_s)
                    full = {"id": f"chatcmpl-s{len(server.requests)}", "created": 0}
                    full["object"] = "chat.completion.chunk"
                    full["model"] = MODEL_ID
                    self._chunk(b"data: " + json.dumps(full | chunk).encode() + b"\n\n")
                self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")

            def _reject(self, rejection: tuple[int, Any]) -> None:
                status, payload = rejection
                if payload is EMPTY_STREAM:  # 200, headers sent, then the body ends at once
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self._chunk(b"")
                    return
                self._json(status, payload)

            def _chunk(self, data: bytes) -> None:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _error(self, status, text, kind="api_error", headers=None) -> None:
                body = {"error": {"message": text, "type": kind, "code": str(status)}}
                self._json(status, body, headers)

            def _json(self, status, obj, headers=None) -> None:
                self._bytes(status, json.dumps(obj).encode(), "application/json", headers)

            def _bytes(self, status, data, ctype, headers=None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _sse_chunks(msg: dict[str, Any], finish: str):
    """Split a message into SSE deltas the way OpenAI-compatible servers do."""
    yield {"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}
    for key in ("reasoning_content", "content"):
        text = msg.get(key) or ""
        for start in range(0, len(text), 8):
            delta = {key: text[start : start + 8]}
            yield {"choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
    for i, call in enumerate(msg.get("tool_calls") or []):
        args = call["function"]["arguments"]
        head = {"index": i, "id": call["id"], "type": "function"}
        head["function"] = {"name": call["function"]["name"], "arguments": ""}
        yield {"choices": [{"index": 0, "delta": {"tool_calls": [head]}, "finish_reason": None}]}
        for start in range(0, len(args), 10):
            part = {"index": i, "function": {"arguments": args[start : start + 10]}}
            yield {
                "choices": [{"index": 0, "delta": {"tool_calls": [part]}, "finish_reason": None}]
            }
    yield {"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
