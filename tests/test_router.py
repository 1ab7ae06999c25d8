"""`litellm.Router`: one span per Router call, whatever retries and fallbacks it makes, carrying the
attempt that served (or the last error) and an `llm.attempt` event per failed attempt."""

from __future__ import annotations

import litellm
import pytest
from opentelemetry.trace import StatusCode

from .conftest import MODEL, settled_spans
from .helpers import expected_cost
from .openai_bodies import error_body
from .openai_server import Scripted

pytestmark = pytest.mark.usefixtures("instrument")

HI = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"
TEXT = "Hello from the test server!"


def rate_limited() -> Scripted:
    return Scripted(status=429, body=error_body("slow down"))


@pytest.fixture
def router(call_args):
    deployment = {"api_base": call_args["api_base"], "api_key": call_args["api_key"], "max_retries": 0}
    return litellm.Router(
        model_list=[
            {
                "model_name": "primary",
                "litellm_params": {"model": MODEL, **deployment},
                "model_info": {"id": "p-1"},
            },
            {
                "model_name": "backup",
                "litellm_params": {"model": MODEL, **deployment},
                "model_info": {"id": "b-1"},
            },
        ],
        fallbacks=[{"primary": ["backup"]}],
        num_retries=0,
    )


def _text(result, stream: bool) -> str:
    if stream:
        return "".join(chunk.choices[0].delta.content or "" for chunk in result if chunk.choices)
    return result.choices[0].message.content


async def _atext(result, stream: bool) -> str:
    if stream:
        return "".join([chunk.choices[0].delta.content or "" async for chunk in result if chunk.choices])
    return result.choices[0].message.content


def _attempt_events(span) -> list[dict]:
    return [dict(event.attributes) for event in span.events if event.name == "llm.attempt"]


# Sync Router calls are made from sync tests: LiteLLM 1.108's sync Router runs its attempts in a thread
# without the caller's context when an event loop is running, where they would be spans of their own.
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
def test_a_sync_fallback_is_one_span_of_the_group_asked_for(stream, router, openai_server, exporter):
    openai_server.script(CHAT, rate_limited())

    assert _text(router.completion(model="primary", messages=HI, stream=stream), stream) == TEXT
    _check_fallback_span(exporter, stream)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
async def test_an_async_fallback_is_one_span_of_the_group_asked_for(stream, router, openai_server, exporter):
    openai_server.script(CHAT, rate_limited())

    result = await router.acompletion(model="primary", messages=HI, stream=stream)
    assert await _atext(result, stream) == TEXT
    _check_fallback_span(exporter, stream)


def _check_fallback_span(exporter, stream: bool) -> None:
    (span,) = settled_spans(exporter, 1)
    assert span.name == "chat primary"
    assert span.parent is None  # Called from a root context: one trace, this span its root.
    assert span.status.status_code is StatusCode.UNSET
    attributes = span.attributes
    assert attributes["llm.router.model_group"] == "primary"
    assert attributes["llm.request.model"] == "primary"
    assert attributes["llm.router.deployment"] == "b-1"
    assert attributes["llm.router.fallbacks"] == 1
    assert attributes["llm.request.attempts"] == 2
    assert attributes["llm.provider"] == "openai"
    assert attributes["llm.response.model"] == "gpt-4o-mini"
    if not stream:
        assert attributes["llm.usage.total_tokens"] == 19
        assert attributes["llm.cost.total_usd"] == pytest.approx(
            expected_cost("gpt-4o-mini", 12, 7), rel=1e-9
        )
    (attempt,) = _attempt_events(span)
    assert attempt.pop("llm.attempt.duration") > 0
    assert attempt.pop("llm.error.message").startswith("litellm.RateLimitError: ")
    assert attempt == {
        "llm.attempt.index": 0,
        "llm.request.model": MODEL,
        "llm.router.deployment": "p-1",
        "llm.error.type": "RateLimitError",
        "llm.error.category": "rate_limit",
        "llm.error.status_code": 429,
    }
    (event,) = [event for event in span.events if event.name == "llm.attempt"]
    assert span.start_time < event.timestamp < span.end_time


def test_when_every_deployment_fails_the_span_has_the_error_and_every_attempt(
    router, openai_server, exporter
):
    openai_server.script(CHAT, rate_limited(), rate_limited())

    with pytest.raises(litellm.RateLimitError):
        router.completion(model="primary", messages=HI)
    _check_failed_span(exporter)


async def test_when_every_deployment_fails_asynchronously_too(router, openai_server, exporter):
    openai_server.script(CHAT, rate_limited(), rate_limited())

    with pytest.raises(litellm.RateLimitError):
        await router.acompletion(model="primary", messages=HI)
    _check_failed_span(exporter)


def _check_failed_span(exporter) -> None:
    (span,) = settled_spans(exporter, 1)
    assert span.status.status_code is StatusCode.ERROR
    attributes = span.attributes
    assert attributes["llm.error.category"] == "rate_limit"
    assert attributes["llm.router.deployment"] == "b-1"  # The last one tried.
    assert attributes["llm.router.fallbacks"] == 1
    assert attributes["llm.request.attempts"] == 2
    attempts = _attempt_events(span)
    assert [(a["llm.attempt.index"], a["llm.router.deployment"]) for a in attempts] == [
        (0, "p-1"),
        (1, "b-1"),
    ]
    assert [a["llm.error.status_code"] for a in attempts] == [429, 429]


def test_a_call_served_at_once_has_no_attempts_to_tell(router, exporter):
    router.completion(model="primary", messages=HI)

    (span,) = settled_spans(exporter, 1)
    attributes = span.attributes
    assert attributes["llm.router.deployment"] == "p-1"
    assert "llm.request.attempts" not in attributes
    assert "llm.router.fallbacks" not in attributes
    assert _attempt_events(span) == []


def test_a_retry_within_the_group_is_an_attempt_not_a_fallback(call_args, openai_server, exporter):
    deployment = {"api_base": call_args["api_base"], "api_key": call_args["api_key"], "max_retries": 0}
    router = litellm.Router(
        model_list=[
            {
                "model_name": "primary",
                "litellm_params": {"model": MODEL, **deployment},
                "model_info": {"id": "p-1"},
            }
        ],
        num_retries=1,
        retry_after=0,
    )
    openai_server.script(CHAT, rate_limited())

    router.completion(model="primary", messages=HI)

    (span,) = settled_spans(exporter, 1)
    attributes = span.attributes
    assert attributes["llm.request.attempts"] == 2
    assert "llm.router.fallbacks" not in attributes
    assert [a["llm.router.deployment"] for a in _attempt_events(span)] == ["p-1"]


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
async def test_litellms_own_retries_are_attempts_of_one_span(
    is_async, stream, openai_server, exporter, call_args
):
    """`num_retries=1`: LiteLLM first lets the OpenAI client retry once inside the attempt (two 429s),
    then retries itself: one span, two attempts, the first an event."""
    openai_server.script(CHAT, rate_limited(), rate_limited())

    arguments = {**call_args, "num_retries": 1, "stream": stream}
    if is_async:
        text = await _atext(await litellm.acompletion(model=MODEL, messages=HI, **arguments), stream)
    else:
        text = _text(litellm.completion(model=MODEL, messages=HI, **arguments), stream)

    assert text == TEXT
    assert len([request for request in openai_server.requests if request.path == CHAT]) == 3
    (span,) = settled_spans(exporter, 1)
    assert span.name == f"chat {MODEL}"
    assert span.status.status_code is StatusCode.UNSET
    assert span.attributes["llm.request.attempts"] == 2
    assert "llm.router.fallbacks" not in span.attributes
    ((index, category, status),) = [
        (a["llm.attempt.index"], a["llm.error.category"], a["llm.error.status_code"])
        for a in _attempt_events(span)
    ]
    assert (index, category, status) == (0, "rate_limit", 429)


def test_a_fallback_is_one_stored_call_with_its_attempts(tmp_path, router, openai_server):
    """The statistics see one successful call that took two attempts, not a failure plus a second call."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from instrumentation import LiteLLMInstrumentor
    from instrumentation.analytics import UsageAnalyzer
    from instrumentation.store import StoreSpanExporter

    url = f"jsonl://{tmp_path}/calls.jsonl"
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(StoreSpanExporter(url)))
    instrumentor = LiteLLMInstrumentor()
    instrumentor.uninstrument()  # The module's fixture instrumented with the in-memory provider.
    instrumentor.instrument(tracer_provider=provider)
    openai_server.script(CHAT, rate_limited())
    try:
        router.completion(model="primary", messages=HI)
    finally:
        provider.shutdown()

    stats = UsageAnalyzer(url).get_stats()
    assert (stats.total_calls, stats.successful_calls, stats.failed_calls) == (1, 1, 0)
    assert (stats.retried_calls, stats.total_attempts) == (1, 2)
    assert stats.total_tokens == 19
