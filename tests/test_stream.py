"""Streamed chat spans over real SSE: one span per stream, ended exactly once, whatever the way out.

The loopback server streams real `chat.completion.chunk` events with real delays, so timing,
aggregation, early exits and failures go through LiteLLM's whole streaming stack.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import logging
import threading
import time
from typing import Any

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError
from litellm.litellm_core_utils.litellm_logging import Logging as LiteLLMLogging
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.trace import SpanKind, StatusCode

from .conftest import ACOMPLETION_FLAG_WORKS, API_KEY, MODEL, llm_spans, only_span
from .helpers import expected_cost
from .openai_server import DEFAULT_USAGE, Scripted, error_body, stream_chunks

pytestmark = pytest.mark.usefixtures("instrument")

CHAT = "/v1/chat/completions"
HI = [{"role": "user", "content": "hi"}]
PIECES = ["Stream", "ed ", "answer", "!"]
# What the server sends for PIECES: a role chunk, one chunk per piece, the finish chunk.
PIECES_CHUNKS = len(PIECES) + 2
# The server's default stream: a role chunk, five pieces, the finish chunk.
DEFAULT_CHUNKS = 7
TOOL_CALLS = [
    {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    },
    {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
]


# --- Guards: no span left open, no OTel complaint, no internal error ----------------------------------------


class SpanLedger(SpanProcessor):
    """Records every start and end the SDK sees, so a span left open shows.

    (The SDK never reports a second end to processors: that shows as its "Calling end() on an
    ended span." warning, which `otel_problems` catches.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started: dict[int, str] = {}
        self.ended: set[int] = set()

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        with self._lock:
            self.started[span.context.span_id] = span.name

    def on_end(self, span: Any) -> None:
        with self._lock:
            self.ended.add(span.context.span_id)

    @property
    def open(self) -> list[str]:
        with self._lock:
            return [name for span_id, name in self.started.items() if span_id not in self.ended]


def otel_problems(records: list[logging.LogRecord]) -> list[str]:
    """OTel SDK warnings (ended twice, attribute on an ended span) and our own internal errors."""
    return [
        record.getMessage()
        for record in records
        if (record.name.startswith("opentelemetry") and record.levelno >= logging.WARNING)
        or record.name.startswith("instrumentation")
    ]


@pytest.fixture(autouse=True)
def ledger(tracer_provider, caplog):
    """Every test: nothing open once everything is dropped, nothing ended twice, no warning."""
    span_ledger = SpanLedger()
    tracer_provider.add_span_processor(span_ledger)
    caplog.set_level(logging.WARNING, logger="opentelemetry")
    caplog.set_level(logging.DEBUG, logger="instrumentation")
    yield span_ledger
    if span_ledger.open:  # Dropped streams may wait in a reference cycle; a full collection is slow.
        gc.collect()
    assert span_ledger.open == []
    records = caplog.get_records("setup") + caplog.get_records("call") + caplog.records
    assert otel_problems(records) == []


@pytest.fixture(scope="module", autouse=True)
def warm_litellm(server):
    """The first stream in a process pays LiteLLM's lazy imports (~0.5 s): keep that out of timings."""
    stream = litellm.completion(
        model=MODEL, messages=HI, stream=True, api_base=server.base_url, api_key=API_KEY, num_retries=0
    )
    assert len(list(stream)) == DEFAULT_CHUNKS


def test_the_guards_can_fail(tracer_provider, ledger, caplog):
    """The autouse guard must be able to see what it guards against."""
    span = tracer_provider.get_tracer("probe").start_span("probe")
    assert ledger.open == ["probe"]
    span.end()
    span.set_attribute("late", 1)
    span.end()

    assert ledger.open == []
    assert otel_problems(caplog.records) == [
        "Setting attribute on ended span.",
        "Calling end() on an ended span.",
    ]
    caplog.clear()


# --- Helpers ------------------------------------------------------------------------------------------------


def content_of(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def open_sync(call_args: dict[str, Any], **kwargs: Any) -> Any:
    return litellm.completion(model=MODEL, messages=HI, stream=True, **call_args, **kwargs)


async def open_async(call_args: dict[str, Any], **kwargs: Any) -> Any:
    return await litellm.acompletion(model=MODEL, messages=HI, stream=True, **call_args, **kwargs)


async def consume(mode: str, call_args: dict[str, Any], **kwargs: Any) -> list[Any]:
    """Open and fully consume a stream, sync or async."""
    if mode == "sync":
        return list(open_sync(call_args, **kwargs))
    return [chunk async for chunk in await open_async(call_args, **kwargs)]


def assert_stopped_early(span: Any, received: list[Any]) -> None:
    """The span of a stream the consumer left: ended, not completed, counting what was received."""
    attributes = span.attributes
    assert span.status.status_code is StatusCode.UNSET
    assert attributes["llm.response.is_streaming"] is True
    assert attributes["llm.response.stream_completed"] is False
    assert attributes["llm.response.chunk_count"] == len(received)
    assert attributes["llm.response.content_length"] == len(content_of(received))
    assert "llm.response.finish_reason" not in attributes


# --- 1. Fully consumed streams ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_consumed_stream_makes_one_span_ended_after_the_last_chunk(
    mode, openai_server, exporter, call_args
):
    """The span ends on exhaustion, not before, and aggregates what the consumer received."""
    openai_server.script(
        CHAT, Scripted(chunks=stream_chunks("gpt-4o-mini", PIECES, id="chatcmpl-s1"), chunk_delay=0.02)
    )
    received: list[Any] = []
    open_while_streaming: list[int] = []
    before_call = time.time_ns()

    def receive(chunk: Any) -> None:
        open_while_streaming.append(len(llm_spans(exporter)))
        received.append(chunk)

    if mode == "sync":
        for chunk in open_sync(call_args):
            receive(chunk)
    else:
        async for chunk in await open_async(call_args):
            receive(chunk)
    loop_ended_at = time.time_ns()

    assert open_while_streaming == [0] * PIECES_CHUNKS
    assert len(received) == PIECES_CHUNKS
    span = only_span(exporter)
    assert span.name == "chat openai/gpt-4o-mini"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert before_call <= span.start_time <= span.end_time <= loop_ended_at
    attributes = span.attributes
    assert attributes["llm.request.stream"] is True
    assert attributes["gen_ai.request.stream"] is True
    assert attributes["llm.response.is_streaming"] is True
    assert attributes["llm.response.stream_completed"] is True
    assert attributes["llm.response.chunk_count"] == len(received)
    assert attributes["llm.response.content_length"] == len(content_of(received)) == len("Streamed answer!")
    assert attributes["llm.response.finish_reason"] == "stop"
    assert attributes["llm.response.finish_reasons"] == ("stop",)
    assert attributes["llm.response.choices_count"] == 1
    assert attributes["llm.response.tool_calls_count"] == 0
    assert attributes["llm.response.id"] == received[0].id == "chatcmpl-s1"
    assert attributes["llm.response.model"] == received[0].model == "gpt-4o-mini"
    assert attributes["gen_ai.response.id"] == "chatcmpl-s1"
    assert attributes["llm.provider"] == "openai"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_span_ends_only_after_the_consumer_has_the_last_chunk(mode, openai_server, exporter, call_args):
    """End time is taken at exhaustion, which comes after the last chunk is in the consumer's hands."""
    openai_server.script(CHAT, Scripted(chunks=stream_chunks("gpt-4o-mini", PIECES), chunk_delay=0.03))
    stream = open_sync(call_args) if mode == "sync" else await open_async(call_args)
    got_last_at = 0
    count = 0
    while True:
        try:
            chunk = next(stream) if mode == "sync" else await stream.__anext__()
        except (StopIteration, StopAsyncIteration):
            break
        got_last_at = time.time_ns()
        count += 1
        assert chunk is not None

    span = only_span(exporter)
    assert count == PIECES_CHUNKS
    assert span.end_time >= got_last_at
    assert span.attributes["llm.response.chunk_count"] == count


@ACOMPLETION_FLAG_WORKS
async def test_completion_with_acompletion_flag_streams_into_one_span(openai_server, exporter, call_args):
    """`completion(acompletion=True, stream=True)` returns a coroutine giving the async stream."""
    coroutine = litellm.completion(model=MODEL, messages=HI, stream=True, acompletion=True, **call_args)
    assert llm_spans(exporter) == []

    received = [chunk async for chunk in await coroutine]

    attributes = only_span(exporter).attributes
    assert len(received) == DEFAULT_CHUNKS
    assert attributes["llm.response.chunk_count"] == DEFAULT_CHUNKS
    assert attributes["llm.response.stream_completed"] is True


# --- 2. Timing ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_time_to_first_token_duration_and_rate(mode, openai_server, exporter, call_args):
    """TTFT, duration and rate follow the server's real pacing and what the consumer measured."""
    openai_server.script(
        CHAT,
        Scripted(chunks=stream_chunks("gpt-4o-mini", PIECES), first_chunk_delay=0.3, chunk_delay=0.1),
    )
    received_at: list[float] = []
    started = time.perf_counter()
    if mode == "sync":
        for _ in open_sync(call_args):
            received_at.append(time.perf_counter())
    else:
        async for _ in await open_async(call_args):
            received_at.append(time.perf_counter())

    attributes = only_span(exporter).attributes
    chunk_count = attributes["llm.response.chunk_count"]
    assert chunk_count == len(received_at) == PIECES_CHUNKS
    ttft = attributes["llm.response.time_to_first_token"]
    assert 0.3 <= ttft <= 0.3 + 0.25
    assert ttft == pytest.approx(received_at[0] - started, abs=0.02)
    assert attributes["gen_ai.response.time_to_first_chunk"] == ttft
    duration = attributes["llm.response.stream_duration"]
    assert duration == pytest.approx((chunk_count - 1) * 0.1, abs=0.08)
    assert duration == pytest.approx(received_at[-1] - received_at[0], abs=0.02)
    assert attributes["llm.response.chunks_per_second"] == pytest.approx(chunk_count / duration, rel=1e-9)


# --- 3. Usage and cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_reported_usage_from_the_usage_chunk_and_its_cost(mode, openai_server, exporter, call_args):
    """`include_usage` makes OpenAI send a final usage chunk: those counts, priced, not estimated."""
    received = await consume(mode, call_args, stream_options={"include_usage": True})

    attributes = only_span(exporter).attributes
    assert len(received) == DEFAULT_CHUNKS + 1
    # LiteLLM 1.110 sends the usage chunk with no choice; 1.108 with one empty choice.
    assert all(c.delta.content is None and c.finish_reason is None for c in received[-1].choices)
    assert attributes["llm.response.chunk_count"] == DEFAULT_CHUNKS + 1
    assert attributes["llm.response.finish_reason"] == "stop"
    assert (
        attributes["llm.usage.prompt_tokens"],
        attributes["llm.usage.completion_tokens"],
        attributes["llm.usage.total_tokens"],
    ) == (12, 7, 19)
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (12, 7)
    assert "llm.usage.estimated" not in attributes
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)
    assert attributes["llm.cost.total_usd"] > 0


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_usage_without_usage_chunk_is_estimated_and_priced(mode, openai_server, exporter, call_args):
    """No usage chunk: LiteLLM's own count is used and marked estimated, and still priced."""
    received = await consume(mode, call_args)

    attributes = only_span(exporter).attributes
    prompt = litellm.token_counter(model="gpt-4o-mini", messages=HI)
    completion = litellm.token_counter(
        model="gpt-4o-mini", text=content_of(received), count_response_tokens=True
    )
    assert attributes["llm.usage.estimated"] is True
    assert attributes["llm.usage.prompt_tokens"] == prompt
    assert attributes["llm.usage.completion_tokens"] == completion
    assert attributes["llm.usage.total_tokens"] == prompt + completion
    assert attributes["llm.cost.total_usd"] == pytest.approx(
        expected_cost("gpt-4o-mini", prompt, completion), rel=1e-9
    )


@pytest.mark.parametrize("stream_options", [{"include_usage": True}, None], ids=["reported", "estimated"])
def test_unreported_reasoning_tokens_stay_absent(stream_options, openai_server, exporter, call_args):
    """SPEC: reasoning tokens only "when reported"; an unknown value is absent, never 0."""
    assert "completion_tokens_details" not in DEFAULT_USAGE
    list(open_sync(call_args, stream_options=stream_options))

    attributes = only_span(exporter).attributes
    assert "llm.usage.reasoning_tokens" not in attributes
    assert "gen_ai.usage.reasoning.output_tokens" not in attributes


def test_streamed_response_model_is_the_one_the_provider_answered_with(openai_server, exporter, call_args):
    """The same answer, streamed or not, must name the same response model."""
    openai_server.script(CHAT, Scripted(chunks=stream_chunks("gpt-4o-mini-2024-07-18", PIECES)))
    received = list(open_sync(call_args))

    assert received[-1]._hidden_params["provider_response_model"] == "gpt-4o-mini-2024-07-18"
    attributes = only_span(exporter).attributes
    assert attributes["llm.response.model"] == "gpt-4o-mini-2024-07-18"
    assert attributes["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"


# --- 4. Tool calls ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_streamed_tool_calls_are_aggregated(mode, openai_server, exporter, call_args):
    """Tool calls arrive split over several chunks; the span counts calls, not fragments."""
    openai_server.script(
        CHAT,
        Scripted(chunks=stream_chunks("gpt-4o-mini", [], tool_calls=TOOL_CALLS, finish_reason="tool_calls")),
    )
    received = await consume(mode, call_args)

    attributes = only_span(exporter).attributes
    # Role chunk, (opening + 3 argument fragments) + (opening + 2 fragments), finish chunk.
    assert len(received) == 1 + 4 + 3 + 1
    assert attributes["llm.response.chunk_count"] == len(received)
    assert attributes["llm.response.tool_calls_count"] == 2
    assert attributes["llm.response.tool_call_names"] == ("get_weather", "get_time")
    assert attributes["llm.response.finish_reason"] == "tool_calls"
    assert attributes["gen_ai.response.finish_reasons"] == ("tool_calls",)
    assert attributes["llm.response.content_length"] == 0
    assert attributes["llm.response.stream_completed"] is True


# --- 5. Early exits -----------------------------------------------------------------------------------------


def test_break_then_drop_ends_the_span_at_collection(openai_server, exporter, ledger, call_args):
    """A plain `break` gives the stream no signal: the span ends when the stream is collected."""
    stream = open_sync(call_args)
    received = []
    for chunk in stream:
        received.append(chunk)
        if len(received) == 2:
            break
    assert llm_spans(exporter) == []
    assert ledger.open == ["chat openai/gpt-4o-mini"]

    del stream
    gc.collect()

    assert_stopped_early(only_span(exporter), received)
    assert ledger.open == []


def test_close_after_two_chunks(openai_server, exporter, ledger, call_args):
    """`close()` ends the span at once, and a second close or a late next() changes nothing."""
    stream = open_sync(call_args)
    received = [next(stream), next(stream)]

    stream.close()

    assert_stopped_early(only_span(exporter), received)
    assert ledger.open == []
    stream.close()
    with pytest.raises(StopIteration):
        next(stream)
    assert len(llm_spans(exporter)) == 1


async def test_aclose_after_two_chunks(openai_server, exporter, ledger, call_args):
    stream = await open_async(call_args)
    received = [await stream.__anext__(), await stream.__anext__()]

    await stream.aclose()

    assert_stopped_early(only_span(exporter), received)
    assert ledger.open == []
    await stream.aclose()
    assert len(llm_spans(exporter)) == 1


def test_breaking_out_of_a_with_block(openai_server, exporter, ledger, call_args):
    """Leaving the `with` block closes LiteLLM's stream and ends the span, no collection needed."""
    received = []
    with open_sync(call_args) as stream:
        for chunk in stream:
            received.append(chunk)
            if len(received) == 3:
                break
        assert llm_spans(exporter) == []

    assert_stopped_early(only_span(exporter), received)
    assert ledger.open == []
    assert stream.completion_stream is None  # LiteLLM's own close() ran.


async def test_breaking_out_of_an_async_with_block(openai_server, exporter, ledger, call_args):
    received = []
    async with await open_async(call_args) as stream:
        async for chunk in stream:
            received.append(chunk)
            if len(received) == 3:
                break

    assert_stopped_early(only_span(exporter), received)
    assert ledger.open == []


def test_with_block_after_full_consumption_keeps_the_completed_span(openai_server, exporter, call_args):
    """Exhaustion ended the span as completed; the block's exit must not end it again."""
    with open_sync(call_args) as stream:
        received = list(stream)

    attributes = only_span(exporter).attributes
    assert attributes["llm.response.stream_completed"] is True
    assert attributes["llm.response.chunk_count"] == len(received) == DEFAULT_CHUNKS


async def test_async_break_then_drop_ends_the_span_at_collection(openai_server, exporter, ledger, call_args):
    stream = await open_async(call_args)
    received = []
    async for chunk in stream:
        received.append(chunk)
        break
    assert ledger.open == ["chat openai/gpt-4o-mini"]

    del stream  # No gc.collect(): the proxy is in no reference cycle, so dropping it is enough.

    assert_stopped_early(only_span(exporter), received)


def test_stream_never_iterated_and_collected(openai_server, exporter, ledger, call_args):
    """A stream nobody reads still gets its span ended, with nothing received."""
    stream = open_sync(call_args)
    assert ledger.open == ["chat openai/gpt-4o-mini"]

    del stream  # Collected by reference counting alone.

    span = only_span(exporter)
    assert span.status.status_code is StatusCode.UNSET
    assert span.attributes["llm.response.stream_completed"] is False
    assert span.attributes["llm.response.chunk_count"] == 0
    assert "llm.response.content_length" not in span.attributes
    assert "llm.response.time_to_first_token" not in span.attributes
    assert "llm.response.stream_duration" not in span.attributes
    assert "llm.usage.total_tokens" not in span.attributes


async def test_consumer_timeout_on_a_chunk_ends_the_span_once(openai_server, exporter, ledger, call_args):
    """`wait_for` cancels the pending `__anext__`: the span ends then, recording the cancellation."""
    openai_server.script(CHAT, Scripted(chunk_delay=0.5))
    stream = await open_async(call_args)
    first = await stream.__anext__()

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(stream.__anext__(), 0.05)

    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["llm.error.type"] == "CancelledError"
    assert span.attributes["llm.response.stream_completed"] is False
    assert span.attributes["llm.response.chunk_count"] == 1
    assert span.attributes["llm.response.content_length"] == len(content_of([first]))
    await stream.aclose()
    assert len(llm_spans(exporter)) == 1


# --- 6. Failures --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_connection_dropped_mid_stream(mode, openai_server, exporter, call_args):
    """The server cuts the body after 3 chunks: an error span counting the 3, the consumer's error intact."""
    openai_server.script(CHAT, Scripted(drop_after=3))
    received: list[Any] = []
    with pytest.raises(Exception) as caught:
        if mode == "sync":
            for chunk in open_sync(call_args):
                received.append(chunk)
        else:
            async for chunk in await open_async(call_args):
                received.append(chunk)

    error = caught.value
    assert type(error) is MidStreamFallbackError
    assert len(received) == 3
    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description.startswith("MidStreamFallbackError: ")
    attributes = span.attributes
    assert attributes["llm.error.type"] == "MidStreamFallbackError"
    assert attributes["error.type"] == "litellm.exceptions.MidStreamFallbackError"
    # LiteLLM wraps it as a 503 ServiceUnavailableError, but no 503 was ever sent: the connection broke.
    assert attributes["llm.error.category"] == "connection"
    assert "llm.error.status_code" not in attributes
    assert attributes["llm.error.provider"] == "openai"
    assert attributes["llm.response.is_streaming"] is True
    assert attributes["llm.response.stream_completed"] is False
    assert attributes["llm.response.chunk_count"] == len(received)
    assert attributes["llm.response.content_length"] == len(content_of(received)) == len("Hello from")
    assert "llm.response.finish_reason" not in attributes
    (event,) = span.events
    assert event.name == "exception"
    assert event.attributes["exception.type"] == "litellm.exceptions.MidStreamFallbackError"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_error_before_the_stream_exists(mode, openai_server, exporter, call_args):
    """A 429 on the stream request: the call raises, one error span, no streaming attributes."""
    openai_server.script(
        CHAT, Scripted(status=429, body=error_body("Rate limit reached", "requests", "rate_limit_exceeded"))
    )
    with pytest.raises(litellm.RateLimitError):
        await consume(mode, call_args)

    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    attributes = span.attributes
    assert attributes["llm.request.stream"] is True
    assert attributes["llm.error.category"] == "rate_limit"
    assert attributes["llm.error.status_code"] == 429
    assert [name for name in attributes if name.startswith(("llm.response.", "gen_ai.response."))] == []


# --- 7. Transparency ----------------------------------------------------------------------------------------


def test_stream_is_litellms_object_to_the_caller(openai_server, exporter, call_args):
    """Code that checks the type or reads LiteLLM's attributes must not notice the instrumentation."""
    stream = open_sync(call_args)

    assert isinstance(stream, litellm.CustomStreamWrapper)
    assert stream.model == "gpt-4o-mini"
    assert stream.custom_llm_provider == "openai"
    assert isinstance(stream.logging_obj, LiteLLMLogging)
    assert iter(stream) is stream
    received = list(stream)
    assert stream.response_id == received[0].id == "chatcmpl-stream"  # LiteLLM's live state, read through.
    assert only_span(exporter).attributes["llm.response.chunk_count"] == len(received) == DEFAULT_CHUNKS


async def test_async_stream_is_litellms_object_to_the_caller(openai_server, exporter, call_args):
    stream = await open_async(call_args)

    assert isinstance(stream, litellm.CustomStreamWrapper)
    assert stream.custom_llm_provider == "openai"
    assert isinstance(stream.logging_obj, LiteLLMLogging)
    assert stream.__aiter__() is stream
    assert len([chunk async for chunk in stream]) == DEFAULT_CHUNKS


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_llm_span_is_not_current_between_chunks(
    mode, openai_server, exporter, tracer_provider, call_args
):
    """The app's own spans made while reading chunks belong to the app's span, not the LLM call's."""
    seen: list[trace.Span] = []
    with tracer_provider.get_tracer("app").start_as_current_span("app") as parent:
        if mode == "sync":
            for _ in open_sync(call_args):
                seen.append(trace.get_current_span())
        else:
            async for _ in await open_async(call_args):
                seen.append(trace.get_current_span())

    span = only_span(exporter)
    assert span.parent.span_id == parent.get_span_context().span_id
    assert seen == [parent] * DEFAULT_CHUNKS


def test_no_span_is_current_between_chunks_without_a_parent(openai_server, exporter, call_args):
    seen = [trace.get_current_span() for _ in open_sync(call_args)]

    assert seen == [trace.INVALID_SPAN] * DEFAULT_CHUNKS
    assert only_span(exporter).parent is None


# --- 8. Concurrency -----------------------------------------------------------------------------------------


async def test_hundred_concurrent_async_streams(openai_server, exporter, tracer_provider, call_args):
    """Interleaved streams each get their own span, under their own parent, with their own count."""
    tracer = tracer_provider.get_tracer("app")
    openai_server.script(CHAT, *(Scripted(chunk_delay=0.01) for _ in range(100)))
    order: list[int] = []

    async def work(index: int) -> tuple[int, int]:
        with tracer.start_as_current_span(f"app-{index}") as parent:
            stream = await litellm.acompletion(
                model=MODEL, messages=[{"role": "user", "content": "x" * index}], stream=True, **call_args
            )
            count = 0
            async for _ in stream:
                order.append(index)
                count += 1
            return parent.get_span_context().span_id, count

    results = await asyncio.gather(*(work(index) for index in range(1, 101)))

    switches = sum(1 for before, after in itertools.pairwise(order) if before != after)
    assert switches > 99  # the streams really interleaved
    spans = llm_spans(exporter)
    assert len(spans) == 100
    by_parent = {span.parent.span_id: span for span in spans}
    assert len(by_parent) == 100
    for index, (parent_id, count) in enumerate(results, start=1):
        attributes = by_parent[parent_id].attributes
        assert attributes["llm.request.content_length"] == index
        assert attributes["llm.response.stream_completed"] is True
        assert attributes["llm.response.chunk_count"] == count == DEFAULT_CHUNKS


# --- 9. Threads ---------------------------------------------------------------------------------------------


def test_stream_created_in_one_thread_consumed_in_another(
    openai_server, exporter, tracer_provider, call_args
):
    """The span keeps the creator's parent and ends in the consumer's thread, exactly once."""
    with tracer_provider.get_tracer("app").start_as_current_span("app") as parent:
        stream = open_sync(call_args)
    received: list[Any] = []
    current: list[trace.Span] = []

    def drain() -> None:
        for chunk in stream:
            received.append(chunk)
            current.append(trace.get_current_span())

    consumer = threading.Thread(target=drain)
    consumer.start()
    consumer.join()

    span = only_span(exporter)
    assert span.parent.span_id == parent.get_span_context().span_id
    assert len(received) == DEFAULT_CHUNKS
    assert current == [trace.INVALID_SPAN] * DEFAULT_CHUNKS
    attributes = span.attributes
    assert attributes["llm.response.stream_completed"] is True
    assert attributes["llm.response.chunk_count"] == DEFAULT_CHUNKS
    assert attributes["llm.response.content_length"] == len(content_of(received))
