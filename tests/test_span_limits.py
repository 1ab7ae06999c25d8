"""The SDK's span attribute limit never costs a span what matters: tags and optional attributes give way
first, deterministically, the span says how many tags it left off, and the SDK never has to evict."""

from __future__ import annotations

import litellm
import pytest
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor, llm_context

from .conftest import MODEL, only_span
from .helpers import expected_cost
from .openai_bodies import error_body
from .openai_server import Scripted

HI = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"
TAGS = {f"t{index:03d}": index for index in range(300)}
IDS = {"user_id": "u-1", "session_id": "s-1", "agent": "planner", "workspace": "w-1"}


@pytest.fixture(params=[None, 40], ids=["default-128", "env-40"])
def limited(request, monkeypatch):
    """A provider and an instrumentation under the default limit, or under OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT."""
    if request.param is not None:
        monkeypatch.setenv("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", str(request.param))
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    yield exporter, request.param or 128
    instrumentor.uninstrument()


def _check_identity(attributes: dict) -> None:
    """The protected attributes that say who made which call."""
    assert {name: attributes[f"llm.context.{name}"] for name in IDS} == IDS
    assert (attributes["llm.operation"], attributes["llm.provider"], attributes["llm.request.model"]) == (
        "chat",
        "openai",
        MODEL,
    )


def _kept_within_limit(span, limit: int) -> dict:
    attributes = dict(span.attributes)
    assert span.dropped_attributes == 0  # We fitted the span; the SDK evicted nothing.
    assert len(attributes) <= limit
    _check_identity(attributes)
    kept = sorted(name.removeprefix("llm.context.tags.") for name in attributes if ".tags." in name)
    assert kept == sorted(TAGS)[: len(kept)]  # The first in name order stay.
    assert attributes["llm.context.tags_dropped"] == len(TAGS) - len(kept)
    return attributes


def test_a_call_with_300_tags_keeps_every_protected_attribute(limited, call_args):
    exporter, limit = limited
    with llm_context(tags=TAGS, **IDS):
        litellm.completion(model=MODEL, messages=HI, temperature=0.2, **call_args)

    attributes = _kept_within_limit(only_span(exporter), limit)
    assert (
        attributes["llm.usage.prompt_tokens"],
        attributes["llm.usage.completion_tokens"],
        attributes["llm.usage.total_tokens"],
    ) == (12, 7, 19)
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)
    if limit == 128:
        assert attributes["llm.request.temperature"] == 0.2  # Room for the optional ones too.
        assert attributes["gen_ai.usage.output_tokens"] == 7


def test_a_failed_call_with_300_tags_keeps_its_error(limited, call_args, openai_server):
    exporter, limit = limited
    openai_server.script(CHAT, Scripted(status=429, body=error_body("slow down")))
    with llm_context(tags=TAGS, **IDS), pytest.raises(litellm.RateLimitError):
        litellm.completion(model=MODEL, messages=HI, **call_args)

    span = only_span(exporter)
    attributes = _kept_within_limit(span, limit)
    assert attributes["llm.error.category"] == "rate_limit"
    assert attributes["llm.error.status_code"] == 429
    assert attributes["error.type"] == "litellm.exceptions.RateLimitError"
    assert span.status.description.startswith("RateLimitError: ")


def test_one_tag_stays_when_there_is_room(limited, call_args):
    exporter, limit = limited
    with llm_context(tags={"tier": "pro"}, **IDS):
        litellm.completion(model=MODEL, messages=HI, **call_args)

    span = only_span(exporter)
    assert span.dropped_attributes == 0
    attributes = span.attributes
    if limit == 128:
        assert attributes["llm.context.tags.tier"] == "pro"
        assert "llm.context.tags_dropped" not in attributes
    else:  # 40 leaves no room beside what the outcome needs: the tag gives way, and the span says so.
        assert "llm.context.tags.tier" not in attributes
        assert attributes["llm.context.tags_dropped"] == 1
        assert attributes["llm.usage.total_tokens"] == 19


def test_a_providers_own_lower_limit_still_keeps_the_protected_attributes(call_args):
    """`SpanLimits` given to the provider is not visible before the SDK evicts: the protected attributes
    are set last and again after its first eviction, and the evicted tags are counted."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(span_limits=SpanLimits(max_span_attributes=40))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    try:
        with llm_context(tags=TAGS, **IDS):
            litellm.completion(model=MODEL, messages=HI, **call_args)
    finally:
        instrumentor.uninstrument()

    span = only_span(exporter)
    attributes = dict(span.attributes)
    assert len(attributes) == 40
    _check_identity(attributes)
    assert (attributes["llm.usage.total_tokens"], attributes["llm.vendor"]) == (19, "litellm")
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)
    kept = [name for name in attributes if name.startswith("llm.context.tags.")]
    assert attributes["llm.context.tags_dropped"] == len(TAGS) - len(kept)
