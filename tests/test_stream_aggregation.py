"""What a streamed chat span aggregates from the chunks the consumer received, over real SSE.

Time to first token, duration and rate against the server's real pacing; usage from the usage chunk or
estimated, and its cost; the provider's response model; tool calls split over several chunks.
"""

from __future__ import annotations

import time

import litellm
import pytest

from .conftest import DEFAULT_CHUNKS, only_span
from .helpers import estimated_usage, expected_cost
from .openai_bodies import DEFAULT_USAGE, stream_chunks
from .openai_server import Scripted
from .stream_support import CHAT, HI, PIECES, PIECES_CHUNKS, consume, content_of, open_async, open_sync

# Every test: LiteLLM warmed up before, and after it nothing open, nothing ended twice, no warning.
pytestmark = pytest.mark.usefixtures("warm_litellm", "ledger", "instrument")

# Two tool calls, which the server streams in fragments.
TOOL_CALLS = [
    {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'},
    },
    {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
]


# --- Timing -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_time_to_first_token_duration_and_rate(mode, openai_server, exporter, call_args):
    """TTFT, duration and rate follow the server's real pacing and what the consumer measured.

    Bounded by relations that hold on any machine, however loaded: the server's delays are the least
    the span can measure, and the consumer, who starts its clock before the call and reads each chunk
    after the span has seen it, measures at least as much as the span.
    """
    first_chunk_delay, chunk_delay = 0.3, 0.1
    openai_server.script(
        CHAT,
        Scripted(
            chunks=stream_chunks("gpt-4o-mini", PIECES),
            first_chunk_delay=first_chunk_delay,
            chunk_delay=chunk_delay,
        ),
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
    assert first_chunk_delay <= ttft <= received_at[0] - started
    assert attributes["gen_ai.response.time_to_first_chunk"] == ttft
    duration = attributes["llm.response.stream_duration"]
    # From the span's start to its last chunk: at least every delay the server slept, at most what the
    # consumer saw. (The duration alone has no sure lower bound: a late first read shortens it.)
    assert first_chunk_delay + (chunk_count - 1) * chunk_delay <= ttft + duration <= received_at[-1] - started
    assert duration > 0
    assert attributes["llm.response.chunks_per_second"] == pytest.approx(chunk_count / duration, rel=1e-9)


# --- Usage and cost -----------------------------------------------------------------------------------------


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


CACHED_USAGE = {
    "prompt_tokens": 2000,
    "completion_tokens": 300,
    "total_tokens": 2300,
    "prompt_tokens_details": {"cached_tokens": 1600},
    "completion_tokens_details": {"reasoning_tokens": 120},
}


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_cached_prompt_tokens_of_a_stream_are_priced_as_litellm_prices_them(
    mode, openai_server, exporter, call_args
):
    """A usage chunk reporting cached prompt tokens: the cost LiteLLM's `completion_cost` gives the same
    response, not the full-price one of its prompt and completion counts."""
    openai_server.script(CHAT, Scripted(chunks=stream_chunks("gpt-4o-mini", PIECES, usage=CACHED_USAGE)))
    await consume(mode, call_args, stream_options={"include_usage": True})

    attributes = only_span(exporter).attributes
    assert (attributes["llm.usage.cached_tokens"], attributes["llm.usage.reasoning_tokens"]) == (1600, 120)
    # gpt-4o-mini: $0.15 per million input tokens, $0.075 cached, $0.60 output (reasoning included).
    cost = (400 * 0.15 + 1600 * 0.075 + 300 * 0.60) / 1e6
    assert attributes["llm.cost.total_usd"] == pytest.approx(cost, rel=1e-9)
    response = litellm.ModelResponse(model="gpt-4o-mini", usage=litellm.Usage(**CACHED_USAGE))
    assert attributes["llm.cost.total_usd"] == pytest.approx(
        litellm.completion_cost(completion_response=response, custom_llm_provider="openai"), rel=1e-9
    )
    assert cost < expected_cost("gpt-4o-mini", 2000, 300)


def test_cache_writes_are_counted_and_priced_as_litellm_prices_them(openai_server, exporter, call_args):
    """Prompt-cache writes reported in the usage chunk (as Anthropic-style providers report them): counted,
    with their twin, and the stream's cost is `completion_cost`'s for the same usage."""
    usage = {
        "prompt_tokens": 1000,
        "completion_tokens": 50,
        "total_tokens": 1050,
        "cache_creation_input_tokens": 600,
    }
    openai_server.script(CHAT, Scripted(chunks=stream_chunks("gpt-4o-mini", PIECES, usage=usage)))
    list(open_sync(call_args, stream_options={"include_usage": True}))

    attributes = only_span(exporter).attributes
    assert attributes["llm.usage.cache_creation_tokens"] == 600
    assert attributes["gen_ai.usage.cache_creation.input_tokens"] == 600
    response = litellm.ModelResponse(model="gpt-4o-mini", usage=litellm.Usage(**usage))
    expected = litellm.completion_cost(completion_response=response, custom_llm_provider="openai")
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_usage_without_usage_chunk_is_estimated_and_priced(mode, openai_server, exporter, call_args):
    """No usage chunk: LiteLLM's own count is used and marked estimated, and still priced."""
    received = await consume(mode, call_args)

    attributes = only_span(exporter).attributes
    expected = estimated_usage("gpt-4o-mini", HI, content_of(received))
    expected["llm.cost.total_usd"] = pytest.approx(expected["llm.cost.total_usd"], rel=1e-9)
    assert {name: attributes.get(name) for name in expected} == expected


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


# --- Tool calls ---------------------------------------------------------------------------------------------


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
