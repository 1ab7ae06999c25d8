"""Embeddings, image generation and moderation over real HTTP, sync and async: one span per call, exact
attributes, token usage and cost where LiteLLM prices the model, and never a vector or an image's bytes.
"""

from __future__ import annotations

import litellm
import pytest

from .conftest import only_span
from .helpers import expected_cost, expected_image_cost
from .openai_bodies import TINY_PNG_B64, embedding_vector, moderation_result
from .openai_server import Scripted
from .operations_support import (
    ASYNC,
    DALL_E,
    EMBEDDING_MODEL,
    GPT_IMAGE,
    MODERATION_MODEL,
    USAGE,
    assert_absent,
    assert_attributes,
    assert_operation_span,
    invoke,
)

pytestmark = pytest.mark.usefixtures("instrument")


# --- Embeddings ---------------------------------------------------------------------------------------------


@ASYNC
@pytest.mark.parametrize(
    ("inputs", "count"),
    [(["first text", "second text"], 2), ("just one text", 1), ([101, 2023, 102], 1)],
    ids=["two-strings", "one-string", "token-ids"],
)
def test_embedding_span(is_async, inputs, count, openai_server, exporter, call_args):
    response, _ = invoke(
        "embedding", is_async, model=EMBEDDING_MODEL, input=inputs, dimensions=16, **call_args
    )

    assert len(response.data) == count
    assert response.data[0]["embedding"] == embedding_vector(0, 16)
    span = only_span(exporter)
    assert_operation_span(span, "embeddings", EMBEDDING_MODEL, "openai", openai_server.base_url)
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.request.input_count": count,
            "llm.response.embedding_dimensions": 16,
            "gen_ai.embeddings.dimension.count": 16,
            "llm.response.model": "text-embedding-3-small",
            "llm.usage.prompt_tokens": 5,
            "llm.usage.total_tokens": 5,
            "gen_ai.usage.input_tokens": 5,
        },
    )
    assert attributes["llm.cost.total_usd"] == pytest.approx(
        expected_cost("text-embedding-3-small", 5, 0), rel=1e-9
    )
    assert attributes["llm.cost.total_usd"] > 0
    # No trace of the vectors, not even one of their numbers as text.
    numbers = [str(value) for value in embedding_vector(0, 16)]
    assert not [value for value in attributes.values() if any(number in str(value) for number in numbers)]


# --- Image generation ---------------------------------------------------------------------------------------


@ASYNC
def test_image_generation_span_without_a_price(is_async, openai_server, exporter, call_args):
    """dall-e-3 is not in LiteLLM's price map: no cost, and no usage (DALL-E reports none)."""
    response, _ = invoke(
        "image_generation",
        is_async,
        model=DALL_E,
        prompt="A lighthouse at dawn",
        size="1024x1792",
        quality="hd",
        extra_body={"response_format": "b64_json"},
        **call_args,
    )

    assert response.data[0].b64_json == TINY_PNG_B64
    assert "dall-e-3" not in litellm.model_cost  # What the absence below rests on.
    span = only_span(exporter)
    assert_operation_span(span, "image_generation", DALL_E, "openai", openai_server.base_url)
    assert_attributes(
        span.attributes,
        {
            "llm.request.image_size": "1024x1792",
            "llm.request.image_quality": "hd",
            "llm.response.images_count": 1,
        },
    )
    assert_absent(span.attributes, "llm.cost.total_usd", *USAGE, "gen_ai.usage.input_tokens")


@ASYNC
def test_image_generation_span_with_usage_and_cost(is_async, openai_server, exporter, call_args):
    """GPT Image models report token usage, which LiteLLM prices per text and image token."""
    response, _ = invoke(
        "image_generation",
        is_async,
        model=GPT_IMAGE,
        prompt="A lighthouse at dawn",
        size="1024x1024",
        quality="medium",
        n=2,
        **call_args,
    )

    assert len(response.data) == 2
    span = only_span(exporter)
    assert_operation_span(span, "image_generation", GPT_IMAGE, "openai", openai_server.base_url)
    output_tokens = 2 * 1056
    assert_attributes(
        span.attributes,
        {
            "llm.request.image_size": "1024x1024",
            "llm.request.image_quality": "medium",
            "llm.request.n": 2,
            "llm.response.images_count": 2,
            "llm.usage.prompt_tokens": 12,
            "llm.usage.completion_tokens": output_tokens,
            "llm.usage.total_tokens": 12 + output_tokens,
        },
    )
    expected = expected_image_cost(12, output_tokens)
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


# --- Moderation ---------------------------------------------------------------------------------------------


@ASYNC
@pytest.mark.parametrize(
    ("text", "flagged", "categories"),
    [("I hate you", True, ("harassment", "violence")), ("What a lovely day", False, None)],
    ids=["flagged", "clean"],
)
def test_moderation_span(is_async, text, flagged, categories, openai_server, exporter, call_args):
    """Sync `litellm.moderation` fires no LiteLLM callback at all: the wrapper's span is the only one."""
    response, _ = invoke("moderation", is_async, model=MODERATION_MODEL, input=text, **call_args)

    assert response.results[0].flagged is flagged
    span = only_span(exporter)
    assert_operation_span(span, "moderation", MODERATION_MODEL, "openai", openai_server.base_url)
    assert span.attributes["llm.response.flagged"] is flagged
    if categories is None:
        assert_absent(span.attributes, "llm.response.flagged_categories")
    else:
        assert span.attributes["llm.response.flagged_categories"] == categories
    assert_absent(span.attributes, *USAGE)


def test_moderation_of_several_inputs_flags_if_any_is(openai_server, exporter, call_args):
    invoke(
        "moderation", False, model=MODERATION_MODEL, input=["fine", "I hate this", "also fine"], **call_args
    )

    span = only_span(exporter)
    assert span.attributes["llm.response.flagged"] is True
    assert span.attributes["llm.response.flagged_categories"] == ("harassment", "violence")


def test_moderation_categories_are_named_once_as_the_provider_names_them(openai_server, exporter, call_args):
    result = moderation_result(False)
    result["flagged"] = True
    result["categories"].update({"hate": True, "self-harm/intent": True})
    openai_server.script(
        "/v1/moderations",
        Scripted(body={"id": "modr-1", "model": "omni-moderation-latest", "results": [result]}),
    )

    invoke("moderation", False, model=MODERATION_MODEL, input="anything", **call_args)

    span = only_span(exporter)
    assert span.attributes["llm.response.flagged"] is True
    assert span.attributes["llm.response.flagged_categories"] == ("hate", "self-harm/intent")
