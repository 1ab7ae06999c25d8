"""LLM spans through the real OTLP exporters (HTTP, HTTP with gzip, gRPC) to a loopback receiver.

What arrives must be exactly what the SDK recorded (compared span by span with the in-memory exporter's
copy), and independently what SPEC.md promises, each attribute with its SPEC type on the wire: counts as
`int_value`, times and money as `double_value`, flags as `bool_value`, string lists as `array_value` of
`string_value`. Plus kind, status, events, ids (the app span as parent, one trace) and `service.name`.
"""

from __future__ import annotations

import errno
import math
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import litellm
import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpanExporter
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter

from instrumentation.version import __version__

from .conftest import MODEL, settled_spans
from .helpers import expected_cost
from .openai_bodies import DEFAULT_TEXT, error_body
from .openai_server import Scripted
from .operations_support import EMBEDDING_MODEL
from .otlp_receiver import HOST, TRACES_PATH, OTLPReceiver, ReceivedEvent, ReceivedSpan, Wire

INSTRUMENTED = pytest.mark.usefixtures("instrument")

SERVICE = "otlp-wire-test"
HI = [{"role": "user", "content": "hi"}]
EXPORT_TIMEOUT = 5  # seconds: a receiver that does not answer fails the test instead of hanging it
# The server's default stream with `include_usage`: a role chunk, five pieces, the finish chunk, the usage.
STREAM_CHUNKS = 8


# --- The pipeline: in-memory and OTLP exporters side by side ------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    with OTLPReceiver() as running:
        yield running


@pytest.fixture(params=["http", "http-gzip", "grpc"])
def transport(request: pytest.FixtureRequest) -> str:
    return request.param


def protocol(transport: str) -> str:
    """The receiver's name for the transport a test parameter stands for: `http` or `grpc`."""
    return transport.removesuffix("-gzip")


def otlp_exporter(transport: str, receiver: OTLPReceiver) -> SpanExporter:
    if transport == "grpc":
        return GrpcSpanExporter(endpoint=receiver.grpc_endpoint, insecure=True, timeout=EXPORT_TIMEOUT)
    compression = Compression.Gzip if transport == "http-gzip" else Compression.NoCompression
    return HttpSpanExporter(
        endpoint=receiver.http_traces_url, timeout=EXPORT_TIMEOUT, compression=compression
    )


@pytest.fixture
def tracer_provider(exporter, receiver, transport) -> Iterator[TracerProvider]:
    """Overrides conftest's: the same in-memory exporter, plus the real OTLP exporter (batched, as in
    production) to the receiver, under a resource with `service.name`."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: SERVICE}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.add_span_processor(BatchSpanProcessor(otlp_exporter(transport, receiver)))
    yield provider
    provider.shutdown()  # Joins the batch worker and closes the exporter's connection.


def app_span(provider: TracerProvider) -> Any:
    return provider.get_tracer("app").start_as_current_span("app")


# --- Attribute values as they travel ------------------------------------------------------------------------


def wire_form(value: Any) -> Wire:
    """How OTLP must carry an SDK attribute value (bool before int: a bool is an int in Python)."""
    if isinstance(value, bool):
        return boolean(value)
    if isinstance(value, int):
        return integer(value)
    if isinstance(value, float):
        return double(value)
    if isinstance(value, str):
        return string(value)
    if isinstance(value, tuple | list):
        return "array_value", tuple(wire_form(item) for item in value)
    raise TypeError(f"not an OTel attribute value: {value!r}")


def string(value: str) -> Wire:
    return "string_value", value


def strings(*values: str) -> Wire:
    return "array_value", tuple(string(value) for value in values)


def integer(value: int) -> Wire:
    return "int_value", value


def double(value: Any) -> Wire:
    return "double_value", value


def boolean(value: bool) -> Wire:
    return "bool_value", value


class Between:
    """Equal to any float within [low, high]: for timings, whose exact value the comparison with the
    in-memory copy pins down."""

    def __init__(self, low: float, high: float) -> None:
        self.low, self.high = low, high

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and self.low <= other <= self.high

    def __repr__(self) -> str:
        return f"Between({self.low}, {self.high})"


POSITIVE = Between(math.ulp(0.0), math.inf)


# --- What must arrive ---------------------------------------------------------------------------------------


def as_received(span: ReadableSpan, transport: str) -> ReceivedSpan:
    """The in-memory span as the receiver must decode it."""
    scope = span.instrumentation_scope
    return ReceivedSpan(
        transport=protocol(transport),
        resource={name: wire_form(value) for name, value in span.resource.attributes.items()},
        scope=scope.name,
        scope_version=scope.version or "",
        scope_schema_url=scope.schema_url or "",
        name=span.name,
        kind=f"SPAN_KIND_{span.kind.name}",
        trace_id=format(span.context.trace_id, "032x"),
        span_id=format(span.context.span_id, "016x"),
        parent_span_id=format(span.parent.span_id, "016x") if span.parent else None,
        start_time_unix_nano=span.start_time,
        end_time_unix_nano=span.end_time,
        status_code=f"STATUS_CODE_{span.status.status_code.name}",
        status_message=span.status.description or "",
        attributes={name: wire_form(value) for name, value in span.attributes.items()},
        events=tuple(
            ReceivedEvent(event.name, {name: wire_form(value) for name, value in event.attributes.items()})
            for event in span.events
        ),
    )


def received_call(
    provider: TracerProvider, exporter: Any, receiver: OTLPReceiver, transport: str
) -> ReceivedSpan:
    """After one LLM call inside the app span: every span arrived once, exactly as recorded, over the
    transport asked for, the LLM span a CLIENT child of the app span in its trace, under `service.name`.
    Returns the LLM span as received."""
    settled_spans(exporter)  # Exactly one LLM span, even after LiteLLM's callbacks have run.
    assert provider.force_flush(timeout_millis=2 * EXPORT_TIMEOUT * 1000)
    recorded = [as_received(span, transport) for span in exporter.get_finished_spans()]
    received = receiver.spans
    assert len(received) == len(recorded) == 2
    assert {span.span_id: span for span in received} == {span.span_id: span for span in recorded}
    encoding = "gzip" if transport == "http-gzip" else None
    assert {request.content_encoding for request in receiver.requests} == {encoding}

    call, app = sorted(received, key=lambda span: span.name == "app")
    assert (app.name, app.kind, app.parent_span_id) == ("app", "SPAN_KIND_INTERNAL", None)
    assert call.kind == "SPAN_KIND_CLIENT"
    assert call.parent_span_id == app.span_id
    assert call.trace_id == app.trace_id
    assert len(call.trace_id) == 32 and int(call.trace_id, 16) != 0
    assert call.resource[SERVICE_NAME] == string(SERVICE)
    assert (call.scope, call.scope_version) == ("instrumentation.instrumentor", __version__)
    return call


def request_attributes(operation: str, model: str, api_base: str, *, stream: bool) -> dict[str, Wire]:
    """SPEC "Common" and the GenAI request attributes every call to the loopback server carries."""
    return {
        "llm.vendor": string("litellm"),
        "llm.provider": string("openai"),
        "llm.operation": string(operation),
        "llm.request.model": string(model),
        "llm.request.stream": boolean(stream),
        "llm.request.api_base": string(api_base),
        "gen_ai.operation.name": string(operation),
        "gen_ai.provider.name": string("openai"),
        "gen_ai.request.model": string(model),
        "gen_ai.request.stream": boolean(stream),
        "server.address": string("127.0.0.1"),
        "server.port": integer(urlsplit(api_base).port),
    }


def chat_request_attributes(api_base: str, *, stream: bool) -> dict[str, Wire]:
    """A chat call with the one message HI: SPEC "Completion request" besides the common ones."""
    return {
        **request_attributes("chat", MODEL, api_base, stream=stream),
        "llm.request.messages_count": integer(1),
        "llm.request.message_roles": strings("user"),
        "llm.request.content_length": integer(len("hi")),
        "llm.request.multimodal": boolean(False),
    }


def chat_response_attributes(response_id: str) -> dict[str, Wire]:
    """The server's default answer, streamed or not: SPEC "Completion response" and its GenAI twins."""
    return {
        "llm.response.id": string(response_id),
        "llm.response.model": string("gpt-4o-mini"),
        "llm.response.choices_count": integer(1),
        "llm.response.content_length": integer(len(DEFAULT_TEXT)),
        "llm.response.tool_calls_count": integer(0),
        "llm.response.finish_reason": string("stop"),
        "llm.response.finish_reasons": strings("stop"),
        "llm.usage.prompt_tokens": integer(12),
        "llm.usage.completion_tokens": integer(7),
        "llm.usage.total_tokens": integer(19),
        "llm.cost.total_usd": double(pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)),
        "llm.response.tokens_per_second": double(POSITIVE),
        "gen_ai.response.id": string(response_id),
        "gen_ai.response.model": string("gpt-4o-mini"),
        "gen_ai.response.finish_reasons": strings("stop"),
        "gen_ai.usage.input_tokens": integer(12),
        "gen_ai.usage.output_tokens": integer(7),
    }


# --- The calls ----------------------------------------------------------------------------------------------


@INSTRUMENTED
def test_chat_completion_arrives_with_its_types(
    openai_server, call_args, exporter, tracer_provider, receiver, transport
):
    with app_span(tracer_provider):
        litellm.completion(
            model=MODEL, messages=HI, temperature=0.5, max_tokens=20, seed=7, stop=["END"], **call_args
        )

    span = received_call(tracer_provider, exporter, receiver, transport)
    assert span.name == "chat openai/gpt-4o-mini"
    assert (span.status_code, span.status_message, span.events) == ("STATUS_CODE_UNSET", "", ())
    assert span.attributes == {
        **chat_request_attributes(openai_server.base_url, stream=False),
        "llm.request.temperature": double(0.5),
        "llm.request.max_tokens": integer(20),
        "llm.request.seed": integer(7),
        "llm.request.stop": strings("END"),
        "gen_ai.request.temperature": double(0.5),
        "gen_ai.request.max_tokens": integer(20),
        "gen_ai.request.seed": integer(7),
        "gen_ai.request.stop_sequences": strings("END"),
        **chat_response_attributes("chatcmpl-test"),
    }


@INSTRUMENTED
def test_streamed_chat_completion_arrives_with_its_types(
    openai_server, call_args, exporter, tracer_provider, receiver, transport
):
    with app_span(tracer_provider):
        stream = litellm.completion(
            model=MODEL, messages=HI, stream=True, stream_options={"include_usage": True}, **call_args
        )
        assert len(list(stream)) == STREAM_CHUNKS

    span = received_call(tracer_provider, exporter, receiver, transport)
    duration = (span.end_time_unix_nano - span.start_time_unix_nano) / 1e9
    within_the_call = Between(0.0, duration)
    assert (span.status_code, span.events) == ("STATUS_CODE_UNSET", ())
    assert span.attributes == {
        **chat_request_attributes(openai_server.base_url, stream=True),
        "llm.response.is_streaming": boolean(True),
        "llm.response.stream_completed": boolean(True),
        "llm.response.chunk_count": integer(STREAM_CHUNKS),
        "llm.response.time_to_first_token": double(within_the_call),
        "gen_ai.response.time_to_first_chunk": span.attributes["llm.response.time_to_first_token"],
        "llm.response.stream_duration": double(within_the_call),
        "llm.response.chunks_per_second": double(POSITIVE),
        **chat_response_attributes("chatcmpl-stream"),
    }


@INSTRUMENTED
def test_failed_call_arrives_with_its_error(
    openai_server, call_args, exporter, tracer_provider, receiver, transport
):
    openai_server.script(
        "/v1/chat/completions",
        Scripted(status=429, body=error_body("Rate limit reached", "requests", "rate_limit_exceeded")),
    )

    with app_span(tracer_provider), pytest.raises(litellm.RateLimitError) as raised:
        litellm.completion(model=MODEL, messages=HI, **call_args)

    span = received_call(tracer_provider, exporter, receiver, transport)
    message = str(raised.value)
    assert "Rate limit reached" in message
    assert span.status_code == "STATUS_CODE_ERROR"
    assert span.status_message == f"RateLimitError: {message}"
    assert span.attributes == {
        **chat_request_attributes(openai_server.base_url, stream=False),
        "llm.error.type": string("RateLimitError"),
        "llm.error.message": string(message),
        "llm.error.category": string("rate_limit"),
        "llm.error.provider": string("openai"),
        "llm.error.status_code": integer(429),
        "error.type": string("litellm.exceptions.RateLimitError"),
    }
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == string("litellm.exceptions.RateLimitError")
    assert event.attributes["exception.message"] == string(message)


@INSTRUMENTED
def test_embedding_arrives_with_its_types(
    openai_server, call_args, exporter, tracer_provider, receiver, transport
):
    with app_span(tracer_provider):
        litellm.embedding(model=EMBEDDING_MODEL, input=["first text", "second text"], **call_args)

    span = received_call(tracer_provider, exporter, receiver, transport)
    assert span.name == "embeddings openai/text-embedding-3-small"
    assert (span.status_code, span.events) == ("STATUS_CODE_UNSET", ())
    assert span.attributes == {
        **request_attributes("embeddings", EMBEDDING_MODEL, openai_server.base_url, stream=False),
        "llm.request.input_count": integer(2),
        "llm.response.model": string("text-embedding-3-small"),
        "llm.response.embedding_dimensions": integer(8),
        "llm.usage.prompt_tokens": integer(5),
        "llm.usage.completion_tokens": integer(0),
        "llm.usage.total_tokens": integer(5),
        "llm.cost.total_usd": double(pytest.approx(expected_cost("text-embedding-3-small", 5, 0), rel=1e-9)),
        "gen_ai.response.model": string("text-embedding-3-small"),
        "gen_ai.embeddings.dimension.count": integer(8),
        "gen_ai.usage.input_tokens": integer(5),
        "gen_ai.usage.output_tokens": integer(0),
    }


# --- The receiver itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/metrics", {"Content-Type": "application/x-protobuf"}, 404),
        (TRACES_PATH, {"Content-Type": "application/json"}, 415),
        (TRACES_PATH, {"Content-Type": "application/x-protobuf", "Content-Encoding": "br"}, 400),
    ],
    ids=["other-signal", "json", "unknown-encoding"],
)
def test_the_receiver_refuses_what_it_cannot_decode(path, headers, status):
    with OTLPReceiver() as receiver:
        request = urllib.request.Request(receiver.http_endpoint + path, data=b"{}", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=EXPORT_TIMEOUT)
        refused.value.close()
        assert refused.value.code == status
        assert receiver.requests == []


def test_the_receiver_and_the_exporter_leave_no_thread_or_port_behind(transport):
    before = set(threading.enumerate())
    with OTLPReceiver() as receiver:
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(otlp_exporter(transport, receiver)))
        provider.get_tracer("app").start_span("app").end()
        assert provider.force_flush(timeout_millis=2 * EXPORT_TIMEOUT * 1000)
        provider.shutdown()
        assert [(span.transport, span.name) for span in receiver.spans] == [(protocol(transport), "app")]

    deadline = time.monotonic() + EXPORT_TIMEOUT  # gRPC's own threads notice the stop a moment later.
    while set(threading.enumerate()) != before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert set(threading.enumerate()) - before == set()
    for port in (receiver.http_port, receiver.grpc_port):
        with socket.socket() as probe:
            assert probe.connect_ex((HOST, port)) == errno.ECONNREFUSED
