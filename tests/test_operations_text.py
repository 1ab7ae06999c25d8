"""Text completion and the Responses API over real HTTP, sync and async, plain and streamed: one span per
call with the request's shape, the response's identity and choices, reported or estimated usage, cost.
"""

from __future__ import annotations

import litellm
import pytest

from .conftest import only_span
from .helpers import expected_cost
from .openai_bodies import DEFAULT_TEXT
from .operations_support import (
    ASYNC,
    INSTRUCT_MODEL,
    RESPONSES_EVENTS,
    RESPONSES_MODEL,
    TEXT_COMPLETION_CHUNKS,
    assert_absent,
    assert_attributes,
    assert_operation_span,
    assert_stream_timing,
    invoke,
)

pytestmark = pytest.mark.usefixtures("instrument")


# --- Text completion ----------------------------------------------------------------------------------------


@ASYNC
def test_text_completion_span(is_async, openai_server, exporter, call_args):
    response, _ = invoke(
        "text_completion", is_async, model=INSTRUCT_MODEL, prompt="Say hi", max_tokens=20, **call_args
    )

    assert response.choices[0].text == DEFAULT_TEXT
    span = only_span(exporter)
    assert_operation_span(span, "text_completion", INSTRUCT_MODEL, "openai", openai_server.base_url)
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.request.max_tokens": 20,
            "llm.request.content_length": len("Say hi"),
            "llm.response.id": "cmpl-test",
            "llm.response.model": "gpt-3.5-turbo-instruct",
            "llm.response.choices_count": 1,
            "llm.response.finish_reason": "stop",
            "llm.response.finish_reasons": ("stop",),
            "llm.response.content_length": len(DEFAULT_TEXT),
            "llm.usage.prompt_tokens": 12,
            "llm.usage.completion_tokens": 7,
            "llm.usage.total_tokens": 19,
            "gen_ai.usage.input_tokens": 12,
            "gen_ai.usage.output_tokens": 7,
        },
    )
    assert_absent(attributes, "llm.usage.estimated", "llm.response.is_streaming")
    assert attributes["llm.cost.total_usd"] == pytest.approx(
        expected_cost("gpt-3.5-turbo-instruct", 12, 7), rel=1e-9
    )
    assert attributes["llm.response.tokens_per_second"] > 0


def test_text_completion_of_several_prompts(openai_server, exporter, call_args):
    invoke("text_completion", False, model=INSTRUCT_MODEL, prompt=["One", "Two three"], **call_args)

    attributes = only_span(exporter).attributes
    assert_attributes(
        attributes,
        {
            "llm.request.content_length": len("One") + len("Two three"),
            "llm.response.choices_count": 2,
            "llm.response.finish_reasons": ("stop", "stop"),
            "llm.response.content_length": 2 * len(DEFAULT_TEXT),
        },
    )


@ASYNC
def test_text_completion_stream_span(is_async, openai_server, exporter, call_args):
    _, chunks = invoke(
        "text_completion",
        is_async,
        stream=True,
        model=INSTRUCT_MODEL,
        prompt="Say hi",
        stream_options={"include_usage": True},
        **call_args,
    )

    assert "".join(chunk.choices[0].text or "" for chunk in chunks if chunk.choices) == DEFAULT_TEXT
    assert len(chunks) == TEXT_COMPLETION_CHUNKS
    span = only_span(exporter)
    assert_operation_span(
        span, "text_completion", INSTRUCT_MODEL, "openai", openai_server.base_url, stream=True
    )
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.response.is_streaming": True,
            "llm.response.stream_completed": True,
            "llm.response.chunk_count": TEXT_COMPLETION_CHUNKS,
            "llm.response.id": "cmpl-stream",
            "llm.response.model": "gpt-3.5-turbo-instruct",
            "llm.response.finish_reason": "stop",
            "llm.response.content_length": len(DEFAULT_TEXT),
            "llm.usage.prompt_tokens": 12,
            "llm.usage.completion_tokens": 7,
            "llm.usage.total_tokens": 19,
        },
    )
    assert_absent(attributes, "llm.usage.estimated", "llm.usage.reasoning_tokens", "llm.usage.cached_tokens")
    assert_stream_timing(attributes, span)


@ASYNC
def test_text_completion_stream_without_usage_is_estimated(is_async, openai_server, exporter, call_args):
    """Without `include_usage` the provider sends no usage: LiteLLM's count, marked as an estimate."""
    _, chunks = invoke(
        "text_completion", is_async, stream=True, model=INSTRUCT_MODEL, prompt="Say hi", **call_args
    )

    span = only_span(exporter)
    attributes = span.attributes
    assert attributes["llm.response.chunk_count"] == len(chunks) == TEXT_COMPLETION_CHUNKS - 1
    assert attributes["llm.usage.estimated"] is True
    prompt = litellm.token_counter(model=INSTRUCT_MODEL, messages=[{"role": "user", "content": "Say hi"}])
    completion = litellm.token_counter(model=INSTRUCT_MODEL, text=DEFAULT_TEXT, count_response_tokens=True)
    assert_attributes(
        attributes,
        {
            "llm.usage.prompt_tokens": prompt,
            "llm.usage.completion_tokens": completion,
            "llm.usage.total_tokens": prompt + completion,
        },
    )


@ASYNC
@pytest.mark.parametrize("include_usage", [True, False], ids=["reported", "estimated"])
def test_text_completion_stream_is_priced(is_async, include_usage, openai_server, exporter, call_args):
    options = {"stream_options": {"include_usage": True}} if include_usage else {}
    invoke(
        "text_completion",
        is_async,
        stream=True,
        model=INSTRUCT_MODEL,
        prompt="Say hi",
        **options,
        **call_args,
    )

    attributes = only_span(exporter).attributes
    expected = expected_cost(
        "gpt-3.5-turbo-instruct",
        attributes["llm.usage.prompt_tokens"],
        attributes["llm.usage.completion_tokens"],
    )
    assert attributes.get("llm.cost.total_usd") == pytest.approx(expected, rel=1e-9)


# --- Responses API ------------------------------------------------------------------------------------------


@ASYNC
def test_responses_span(is_async, openai_server, exporter, call_args):
    response, _ = invoke(
        "responses", is_async, model=RESPONSES_MODEL, input="Hello there", temperature=0.2, **call_args
    )

    assert response.output[0].content[0].text == DEFAULT_TEXT
    span = only_span(exporter)
    assert_operation_span(span, "responses", RESPONSES_MODEL, "openai", openai_server.base_url)
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.request.temperature": 0.2,
            "llm.request.messages_count": 1,
            "llm.request.message_roles": ("user",),
            "llm.request.content_length": len("Hello there"),
            "llm.request.multimodal": False,
            # LiteLLM rewrites the provider's id (it encodes the provider in it): the caller's id.
            "llm.response.id": response.id,
            "gen_ai.response.id": response.id,
            "llm.response.model": "gpt-4o-mini",
            "llm.response.choices_count": 1,
            "llm.response.finish_reason": "completed",
            "llm.response.content_length": len(DEFAULT_TEXT),
            "llm.response.tool_calls_count": 0,
            "llm.usage.prompt_tokens": 12,
            "llm.usage.completion_tokens": 7,
            "llm.usage.total_tokens": 19,
            # The server reports 0 cached and 0 reasoning tokens: LiteLLM fills the same zeros in
            # when nothing was reported, so a zero detail count is left out.
        },
    )
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)


def test_responses_input_items(openai_server, exporter, call_args):
    items = [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
            ],
        },
    ]

    invoke("responses", False, model=RESPONSES_MODEL, input=items, **call_args)

    assert_attributes(
        only_span(exporter).attributes,
        {
            "llm.request.messages_count": 2,
            "llm.request.message_roles": ("system", "user"),
            "llm.request.content_length": len("Be brief.") + len("What is this?"),
            "llm.request.multimodal": True,
        },
    )


@ASYNC
def test_responses_stream_span(is_async, openai_server, exporter, call_args):
    _, events = invoke(
        "responses", is_async, stream=True, model=RESPONSES_MODEL, input="Hello there", **call_args
    )

    assert [event.type for event in events][-1] == "response.completed"
    assert len(events) == RESPONSES_EVENTS
    span = only_span(exporter)
    assert_operation_span(span, "responses", RESPONSES_MODEL, "openai", openai_server.base_url, stream=True)
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.response.is_streaming": True,
            "llm.response.stream_completed": True,
            "llm.response.chunk_count": RESPONSES_EVENTS,
            "llm.response.id": events[-1].response.id,
            "llm.response.model": "gpt-4o-mini",
            "llm.response.finish_reason": "completed",
            "llm.response.content_length": len(DEFAULT_TEXT),
            "llm.usage.prompt_tokens": 12,
            "llm.usage.completion_tokens": 7,
            "llm.usage.total_tokens": 19,
        },
    )
    assert_stream_timing(attributes, span)
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)
