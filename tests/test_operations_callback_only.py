"""The callback-only path: entry points bound before `instrument()` (what `from litellm import embedding`
at the top of an app gives) are seen only through LiteLLM's hooks, and still make one full span each.
"""

from __future__ import annotations

import io

import pytest

from .helpers import expected_cost, expected_rerank_cost, expected_transcription_cost
from .openai_bodies import DEFAULT_AUDIO_DURATION, DEFAULT_TEXT, DEFAULT_TRANSCRIPT
from .operations_support import (
    AUDIO,
    DOCUMENTS,
    EMBEDDING_MODEL,
    INSTRUCT_MODEL,
    RERANK_MODEL,
    RESPONSES_EVENTS,
    RESPONSES_MODEL,
    TEXT_COMPLETION_CHUNKS,
    UNWRAPPED_AEMBEDDING,
    UNWRAPPED_ARESPONSES,
    UNWRAPPED_ATEXT_COMPLETION,
    UNWRAPPED_EMBEDDING,
    UNWRAPPED_RERANK,
    UNWRAPPED_RESPONSES,
    UNWRAPPED_TEXT_COMPLETION,
    UNWRAPPED_TRANSCRIPTION,
    WHISPER,
    assert_absent,
    assert_attributes,
    assert_callback_stream,
    assert_operation_span,
    run_unwrapped,
    settled_spans,
)

pytestmark = pytest.mark.usefixtures("instrument")


def test_callback_only_embedding(openai_server, exporter, call_args):
    (response,) = run_unwrapped(UNWRAPPED_EMBEDDING, model=EMBEDDING_MODEL, input=["a", "b"], **call_args)

    assert len(response.data) == 2
    (span,) = settled_spans(exporter)
    assert_operation_span(
        span, "embeddings", EMBEDDING_MODEL, "openai", openai_server.base_url, callback=True
    )
    assert_attributes(
        span.attributes,
        {
            "llm.response.embedding_dimensions": 8,
            "llm.usage.prompt_tokens": 5,
            "llm.usage.total_tokens": 5,
        },
    )
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(
        expected_cost("text-embedding-3-small", 5, 0), rel=1e-9
    )


def test_callback_only_async_embedding(openai_server, exporter, call_args):
    run_unwrapped(UNWRAPPED_AEMBEDDING, model=EMBEDDING_MODEL, input="a", **call_args)

    (span,) = settled_spans(exporter)
    assert_operation_span(
        span, "embeddings", EMBEDDING_MODEL, "openai", openai_server.base_url, callback=True
    )
    assert span.attributes["llm.usage.prompt_tokens"] == 5


@pytest.mark.parametrize("entry", ["embedding", "transcription"])
def test_callback_only_span_has_the_request_attributes(entry, openai_server, exporter, call_args):
    if entry == "embedding":
        run_unwrapped(UNWRAPPED_EMBEDDING, model=EMBEDDING_MODEL, input=["a", "b"], **call_args)
        expected = {"llm.request.input_count": 2}
    else:
        run_unwrapped(UNWRAPPED_TRANSCRIPTION, model=WHISPER, file=("a.wav", AUDIO), **call_args)
        expected = {"llm.request.audio_bytes": len(AUDIO)}

    (span,) = settled_spans(exporter)
    assert_attributes(span.attributes, expected)


# LiteLLM tells its hooks the model without the caller's prefix, and routes `openai/` text completions to
# its "text-completion-openai" provider: the callback can only name the model after that route.
CALLBACK_INSTRUCT_MODEL = "text-completion-openai/gpt-3.5-turbo-instruct"


@pytest.mark.parametrize(
    ("function", "stream"),
    [
        (UNWRAPPED_TEXT_COMPLETION, False),
        (UNWRAPPED_TEXT_COMPLETION, True),
        (UNWRAPPED_ATEXT_COMPLETION, True),
    ],
    ids=["sync", "sync-stream", "async-stream"],
)
def test_callback_only_text_completion(function, stream, openai_server, exporter, call_args):
    options = {"stream_options": {"include_usage": True}} if stream else {}

    chunks = run_unwrapped(
        function, model=INSTRUCT_MODEL, prompt="Say hi", stream=stream, **options, **call_args
    )

    if stream:
        assert len(chunks) == TEXT_COMPLETION_CHUNKS
    (span,) = settled_spans(exporter)
    assert_operation_span(
        span,
        "text_completion",
        CALLBACK_INSTRUCT_MODEL,
        "text-completion-openai",
        openai_server.base_url,
        stream=stream,
        callback=True,
    )
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.response.model": "gpt-3.5-turbo-instruct",
            "llm.response.content_length": len(DEFAULT_TEXT),
            "llm.response.finish_reason": "stop",
            "llm.usage.prompt_tokens": 12,
            "llm.usage.completion_tokens": 7,
            "llm.usage.total_tokens": 19,
        },
    )
    assert attributes["llm.cost.total_usd"] == pytest.approx(
        expected_cost("gpt-3.5-turbo-instruct", 12, 7), rel=1e-9
    )
    if stream:
        assert_callback_stream(attributes, span)


def test_callback_only_stream_has_no_made_up_detail_counts(openai_server, exporter, call_args):
    run_unwrapped(
        UNWRAPPED_TEXT_COMPLETION,
        model=INSTRUCT_MODEL,
        prompt="Say hi",
        stream=True,
        stream_options={"include_usage": True},
        **call_args,
    )

    (span,) = settled_spans(exporter)
    assert span.attributes["llm.usage.prompt_tokens"] == 12
    assert_absent(span.attributes, "llm.usage.reasoning_tokens", "llm.usage.cached_tokens")


@pytest.mark.parametrize(
    ("function", "stream"),
    [
        (UNWRAPPED_RESPONSES, False),
        (UNWRAPPED_RESPONSES, True),
        (UNWRAPPED_ARESPONSES, False),
        (UNWRAPPED_ARESPONSES, True),
    ],
    ids=["sync", "sync-stream", "async", "async-stream"],
)
def test_callback_only_responses(function, stream, openai_server, exporter, call_args):
    """LiteLLM fires both its sync and its async success hook for a sync Responses stream: still one span."""
    results = run_unwrapped(function, model=RESPONSES_MODEL, input="Hello there", stream=stream, **call_args)

    response = results[-1].response if stream else results[0]
    if stream:
        assert len(results) == RESPONSES_EVENTS
    (span,) = settled_spans(exporter)
    assert_operation_span(
        span, "responses", RESPONSES_MODEL, "openai", openai_server.base_url, stream=stream, callback=True
    )
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.response.id": response.id,
            "llm.response.model": "gpt-4o-mini",
            "llm.response.finish_reason": "completed",
            "llm.response.content_length": len(DEFAULT_TEXT),
            "llm.usage.prompt_tokens": 12,
            "llm.usage.completion_tokens": 7,
            "llm.usage.total_tokens": 19,
        },
    )
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected_cost("gpt-4o-mini", 12, 7), rel=1e-9)
    if stream:
        assert_callback_stream(attributes, span)


def test_callback_only_transcription(openai_server, exporter, call_args):
    (response,) = run_unwrapped(UNWRAPPED_TRANSCRIPTION, model=WHISPER, file=io.BytesIO(AUDIO), **call_args)

    assert response.text == DEFAULT_TRANSCRIPT
    (span,) = settled_spans(exporter)
    assert_operation_span(span, "transcription", WHISPER, "openai", openai_server.base_url, callback=True)
    assert_attributes(
        span.attributes,
        {
            "llm.response.content_length": len(DEFAULT_TRANSCRIPT),
            "llm.response.audio_duration": DEFAULT_AUDIO_DURATION,
        },
    )
    expected = expected_transcription_cost(DEFAULT_AUDIO_DURATION)
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


def test_callback_only_rerank(openai_server, exporter, call_args):
    run_unwrapped(
        UNWRAPPED_RERANK, model=RERANK_MODEL, query="cat food", documents=DOCUMENTS, top_n=2, **call_args
    )

    (span,) = settled_spans(exporter)
    assert_operation_span(span, "rerank", RERANK_MODEL, "cohere", openai_server.base_url, callback=True)
    assert_attributes(
        span.attributes,
        {
            "llm.request.query_length": len("cat food"),
            "llm.request.documents_count": 4,
            "llm.request.top_n": 2,
            "llm.response.results_count": 2,
            "llm.response.id": "rerank-test",
        },
    )
    expected = expected_rerank_cost(searches=1)
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)
