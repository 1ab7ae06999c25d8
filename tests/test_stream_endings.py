"""Streamed chat spans over real SSE: one span per stream, ended exactly once, whatever the way out.

Exhaustion, a `break` then collection, `close()`/`aclose()`, leaving a `with` block, a consumer's timeout,
a connection dropped mid-stream, an error before the stream exists. The loopback server streams real
`chat.completion.chunk` events with real delays, so each way out goes through LiteLLM's whole streaming
stack; the `ledger` guard fails any test that leaves a span open or ends one twice.
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

import litellm
import pytest
from litellm.exceptions import MidStreamFallbackError
from opentelemetry.trace import SpanKind, StatusCode

from .conftest import ACOMPLETION_FLAG_WORKS, DEFAULT_CHUNKS, MODEL, llm_spans, only_span, otel_problems
from .openai_bodies import error_body, stream_chunks
from .openai_server import Scripted
from .stream_support import CHAT, HI, PIECES, PIECES_CHUNKS, consume, content_of, open_async, open_sync

# Every test: LiteLLM warmed up before, and after it nothing open, nothing ended twice, no warning.
pytestmark = pytest.mark.usefixtures("warm_litellm", "ledger", "instrument")


# --- The guards ---------------------------------------------------------------------------------------------


def test_the_guards_can_fail(tracer_provider, ledger, caplog):
    """The `ledger` guard must be able to see what it guards against."""
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


def assert_stopped_early(span: Any, received: list[Any]) -> None:
    """The span of a stream the consumer left: ended, not completed, counting what was received."""
    attributes = span.attributes
    assert span.status.status_code is StatusCode.UNSET
    assert attributes["llm.response.is_streaming"] is True
    assert attributes["llm.response.stream_completed"] is False
    assert attributes["llm.response.chunk_count"] == len(received)
    assert attributes["llm.response.content_length"] == len(content_of(received))
    assert "llm.response.finish_reason" not in attributes


# --- Fully consumed streams ---------------------------------------------------------------------------------


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


# --- Early exits --------------------------------------------------------------------------------------------


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


# --- Failures -----------------------------------------------------------------------------------------------


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
