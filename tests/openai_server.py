"""A small, scriptable OpenAI-compatible HTTP server for tests.

Tests talk to a real socket instead of mocking HTTP client internals, so the whole client stack (LiteLLM,
the OpenAI SDK, httpx connection pooling, SSE parsing, timeouts and retries) is exercised exactly as in
production. Every request is recorded, and answers can be scripted per path to reproduce errors, slow
responses and broken streams deterministically. Only the standard library is used, so the server has no
dependencies of its own to go out of date.

Every endpoint LiteLLM's entry points reach has a realistic default answer (see `DEFAULT_ANSWERS`): chat and
legacy completions (JSON or SSE), the Responses API (named SSE events), embeddings, images, moderations, audio
transcriptions (multipart uploads) and speech (raw audio bytes), and rerank (Cohere's and vLLM / Jina's).
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
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
from urllib.parse import urlsplit

from .openai_bodies import (
    DEFAULT_TRANSCRIPT,
    DEFAULT_USAGE,
    GPT_IMAGE_USAGE,
    chat_completion,
    cohere_rerank_meta,
    document_text,
    embedding_response,
    error_body,
    image_response,
    moderation_response,
    rerank_response,
    response_object,
    response_stream_events,
    speech_audio,
    stream_chunks,
    text_completion,
    text_completion_chunks,
    transcription,
)

# How the default streamed answers are cut (the benchmarks set more pieces).
DEFAULT_STREAM_PIECES = ["Hello", " from", " the", " test", " server!"]


@dataclass
class Scripted:
    """One scripted answer, consumed by the next request to `path` (FIFO per path).

    When both `body` and `chunks` are left as None, the path's default answer fills them in, so
    `Scripted(delay=2)` means "the normal answer, but late" and `Scripted(headers=...)` adds headers to it.
    An answer with only `chunks` is streamed as SSE and one with only `body` is sent as JSON (which is how an
    error at the start of a stream is scripted); with both, the request's `"stream"` flag picks one.
    `content` is sent as raw bytes (audio, plain-text transcripts) with the Content-Type from `headers`.
    Filling in from the default answer also brings its headers (e.g. `audio/mpeg`), under the scripted ones.

    `named_events` streams each chunk as `event: <chunk["type"]>` plus `data:` and ends without
    `data: [DONE]`, as the Responses API does; None means "as the path's default answer does".
    """

    status: int = 200
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    chunks: list[dict] | None = None
    first_chunk_delay: float = 0.0
    chunk_delay: float = 0.0
    drop_after: int | None = None
    content: bytes | None = None
    named_events: bool | None = None


@dataclass
class RecordedRequest:
    """A request as the server saw it; header names are lower-cased so lookups don't depend on the client.

    `path` is the routing path without the query string (the same key `OpenAIServer.script` uses).
    A `multipart/form-data` body (audio uploads) has `json` None: its text fields are in `form` (a list when a
    name repeats, like `timestamp_granularities[]`) and its files in `files` as (filename, bytes).
    """

    method: str
    path: str
    headers: dict[str, str]
    json: dict | None
    raw: bytes
    form: dict[str, str | list[str]] | None = None
    files: dict[str, tuple[str, bytes]] | None = None


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


def _default_embeddings(request: dict | None) -> Scripted:
    """One vector per input (a string, a token list, or a list of either), `dimensions` long when asked."""
    request = request or {}
    inputs = request.get("input", "")
    if isinstance(inputs, list) and inputs and not all(isinstance(item, int) for item in inputs):
        count = len(inputs)
    else:
        count = 1  # a single string, or a single list of token ids
    body = embedding_response(
        request.get("model", "text-embedding-3-small"),
        count,
        request.get("dimensions") or 8,
        encoding_format=request.get("encoding_format") or "float",
    )
    return Scripted(body=body)


def _default_image_generation(request: dict | None) -> Scripted:
    """`n` images; GPT Image models answer as OpenAI's newer API does (base64, usage, echoed settings)."""
    request = request or {}
    model = str(request.get("model") or "dall-e-2")
    n = request.get("n") or 1
    if model.startswith(("gpt-image", "chatgpt-image")):
        settings = {
            "background": request.get("background") or "opaque",
            "output_format": request.get("output_format") or "png",
            "quality": request.get("quality") or "medium",
            "size": request.get("size") or "1024x1024",
        }
        usage = {**GPT_IMAGE_USAGE, "output_tokens": 1056 * n, "total_tokens": 12 + 1056 * n}
        return Scripted(body=image_response(n, b64_json=True, usage=usage, **settings))
    revised = (
        f"A detailed rendering of: {request.get('prompt', '')}" if model.startswith("dall-e-3") else None
    )
    b64 = request.get("response_format") == "b64_json"
    return Scripted(body=image_response(n, b64_json=b64, revised_prompt=revised))


def _default_moderation(request: dict | None) -> Scripted:
    request = request or {}
    model = request.get("model") or "omni-moderation-latest"
    return Scripted(body=moderation_response(model, request.get("input", "")))


def _default_text_completion(request: dict | None) -> Scripted:
    """Like chat: echo the model, a choice per prompt and `n`, stream when asked, usage only on request."""
    request = request or {}
    model = request.get("model", "gpt-3.5-turbo-instruct")
    if not request.get("stream"):
        prompt = request.get("prompt")
        prompts = len(prompt) if isinstance(prompt, list) and prompt and isinstance(prompt[0], str) else 1
        return Scripted(body=text_completion(model, choices=prompts * (request.get("n") or 1)))
    include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
    usage = DEFAULT_USAGE if include_usage else None
    return Scripted(chunks=text_completion_chunks(model, DEFAULT_STREAM_PIECES, usage=usage))


def _default_responses(request: dict | None) -> Scripted:
    """A one-message answer echoing the model and request settings; streamed as named SSE events if asked."""
    request = request or {}
    model = request.get("model", "gpt-4o-mini")
    echoed = ("instructions", "max_output_tokens", "previous_response_id", "temperature", "top_p", "tools")
    echo = {name: request[name] for name in echoed if request.get(name) is not None}
    if request.get("metadata"):
        echo["metadata"] = request["metadata"]
    if not request.get("stream"):
        return Scripted(body=response_object(model, **echo))
    return Scripted(chunks=response_stream_events(model, DEFAULT_STREAM_PIECES, **echo), named_events=True)


def _default_transcription(request: dict | None) -> Scripted:
    """Answer in the requested `response_format` (LiteLLM asks for `verbose_json` unless told otherwise)."""
    form = request or {}
    response_format = form.get("response_format") or "json"
    granularities = form.get("timestamp_granularities[]") or []
    words = "word" in (granularities if isinstance(granularities, list) else [granularities])
    if response_format == "text":
        return _text_answer(f"{DEFAULT_TRANSCRIPT}\n")
    if response_format == "srt":
        return _text_answer(f"1\n00:00:00,000 --> 00:00:02,500\n{DEFAULT_TRANSCRIPT}\n\n")
    if response_format == "vtt":
        return _text_answer(f"WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n{DEFAULT_TRANSCRIPT}\n\n")
    return Scripted(body=transcription(verbose=response_format == "verbose_json", words=words))


SPEECH_CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/opus",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}


def _default_speech(request: dict | None) -> Scripted:
    """2048 bytes of "audio" with the Content-Type of the requested `response_format` (mp3 by default)."""
    response_format = (request or {}).get("response_format") or "mp3"
    content_type = SPEECH_CONTENT_TYPES.get(response_format, "application/octet-stream")
    return Scripted(content=speech_audio(), headers={"Content-Type": content_type})


def _default_cohere_rerank(request: dict | None) -> Scripted:
    """Cohere's v2 rerank (`cohere/...` models): no documents echoed back, one billed search unit."""
    request = request or {}
    body = rerank_response(
        request.get("query", ""),
        request.get("documents") or [],
        top_n=request.get("top_n"),
        meta=cohere_rerank_meta("2"),
    )
    return Scripted(body=body)


def _default_rerank(request: dict | None) -> Scripted:
    """vLLM / Jina / Infinity's `/v1/rerank`: the model, token usage, and documents unless told not to."""
    request = request or {}
    query = request.get("query", "")
    documents = request.get("documents") or []
    tokens = sum(len(query.split()) + len(document_text(document).split()) for document in documents)
    body = rerank_response(
        query,
        documents,
        top_n=request.get("top_n"),
        return_documents=request.get("return_documents", True) is not False,
        model=request.get("model"),
        usage={"total_tokens": tokens},
    )
    return Scripted(body=body)


def _text_answer(text: str) -> Scripted:
    return Scripted(content=text.encode(), headers={"Content-Type": "text/plain; charset=utf-8"})


DefaultAnswer = Callable[[dict | None], Scripted]

DEFAULT_ANSWERS: dict[str, DefaultAnswer] = {
    "/v1/chat/completions": _default_chat_completion,
    "/v1/embeddings": _default_embeddings,
    "/v1/images/generations": _default_image_generation,
    "/v1/moderations": _default_moderation,
    "/v1/completions": _default_text_completion,
    "/v1/responses": _default_responses,
    "/v1/audio/transcriptions": _default_transcription,
    "/v1/audio/speech": _default_speech,
    # LiteLLM's `cohere/` rerank appends `v2/rerank` to any api_base, so `base_url` gives `/v1/v2/rerank`.
    "/v1/v2/rerank": _default_cohere_rerank,
    "/v2/rerank": _default_cohere_rerank,
    # `hosted_vllm/` and `jina_ai/` rerank post to `<api_base>/rerank` (so does `infinity/`, but it expects
    # each result's `document` as a plain string: script that body when a test needs it).
    "/v1/rerank": _default_rerank,
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
            answer = default
        elif scripted.body is not None or scripted.chunks is not None or scripted.content is not None:
            answer = scripted
        elif scripted.status >= HTTPStatus.BAD_REQUEST:
            answer = replace(scripted, body=error_body(_reason(scripted.status), "server_error"))
        else:
            answer = replace(
                scripted,
                body=default.body,
                chunks=default.chunks,
                content=default.content,
                headers=_merge_headers(default.headers, scripted.headers),
            )
        if answer.named_events is None:
            answer = replace(answer, named_events=bool(default.named_events))
        return answer


def _merge_headers(base: dict[str, str], override: dict[str, str]) -> dict[str, str]:
    """`base` updated with `override`, matching header names case-insensitively."""
    overridden = {name.lower() for name in override}
    return {name: value for name, value in base.items() if name.lower() not in overridden} | override


def _parse_multipart(
    content_type: str, raw: bytes
) -> tuple[dict[str, str | list[str]], dict[str, tuple[str, bytes]]]:
    """Split a `multipart/form-data` body into text fields (a list when a name repeats) and files."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    form: dict[str, str | list[str]] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if not message.is_multipart():
        return form, files
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, payload)
            continue
        value = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        previous = form.get(name)
        if previous is None:
            form[name] = value
        else:
            form[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return form, files


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
        # Always read exactly Content-Length bytes, whatever the body is, so keep-alive stays in step.
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        headers = {name.lower(): value for name, value in self.headers.items()}
        form = files = None
        if headers.get("content-type", "").startswith("multipart/form-data"):
            form, files = _parse_multipart(headers["content-type"], raw)
            request = None
        else:
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            request = parsed if isinstance(parsed, dict) else None
        self.server.record(RecordedRequest(self.command, path, headers, request, raw, form, files))

        # Default answers to uploads decide from the form fields (e.g. a transcription's response_format).
        answer = self.server.answer_for(self.command, path, request if form is None else dict(form))
        time.sleep(answer.delay)
        wants_stream = bool((request or {}).get("stream"))
        single = answer.body is not None or answer.content is not None
        try:
            if answer.chunks is not None and (not single or wants_stream):
                self._send_stream(answer, answer.chunks)
            elif answer.content is not None and answer.body is None:
                self._send_content(answer, answer.content)
            else:
                self._send_json(answer)
        except OSError:
            self.close_connection = True  # the client went away, e.g. after its own timeout

    def _send_headers(self, answer: Scripted, defaults: dict[str, str]) -> None:
        self.send_response(answer.status)
        for name, value in _merge_headers(defaults, answer.headers).items():
            self.send_header(name, value)
        self.end_headers()

    def _send_json(self, answer: Scripted) -> None:
        payload = json.dumps(answer.body if answer.body is not None else {}).encode()
        self._send_headers(answer, {"Content-Type": "application/json", "Content-Length": str(len(payload))})
        self.wfile.write(payload)

    def _send_content(self, answer: Scripted, content: bytes) -> None:
        # Content-Length is always ours, not the script's: a wrong one would desynchronise keep-alive.
        length = {"Content-Length": str(len(content))}
        headers = _merge_headers(
            _merge_headers({"Content-Type": "application/octet-stream"}, answer.headers), length
        )
        self._send_headers(replace(answer, headers=headers), {})
        self.wfile.write(content)

    def _send_stream(self, answer: Scripted, chunks: list[dict]) -> None:
        """Send SSE events as HTTP chunks, one write per event.

        Chunked encoding (not `Connection: close`) keeps the connection reusable and, crucially, lets the
        client tell a completed stream from one cut off by `drop_after`.
        """
        self._send_headers(answer, {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"})
        sent = chunks if answer.drop_after is None else chunks[: answer.drop_after]
        for index, chunk in enumerate(sent):
            time.sleep(answer.first_chunk_delay if index == 0 else answer.chunk_delay)
            event = f"event: {chunk['type']}\n" if answer.named_events and "type" in chunk else ""
            self._write_chunk(f"{event}data: {json.dumps(chunk)}\n\n".encode())
        if answer.drop_after is not None:
            self._drop_connection()
            return
        if not answer.named_events:  # the Responses API just ends after `response.completed`
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
