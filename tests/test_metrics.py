"""GenAI client metrics through a real SDK meter provider: exact counts, sums, buckets, dimensions."""

from __future__ import annotations

import litellm
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from instrumentation import LiteLLMInstrumentor
from instrumentation.metrics import DURATION_BUCKETS, TOKEN_BUCKETS

from .conftest import MODEL
from .helpers import expected_cost
from .openai_bodies import error_body
from .openai_server import Scripted

HI = [{"role": "user", "content": "hi"}]
CHAT = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": MODEL}


@pytest.fixture
def reader(tracer_provider):
    reader = InMemoryMetricReader()
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracer_provider, meter_provider=MeterProvider(metric_readers=[reader])
    )
    yield reader
    instrumentor.uninstrument()


def _points(reader: InMemoryMetricReader) -> dict[str, list]:
    data = reader.get_metrics_data()
    return {
        metric.name: list(metric.data.data_points)
        for resource_metrics in data.resource_metrics
        for scope_metrics in resource_metrics.scope_metrics
        for metric in scope_metrics.metrics
    }


async def test_metrics_of_successes_errors_and_streams(reader, openai_server, call_args):
    openai_server.script(
        "/v1/chat/completions", Scripted(), Scripted(), Scripted(status=429, body=error_body("slow down"))
    )
    litellm.completion(model=MODEL, messages=HI, **call_args)
    await litellm.acompletion(model=MODEL, messages=HI, **call_args)
    with pytest.raises(litellm.RateLimitError):
        litellm.completion(model=MODEL, messages=HI, **call_args)
    stream = litellm.completion(
        model=MODEL, messages=HI, stream=True, stream_options={"include_usage": True}, **call_args
    )
    for _ in stream:
        pass

    points = _points(reader)
    durations = {tuple(sorted(p.attributes.items())): p for p in points["gen_ai.client.operation.duration"]}
    ok = durations[tuple(sorted(CHAT.items()))]
    failed = durations[tuple(sorted((CHAT | {"error.type": "litellm.exceptions.RateLimitError"}).items()))]
    assert (ok.count, failed.count) == (3, 1)
    assert tuple(ok.explicit_bounds) == DURATION_BUCKETS
    assert 0 < ok.sum < 10

    tokens = {p.attributes["gen_ai.token.type"]: p for p in points["gen_ai.client.token.usage"]}
    assert set(tokens) == {"input", "output"}
    assert (tokens["input"].count, tokens["input"].sum) == (3, 36)
    assert (tokens["output"].count, tokens["output"].sum) == (3, 21)
    assert tuple(tokens["input"].explicit_bounds) == TOKEN_BUCKETS
    assert dict(tokens["input"].attributes) == CHAT | {"gen_ai.token.type": "input"}

    (first_chunk,) = points["gen_ai.client.operation.time_to_first_chunk"]
    assert first_chunk.count == 1
    assert dict(first_chunk.attributes) == CHAT

    (cost,) = points["llm.client.cost"]
    assert cost.value == pytest.approx(3 * expected_cost("gpt-4o-mini", 12, 7))
