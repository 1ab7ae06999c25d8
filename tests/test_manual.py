"""Manual tracking: calls made without LiteLLM get the same span shape, in the same places."""

from __future__ import annotations

import time

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from instrumentation import arecord_llm_call, llm_context, record_llm_call, track_llm_call

from .conftest import only_span
from .helpers import expected_cost

pytestmark = pytest.mark.usefixtures("instrument")


def test_tracked_call_with_tokens_and_cost(exporter):
    with (
        llm_context(session_id="s-1"),
        track_llm_call(
            api_provider="deepgram", api_type="stt", model="nova-2", operation="transcription", user_id="u-1"
        ) as call,
    ):
        call.update_tokens(input_tokens=0, output_tokens=42)
        call.set_cost(0.0043)

    span = only_span(exporter)
    assert span.name == "transcription nova-2"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    attributes = dict(span.attributes)
    assert attributes == {
        "llm.response.tokens_per_second": 42 / ((span.end_time - span.start_time) / 1e9),
        "llm.vendor": "manual",
        "llm.provider": "deepgram",
        "llm.api_type": "stt",
        "llm.operation": "transcription",
        "llm.request.model": "nova-2",
        "llm.request.stream": False,
        "llm.context.user_id": "u-1",
        "llm.context.session_id": "s-1",
        "llm.usage.prompt_tokens": 0,
        "llm.usage.completion_tokens": 42,
        "llm.usage.total_tokens": 42,
        "llm.cost.total_usd": 0.0043,
        "gen_ai.operation.name": "transcription",
        "gen_ai.provider.name": "deepgram",
        "gen_ai.request.model": "nova-2",
        "gen_ai.request.stream": False,
        "gen_ai.usage.input_tokens": 0,
        "gen_ai.usage.output_tokens": 42,
    }


async def test_async_tracked_call_estimates_cost_from_litellm_prices(exporter):
    async with track_llm_call(api_provider="openai", model="gpt-4o-mini") as call:
        call.update_tokens(input_tokens=100, output_tokens=50)

    expected = expected_cost("gpt-4o-mini", 100, 50)
    attributes = only_span(exporter).attributes
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)
    assert attributes["llm.operation"] == "chat"


def test_the_cost_lookup_is_not_part_of_the_measured_duration(exporter, monkeypatch):
    """The first lookup imports LiteLLM (seconds): the span ends when the caller's block does."""
    from instrumentation import litellm_lookups

    lookups: list[int] = []

    def slow_cost(*args):
        lookups.append(time.time_ns())
        time.sleep(0.5)
        return None

    monkeypatch.setattr(litellm_lookups, "price", slow_cost)
    with track_llm_call(api_provider="openai", model="gpt-4o-mini") as call:
        call.update_tokens(input_tokens=1, output_tokens=1)
        block_done = time.time_ns()

    span = only_span(exporter)
    (lookup_started,) = lookups
    # Relations, not a duration bound: true on any machine, and false by 0.5 s if the lookup were timed.
    assert block_done <= span.end_time <= lookup_started


def test_an_exception_is_recorded_and_re_raised_unchanged(exporter):
    error = TimeoutError("OCR service timed out")

    with (
        pytest.raises(TimeoutError) as raised,
        track_llm_call(api_provider="tesseract", api_type="ocr", model="tess-5", operation="ocr"),
    ):
        raise error

    assert raised.value is error
    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["llm.error.category"] == "timeout"
    assert span.attributes["llm.error.message"] == "OCR service timed out"
    assert span.attributes["error.type"] == "TimeoutError"


def test_set_error_marks_the_call_failed(exporter):
    with track_llm_call(api_provider="deepl", api_type="translation", model="deepl-v2") as call:
        call.set_error("quota exceeded")

    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["llm.error.message"] == "quota exceeded"


def test_record_a_call_that_already_happened(exporter):
    before = time.time_ns()
    record_llm_call(
        api_provider="anthropic",
        model="claude-x",
        latency=0.8,
        input_tokens=10,
        output_tokens=5,
        cost=0.001,
        response_model="claude-x-2025",
        workspace="w-1",
        tags={"route": "a"},
    )
    after = time.time_ns()

    span = only_span(exporter)
    assert span.end_time - span.start_time == pytest.approx(0.8e9, abs=1e6)
    assert before <= span.end_time <= after
    attributes = span.attributes
    assert (attributes["llm.usage.total_tokens"], attributes["llm.cost.total_usd"]) == (15, 0.001)
    assert attributes["llm.response.model"] == "claude-x-2025"
    assert attributes["llm.context.workspace"] == "w-1"
    assert attributes["llm.context.tags.route"] == "a"


async def test_arecord_with_an_error(exporter):
    await arecord_llm_call(api_provider="openai", model="gpt-4o-mini", latency=0.1, error="upstream 503")

    span = only_span(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["llm.error.message"] == "upstream 503"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"api_provider": "", "model": "m"}, "non-empty string api_provider"),
        ({"api_provider": "p", "model": None}, "non-empty string model"),
        ({"api_provider": "p", "model": "m", "user": "x"}, "unknown ids"),
    ],
)
def test_bad_arguments_are_refused_clearly(arguments, message):
    with pytest.raises((ValueError, TypeError), match=message):
        track_llm_call(**arguments)


def test_bad_counts_are_refused_clearly():
    with (
        track_llm_call(api_provider="p", model="m") as call,
        pytest.raises(ValueError, match="non-negative ints"),
    ):
        call.update_tokens(input_tokens=-1)
