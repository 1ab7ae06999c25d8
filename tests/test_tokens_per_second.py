"""`llm.response.tokens_per_second`, pinned on every path: completion tokens ÷ generation time, where
generation time runs from the first output (else the first chunk, else the start) to the last chunk
(else the end). The wrappers' clock is replaced by one that advances a quarter second per reading, so
that every figure is exact; the callback and manual paths use the times they report, as the span does."""

from __future__ import annotations

import itertools

import litellm
import pytest

from instrumentation import call as call_module
from instrumentation import record_llm_call, track_llm_call
from instrumentation import stream as stream_module

from .conftest import MODEL, only_span, settled_spans
from .openai_server import Scripted

HI = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"
TPS = "llm.response.tokens_per_second"
STEP_NS = 250_000_000
# The test server's answer: 7 completion tokens reported; streamed, 7 chunks and no usage chunk, so that
# LiteLLM counts 6 (marked estimated).
COMPLETION_TOKENS = 7
STREAMED_TOKENS = 6
CHUNKS = 7
UNWRAPPED_COMPLETION = litellm.completion  # Bound before instrument(): only the callback sees its calls.


@pytest.fixture
def quarter_second_clock(monkeypatch):
    """The wrappers' clock: 1 s at the start, a quarter second later at each reading."""
    ticks = itertools.count(1_000_000_000, STEP_NS)

    def clock() -> int:
        return next(ticks)

    monkeypatch.setattr(call_module, "perf_counter_ns", clock)
    monkeypatch.setattr(stream_module, "perf_counter_ns", clock)


@pytest.mark.usefixtures("instrument", "quarter_second_clock")
async def test_a_plain_call_runs_from_start_to_end(exporter, call_args):
    litellm.completion(model=MODEL, messages=HI, **call_args)
    await litellm.acompletion(model=MODEL, messages=HI, **call_args)

    for span in settled_spans(exporter, 2):
        assert span.attributes["llm.usage.completion_tokens"] == COMPLETION_TOKENS
        assert span.attributes[TPS] == COMPLETION_TOKENS / 0.25  # Two readings: start, end.


@pytest.mark.usefixtures("instrument", "quarter_second_clock")
async def test_a_stream_runs_from_its_first_output_to_its_last_chunk(exporter, call_args):
    assert len(list(litellm.completion(model=MODEL, messages=HI, stream=True, **call_args))) == CHUNKS
    stream = await litellm.acompletion(model=MODEL, messages=HI, stream=True, **call_args)
    assert len([chunk async for chunk in stream]) == CHUNKS

    # Readings: the start, one per chunk (the first carries output), the end.
    generation = (CHUNKS - 1) * 0.25
    for span in settled_spans(exporter, 2):
        attributes = span.attributes
        assert attributes["llm.response.chunk_count"] == CHUNKS
        assert attributes["llm.response.time_to_first_token"] == 0.25
        assert attributes["llm.response.stream_duration"] == generation
        assert attributes["llm.response.chunks_per_second"] == CHUNKS / generation
        assert attributes["llm.usage.completion_tokens"] == STREAMED_TOKENS
        assert attributes[TPS] == STREAMED_TOKENS / generation


@pytest.mark.usefixtures("instrument")
def test_a_call_only_the_callback_saw_runs_from_litellms_start_to_its_end(exporter, call_args):
    UNWRAPPED_COMPLETION(model=MODEL, messages=HI, **call_args)

    (span,) = settled_spans(exporter, 1)
    assert span.attributes[TPS] == COMPLETION_TOKENS / ((span.end_time - span.start_time) / 1e9)


@pytest.mark.usefixtures("instrument")
def test_a_stream_only_the_callback_saw_runs_from_litellms_completion_start(
    exporter, call_args, openai_server
):
    openai_server.script(CHAT, Scripted(first_chunk_delay=0.3))
    assert len(list(UNWRAPPED_COMPLETION(model=MODEL, messages=HI, stream=True, **call_args))) == CHUNKS

    (span,) = settled_spans(exporter, 1)
    attributes = span.attributes
    whole_call = (span.end_time - span.start_time) / 1e9
    first_output = attributes["llm.response.time_to_first_token"]
    assert first_output >= 0.3
    assert attributes["llm.usage.completion_tokens"] == STREAMED_TOKENS
    assert attributes[TPS] == pytest.approx(STREAMED_TOKENS / (whole_call - first_output), rel=1e-9)


@pytest.mark.usefixtures("instrument")
def test_a_manual_call_runs_over_its_latency(exporter):
    record_llm_call(api_provider="acme", model="m-1", latency=0.5, input_tokens=10, output_tokens=40)

    assert only_span(exporter).attributes[TPS] == 80.0


@pytest.mark.usefixtures("instrument")
def test_a_tracked_call_runs_over_its_block(exporter):
    with track_llm_call(api_provider="acme", model="m-1") as tracked:
        tracked.update_tokens(input_tokens=10, output_tokens=40)

    span = only_span(exporter)
    assert span.attributes[TPS] == 40 / ((span.end_time - span.start_time) / 1e9)


@pytest.mark.usefixtures("instrument")
def test_a_call_without_completion_tokens_has_no_rate(exporter):
    record_llm_call(api_provider="acme", model="m-1", latency=0.5, input_tokens=10, output_tokens=0)
    record_llm_call(api_provider="acme", model="m-1", latency=0.0, input_tokens=10, output_tokens=5)

    assert [TPS in span.attributes for span in settled_spans(exporter, 2, grace=0)] == [False, False]
