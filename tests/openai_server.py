"""A small, scriptable OpenAI-compatible HTTP server for tests.

Tests talk to a real socket instead of mocking HTTP client internals, so the whole client stack (LiteLLM,
the OpenAI SDK, httpx connection pooling, SSE parsing, timeouts and retries) is exercised exactly as in
production. Every request is recorded, and answers can be scripted per path to reproduce errors, slow
responses and broken streams deterministically. Only the standard library is used, so the server has no
dependencies of its own to go out of date.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

DEFAULT_USAGE: dict[str, int] = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
DEFAULT_CREATED = 1700000000
DEFAULT_STREAM_PIECES = ["Hello", " from", " the", " test", " server!"]


@dataclass
class Scripted:
    """One scripted answer, consumed by the next request to `path` (FIFO per path).

    When both `body` and `chunks` are left as None, the path's default answer fills them in, so
    `Scripted(delay=2)` means "the normal answer, but late" and `Scripted(headers=...)` adds headers to it.
    An answer with only `chunks` is streamed as SSE and one with only `body` is sent as JSON (which is how an
    error at the start of a stream is scripted); with both, the request's `"stream"` flag picks one.
    """

    status: int = 200
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: list[dict] | None = None
    first_chunk_delay: float = 0.0
    chunk_delay: float = 0.0
    drop_after: int | None = None


@dataclass
class RecordedRequest:
    """A request as the server saw it; header names are lower-cased so lookups don't depend on the client.

    `path` is the routing path without the query string (the same key `OpenAIServer.script` uses).
    """

    method: str
    path: str
    headers: dict[str, str]
    json: dict | None
    raw: bytes


# --- OpenAI-shaped payload builders -------------------------------------------------------------------------


def error_body(message: str, type_: str = "invalid_request_error", code: str | None = None) -> dict:
    """Build the `{"error": {...}}` envelope OpenAI uses, which clients turn into their exception messages."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def chat_completion(
    model: str,
    content: str | None = "Hello from the test server!",
    *,
    id: str = "chatcmpl-test",
    finish_reason: str = "stop",
    tool_calls: list[dict] | None = None,
    choices: int = 1,
    usage: dict | None = DEFAULT_USAGE,
    created: int = DEFAULT_CREATED,
) -> dict:
    """Build a non-streaming `chat.completion` response; `usage=None` omits the usage key entirely."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    response: dict[str, Any] = {
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": index, "message": dict(message), "logprobs": None, "finish_reason": finish_reason}
            for index in range(choices)
        ],
    }
    if usage is not None:
        response["usage"] = dict(usage)
    return response


def stream_chunks(
    model: str,
    pieces: list[str],
    *,
    id: str = "chatcmpl-stream",
    finish_reason: str = "stop",
    tool_calls: list[dict] | None = None,
    usage: dict | None = None,
    role_chunk: bool = True,
) -> list[dict]:
    """Build the `chat.completion.chunk` payloads OpenAI would stream for the same answer.

    Tool call arguments are split over several chunks, as OpenAI does, so clients' delta merging is tested.
    A `usage` chunk with `"choices": []` comes last, which is what `stream_options.include_usage` produces.
    """

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {
            "id": id,
            "object": "chat.completion.chunk",
            "created": DEFAULT_CREATED,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    chunks = [chunk({"role": "assistant", "content": ""})] if role_chunk else []
    chunks += [chunk({"content": piece}) for piece in pieces]
    for index, call in enumerate(tool_calls or []):
        opening: dict[str, Any] = {"index": index, "id": call["id"], "type": "function"}
        opening["function"] = {"name": call["function"]["name"], "arguments": ""}
        parts = _split_in_three(call["function"].get("arguments", ""))
        deltas = [opening, *({"index": index, "function": {"arguments": part}} for part in parts)]
        chunks += [chunk({"tool_calls": [delta]}) for delta in deltas]
    chunks.append(chunk({}, finish_reason))
    if usage is not None:
        chunks.append({**chunk({}), "choices": [], "usage": dict(usage)})
    return chunks


def _split_in_three(text: str) -> list[str]:
    """Split `text` into up to three non-empty pieces (fewer only when the text is that short)."""
    step = max(1, -(-len(text) // 3))
    return [text[start : start + step] for start in range(0, len(text), step)]


# --- Default answers, one function per path -----------------------------------------------------------------


def _default_chat_completion(request: dict | None) -> Scripted:
    """Echo the requested model; stream when asked, including usage only when asked, like OpenAI."""
    request = request or {}
    model = request.get("model", "gpt-4o-mini")
    if not request.get("stream"):
        return Scripted(body=chat_completion(model, choices=request.get("n") or 1))
    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    usage = DEFAULT_USAGE if include_usage else None
    return Scripted(chunks=stream_chunks(model, DEFAULT_STREAM_PIECES, usage=usage))


DefaultAnswer = Callable[[dict | None], Scripted]

DEFAULT_ANSWERS: dict[str, DefaultAnswer] = {
    "/v1/chat/completions": _default_chat_completion,
}


def _not_found(method: str, path: str) -> Scripted:
    return Scripted(status=404, body=error_body(f"Invalid URL ({method} {path})", code="not_found"))


# --- The server ---------------------------------------------------------------------------------------------


class OpenAIServer:
    """A real HTTP server on 127.0.0.1 with a random free port; start it, point clients at `base_url`."""

    def __init__(self) -> None:
        """Create a stopped server, so fixtures can script answers before any client connects."""
        self.requests: list[RecordedRequest] = []
        self._queues: defaultdict[str, deque[Scripted]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> OpenAIServer:
        """Bind a free port and serve from a daemon thread; returns self for one-line fixtures."""
        self._httpd = _HTTPServer(self._record, self._answer_for)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # so stop() returns quickly
            name="openai-test-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and cut open keep-alive connections, so pooled clients can't keep talking to it."""
        if self._httpd is None or self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    @property
    def base_url(self) -> str:
        """The `api_base` for clients, including the `/v1` prefix OpenAI clients expect."""
        if self._httpd is None:
            raise RuntimeError("OpenAIServer is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, path: str, *answers: Scripted) -> None:
        """Queue answers for `path` (e.g. "/v1/chat/completions"); each request consumes one, in order."""
        with self._lock:
            self._queues[path].extend(answers)

    def reset(self) -> None:
        """Forget queued answers and recorded requests, so one server can be shared by several tests."""
        with self._lock:
            self._queues.clear()
            self.requests.clear()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _answer_for(self, method: str, path: str, request: dict | None) -> Scripted:
        """Pop the next scripted answer for `path`, filling a missing body/chunks from the default answer."""
        with self._lock:
            queue = self._queues.get(path)
            scripted = queue.popleft() if queue else None
        default = DEFAULT_ANSWERS[path](request) if path in DEFAULT_ANSWERS else _not_found(method, path)
        if scripted is None:
            return default
        if scripted.body is not None or scripted.chunks is not None:
            return scripted
        if scripted.status >= HTTPStatus.BAD_REQUEST:
            return replace(scripted, body=error_body(_reason(scripted.status), "server_error"))
        return replace(scripted, body=default.body, chunks=default.chunks)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _shutdown_quietly(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the peer or by us
        connection.shutdown(socket.SHUT_RDWR)


class _HTTPServer(ThreadingHTTPServer):
    """Threading server that knows its open connections, so closing it really disconnects clients."""

    # Don't join handler threads on close: they may be sleeping on a scripted delay or idling on keep-alive.
    block_on_close = False
    daemon_threads = True
    # socketserver's default backlog of 5 makes bursts of concurrent clients wait for TCP retries.
    request_queue_size = 256

    def __init__(
        self,
        record: Callable[[RecordedRequest], None],
        answer_for: Callable[[str, str, dict | None], Scripted],
    ) -> None:
        self.record = record
        self.answer_for = answer_for
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: socket.socket, client_address: object) -> None:
        with self._lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:
        with self._lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            _shutdown_quietly(connection)

    def handle_error(self, request: socket.socket, client_address: object) -> None:
        """Report server bugs, but not clients hanging up (timeouts, cancelled streams), which is expected."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Answers every method the same way: record, pick the answer, then reply with JSON or SSE."""

    protocol_version = "HTTP/1.1"  # keep-alive, so client connection pooling is exercised too
    disable_nagle_algorithm = True  # small SSE writes must leave immediately for timing tests
    server: _HTTPServer

    def log_message(self, *args: object) -> None:
        """Keep test output clean."""

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    def _handle(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        request = parsed if isinstance(parsed, dict) else None
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.record(RecordedRequest(self.command, path, headers, request, raw))

        answer = self.server.answer_for(self.command, path, request)
        time.sleep(answer.delay)
        wants_stream = bool((request or {}).get("stream"))
        try:
            if answer.chunks is not None and (answer.body is None or wants_stream):
                self._send_stream(answer, answer.chunks)
            else:
                self._send_json(answer)
        except OSError:
            self.close_connection = True  # the client went away, e.g. after its own timeout

    def _send_headers(self, answer: Scripted, defaults: dict[str, str]) -> None:
        overridden = {name.lower() for name in answer.headers}
        kept = {name: value for name, value in defaults.items() if name.lower() not in overridden}
        self.send_response(answer.status)
        for name, value in (kept | answer.headers).items():
            self.send_header(name, value)
        self.end_headers()

    def _send_json(self, answer: Scripted) -> None:
        payload = json.dumps(answer.body if answer.body is not None else {}).encode()
        self._send_headers(answer, {"Content-Type": "application/json", "Content-Length": str(len(payload))})
        self.wfile.write(payload)

    def _send_stream(self, answer: Scripted, chunks: list[dict]) -> None:
        """Send SSE events as HTTP chunks, one write per event.

        Chunked encoding (not `Connection: close`) keeps the connection reusable and, crucially, lets the
        client tell a completed stream from one cut off by `drop_after`.
        """
        self._send_headers(answer, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"})
        sent = chunks if answer.drop_after is None else chunks[: answer.drop_after]
        for index, chunk in enumerate(sent):
            time.sleep(answer.first_chunk_delay if index == 0 else answer.chunk_delay)
            self._write_chunk(f"data: {json.dumps(chunk)}\n\n".encode())
        if answer.drop_after is not None:
            self._drop_connection()
            return
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        # One write per chunk: the handler's wfile is unbuffered, so this reaches the socket right away.
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))

    def _drop_connection(self) -> None:
        """Cut the stream mid-body, as a crashed upstream or proxy would, without any terminating chunk."""
        self.close_connection = True
        _shutdown_quietly(self.connection)
        self.connection.close()
