"""LiteLLM's response cache: a hit is one span that says so, costs nothing, saves what the miss cost, and
adds no token-usage metric point (no provider processed those tokens)."""

from __future__ import annotations

import asyncio
import time

import litellm
import pytest
from litellm.caching.caching import Cache
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from instrumentation import LiteLLMInstrumentor

from .conftest import MODEL, settled_spans
from .helpers import expected_cost

HI = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"


@pytest.fixture
def response_cache():
    litellm.cache = Cache()  # In memory.
    yield
    litellm.cache = None


@pytest.fixture
def metric_reader(tracer_provider):
    reader = InMemoryMetricReader()
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=MeterProvider([reader]))
    yield reader
    instrumentor.uninstrument()


async def _cached(timeout: float = 5.0) -> None:
    """Until the answer is in the cache: LiteLLM writes it after an async call returns."""
    deadline = time.monotonic() + timeout
    while not litellm.cache.cache.cache_dict and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def _token_points(reader: InMemoryMetricReader) -> int:
    """Token-usage data points recorded, each a (token type, dimensions) histogram's count summed."""
    data = reader.get_metrics_data()
    return sum(
        point.count
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "gen_ai.client.token.usage"
        for point in metric.data.data_points
    )


@pytest.mark.usefixtures("response_cache")
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_a_hit_costs_nothing_and_saves_what_the_miss_cost(
    is_async, metric_reader, exporter, openai_server, call_args
):
    for _ in range(2):
        if is_async:
            response = await litellm.acompletion(model=MODEL, messages=HI, caching=True, **call_args)
        else:
            response = litellm.completion(model=MODEL, messages=HI, caching=True, **call_args)
        assert response.choices[0].message.content == "Hello from the test server!"
        await _cached()

    assert len([r for r in openai_server.requests if r.path == CHAT]) == 1  # The second was a hit.
    miss, hit = sorted(settled_spans(exporter, 2), key=lambda span: span.start_time)
    cost = expected_cost("gpt-4o-mini", 12, 7)
    assert miss.attributes["llm.cost.total_usd"] == pytest.approx(cost, rel=1e-9)
    assert "llm.response.cache_hit" not in miss.attributes
    assert "llm.cost.saved_usd" not in miss.attributes
    assert hit.attributes["llm.response.cache_hit"] is True
    assert hit.attributes["llm.cost.total_usd"] == 0.0
    assert hit.attributes["llm.cost.saved_usd"] == pytest.approx(cost, rel=1e-9)
    assert hit.attributes["llm.usage.total_tokens"] == 19  # As the replayed response says.
    assert "llm.response.tokens_per_second" not in hit.attributes  # Nothing was generated.
    assert _token_points(metric_reader) == 2  # The miss's input and output counts; none for the hit.


@pytest.mark.usefixtures("instrument", "response_cache")
def test_without_caching_asked_every_call_goes_to_the_provider(exporter, openai_server, call_args):
    for _ in range(2):
        litellm.completion(model=MODEL, messages=HI, caching=False, **call_args)

    assert len([r for r in openai_server.requests if r.path == CHAT]) == 2
    spans = settled_spans(exporter, 2)
    assert ["llm.response.cache_hit" in span.attributes for span in spans] == [False, False]
    assert all(span.attributes["llm.cost.total_usd"] > 0 for span in spans)


@pytest.mark.usefixtures("response_cache")
def test_a_hit_is_stored_and_its_tokens_are_counted_once(tmp_path, openai_server, call_args):
    """Real calls, through the store, into the statistics: the hit's replayed tokens are not counted
    again, its saved cost is."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from instrumentation.analytics import UsageAnalyzer
    from instrumentation.store import StoreSpanExporter

    url = f"sqlite:///{tmp_path}/calls.db"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(StoreSpanExporter(url)))
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        for _ in range(2):
            litellm.completion(model=MODEL, messages=HI, caching=True, **call_args)
    finally:
        instrumentor.uninstrument()
        provider.shutdown()

    stats = UsageAnalyzer(url).get_stats()
    cost = expected_cost("gpt-4o-mini", 12, 7)
    assert (stats.total_calls, stats.cache_hits, stats.cache_hit_tokens) == (2, 1, 19)
    assert (stats.total_input_tokens, stats.total_output_tokens, stats.total_tokens) == (12, 7, 19)
    assert stats.total_cost_usd == pytest.approx(cost, rel=1e-9)
    assert stats.saved_cost_usd == pytest.approx(cost, rel=1e-9)
