"""A streamed chat call stays LiteLLM's stream to the caller, in the caller's context.

Its type and live attributes, the caller's span current between chunks (never the LLM call's), a hundred
interleaved async streams each under its own parent, and a stream created in one thread and read in
another.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any

import litellm
import pytest
from litellm.litellm_core_utils.litellm_logging import Logging as LiteLLMLogging
from opentelemetry import trace

from .conftest import DEFAULT_CHUNKS, MODEL, llm_spans, only_span
from .openai_server import Scripted
from .stream_support import CHAT, content_of, open_async, open_sync

# Every test: LiteLLM warmed up before, and after it nothing open, nothing ended twice, no warning.
pytestmark = pytest.mark.usefixtures("warm_litellm", "ledger", "instrument")


# --- Transparency -------------------------------------------------------------------------------------------


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


# --- Concurrency --------------------------------------------------------------------------------------------


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


# --- Threads ------------------------------------------------------------------------------------------------


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
