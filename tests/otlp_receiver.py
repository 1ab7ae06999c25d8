"""A small OTLP trace receiver on 127.0.0.1, for tests that check what really crossed the wire.

It listens for OTLP/HTTP (`POST /v1/traces`, protobuf, plain or gzip) and OTLP/gRPC (`TraceService/Export`)
on ephemeral ports, and decodes both into the same plain records: every attribute keeps the kind of its
protobuf `AnyValue` (`("int_value", 12)`, `("array_value", (("string_value", "stop"),))`), so a test can tell
an int from a float from a string, and an array from its text. Use it as a context manager: on exit both
servers are stopped and their threads joined.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

HOST = "127.0.0.1"
TRACES_PATH = "/v1/traces"
PROTOBUF = "application/x-protobuf"
POLL_INTERVAL = 0.05  # seconds the HTTP server may take to notice `stop()` (the standard library's: 0.5)

# An attribute value as it arrived: (the AnyValue field that was set, its value), arrays as tuples of these.
Wire = tuple[str, Any]


@dataclass(frozen=True)
class ReceivedEvent:
    name: str
    attributes: dict[str, Wire]


@dataclass(frozen=True)
class ReceivedSpan:
    """One span as decoded from an export request, with the resource and scope it was sent under.
    Ids are lower-case hex; `parent_span_id` is None for a root span; kind and status code are the
    protobuf enum names (`SPAN_KIND_CLIENT`, `STATUS_CODE_ERROR`)."""

    transport: str
    resource: dict[str, Wire]
    scope: str
    scope_version: str
    scope_schema_url: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_span_id: str | None
    start_time_unix_nano: int
    end_time_unix_nano: int
    status_code: str
    status_message: str
    attributes: dict[str, Wire]
    events: tuple[ReceivedEvent, ...]


@dataclass(frozen=True)
class ReceivedRequest:
    """One export request: over `http` or `grpc`, with the HTTP Content-Encoding it came with."""

    transport: str
    content_encoding: str | None
    spans: tuple[ReceivedSpan, ...]


# Where both servers hand each decoded request.
Record = Callable[[ReceivedRequest], None]


def wire_value(value: AnyValue) -> Wire:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return kind, tuple(wire_value(item) for item in value.array_value.values)
    return kind, getattr(value, kind)


def wire_attributes(attributes: list[KeyValue]) -> dict[str, Wire]:
    """Attributes by key; a key sent twice (which OTLP forbids) fails loudly rather than being merged."""
    decoded = {attribute.key: wire_value(attribute.value) for attribute in attributes}
    assert len(decoded) == len(attributes), [attribute.key for attribute in attributes]
    return decoded


def decode_request(
    request: trace_service_pb2.ExportTraceServiceRequest, transport: str, content_encoding: str | None
) -> ReceivedRequest:
    spans = []
    for resource_spans in request.resource_spans:
        resource = wire_attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    ReceivedSpan(
                        transport=transport,
                        resource=resource,
                        scope=scope_spans.scope.name,
                        scope_version=scope_spans.scope.version,
                        scope_schema_url=scope_spans.schema_url,
                        name=span.name,
                        kind=Span.SpanKind.Name(span.kind),
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        start_time_unix_nano=span.start_time_unix_nano,
                        end_time_unix_nano=span.end_time_unix_nano,
                        status_code=Status.StatusCode.Name(span.status.code),
                        status_message=span.status.message,
                        attributes=wire_attributes(span.attributes),
                        events=tuple(
                            ReceivedEvent(event.name, wire_attributes(event.attributes))
                            for event in span.events
                        ),
                    )
                )
    return ReceivedRequest(transport, content_encoding, tuple(spans))


class OTLPReceiver:
    """Both OTLP transports on ephemeral loopback ports; `requests` and `spans` in arrival order.

    A request is recorded before it is answered, so once an exporter's `export()` has returned
    success, its spans are here.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._http = _HTTPServer(self._record)
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, args=(POLL_INTERVAL,), name="otlp-receiver-http"
        )
        self._grpc_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="otlp-receiver-grpc")
        self._grpc = grpc.server(self._grpc_pool)
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(self._record), self._grpc)
        self.grpc_port = self._grpc.add_insecure_port(f"{HOST}:0")
        self.http_port = self._http.server_address[1]

    @property
    def http_endpoint(self) -> str:
        """The base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it for OTLP/HTTP."""
        return f"http://{HOST}:{self.http_port}"

    @property
    def http_traces_url(self) -> str:
        """The full URL, as the HTTP `OTLPSpanExporter(endpoint=...)` takes it."""
        return self.http_endpoint + TRACES_PATH

    @property
    def grpc_endpoint(self) -> str:
        """The gRPC target; the `http://` scheme tells the exporter (and `OTEL_EXPORTER_OTLP_ENDPOINT`) to
        connect without TLS."""
        return f"http://{HOST}:{self.grpc_port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def spans(self) -> list[ReceivedSpan]:
        return [span for request in self.requests for span in request.spans]

    def start(self) -> OTLPReceiver:
        self._grpc.start()
        self._http_thread.start()
        return self

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()  # Joins the handler threads (each connection is one request).
        self._http_thread.join()
        self._grpc.stop(grace=None).wait()
        self._grpc_pool.shutdown(wait=True)

    def __enter__(self) -> OTLPReceiver:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self._requests.append(request)


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, record: Record) -> None:
        self._record = record

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: grpc.ServicerContext
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        self._record(decode_request(request, "grpc", None))
        return trace_service_pb2.ExportTraceServiceResponse()


class _HTTPServer(ThreadingHTTPServer):
    def __init__(self, record: Record) -> None:
        self.record = record
        super().__init__((HOST, 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    """OTLP/HTTP with protobuf bodies. HTTP/1.0: one request per connection, so that stopping the server
    never waits on an idle keep-alive connection."""

    server: _HTTPServer

    def log_message(self, *args: object) -> None:
        """Keep test output clean."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding")
        if self.path != TRACES_PATH:
            self._reply(404, b"")
            return
        if self.headers.get("Content-Type") != PROTOBUF:
            self._reply(415, b"")
            return
        if encoding not in (None, "gzip"):
            self._reply(400, b"")
            return
        request = trace_service_pb2.ExportTraceServiceRequest()
        request.ParseFromString(gzip.decompress(body) if encoding == "gzip" else body)
        self.server.record(decode_request(request, "http", encoding))
        self._reply(200, trace_service_pb2.ExportTraceServiceResponse().SerializeToString())

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", PROTOBUF)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
