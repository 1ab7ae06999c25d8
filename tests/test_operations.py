"""Every LiteLLM entry point beyond chat, over real HTTP: one span per call, exact names and attributes.

Embeddings, images, moderation, text completion, the Responses API, transcription, speech and rerank, each
sync and async, against the loopback server's realistic answers: the span's name and kind, the operation
in both attribute families, the provider, the operation's own attributes with exact values, token usage
and cost where LiteLLM prices the model (and no cost where it cannot), one error per operation, the two
streaming operations, and the callback-only path (entry points bound before `instrument()`).
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import litellm
import openai
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from .conftest import only_span
from .conftest import settled_spans as settle
from .helpers import (
    expected_cost,
    expected_image_cost,
    expected_rerank_cost,
    expected_speech_cost,
    expected_transcription_cost,
)
from .openai_server import (
    DEFAULT_AUDIO_DURATION,
    DEFAULT_TEXT,
    DEFAULT_TRANSCRIPT,
    TINY_PNG_B64,
    Scripted,
    embedding_vector,
    error_body,
    moderation_result,
)

pytestmark = pytest.mark.usefixtures("instrument")

# Bound before instrument(): what `from litellm import embedding` at the top of an app gives.
UNWRAPPED_EMBEDDING = litellm.embedding
UNWRAPPED_AEMBEDDING = litellm.aembedding
UNWRAPPED_TEXT_COMPLETION = litellm.text_completion
UNWRAPPED_ATEXT_COMPLETION = litellm.atext_completion
UNWRAPPED_RESPONSES = litellm.responses
UNWRAPPED_ARESPONSES = litellm.aresponses
UNWRAPPED_TRANSCRIPTION = litellm.transcription
UNWRAPPED_RERANK = litellm.rerank

EMBEDDING_MODEL = "openai/text-embedding-3-small"
DALL_E = "openai/dall-e-3"
GPT_IMAGE = "openai/gpt-image-1"
MODERATION_MODEL = "openai/omni-moderation-latest"
INSTRUCT_MODEL = "openai/gpt-3.5-turbo-instruct"
RESPONSES_MODEL = "openai/gpt-4o-mini"
WHISPER = "openai/whisper-1"
TTS = "openai/tts-1"
RERANK_MODEL = "cohere/rerank-english-v3.0"

# The GenAI convention's `gen_ai.operation.name` for each `llm.operation` (typed out, not imported).
GEN_AI_OPERATION = {
    "embeddings": "embeddings",
    "image_generation": "generate_content",
    "moderation": "moderation",
    "text_completion": "text_completion",
    "responses": "chat",
    "transcription": "transcription",
    "speech": "speech",
    "rerank": "rerank",
}
# `llm.operation` of each entry point (and of its `a` twin).
OPERATION_OF = {
    "embedding": "embeddings",
    "image_generation": "image_generation",
    "moderation": "moderation",
    "text_completion": "text_completion",
    "responses": "responses",
    "transcription": "transcription",
    "speech": "speech",
    "rerank": "rerank",
}
USAGE = ("llm.usage.prompt_tokens", "llm.usage.completion_tokens", "llm.usage.total_tokens")
# What the server streams for a text completion: one chunk per piece of its 5-piece answer, the finish
# chunk, then (asked for with `stream_options.include_usage`) the usage chunk.
TEXT_COMPLETION_CHUNKS = 7
# The Responses API events of the server's stream: created, in_progress, output_item.added,
# content_part.added, 5 output_text deltas, output_text.done, content_part.done, output_item.done, completed.
RESPONSES_EVENTS = 13
# Time LiteLLM gets to deliver its success/failure hooks (a few ms on its logging thread or worker), so
# that a second span, if the callback made one, would be there to see.
GRACE = 0.12
ASYNC = pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])


# --- Helpers ------------------------------------------------------------------------------------------------


def invoke(entry: str, is_async: bool, *args: Any, stream: bool = False, **kwargs: Any) -> tuple[Any, list]:
    """Call `litellm.<entry>` or `litellm.a<entry>` and return (result, chunks read from a stream), after
    giving LiteLLM's hooks time to run (inside the event loop for async calls, before it closes)."""
    if stream:
        kwargs["stream"] = True

    async def run_async() -> tuple[Any, list]:
        try:
            result = await getattr(litellm, f"a{entry}")(*args, **kwargs)
            chunks = [chunk async for chunk in result] if stream else []
            return result, chunks
        finally:
            await asyncio.sleep(GRACE)

    if is_async:
        return asyncio.run(run_async())
    try:
        result = getattr(litellm, entry)(*args, **kwargs)
        return result, list(result) if stream else []
    finally:
        time.sleep(GRACE)


def run_unwrapped(function: Callable[..., Any], *args: Any, stream: bool = False, **kwargs: Any) -> list:
    """Call an entry point bound before instrument(), sync or async, reading a stream to its end."""
    if stream:
        kwargs["stream"] = True
    if not asyncio.iscoroutinefunction(function):
        result = function(*args, **kwargs)
        return list(result) if stream else [result]

    async def run_async() -> list:
        result = await function(*args, **kwargs)
        chunks = [chunk async for chunk in result] if stream else [result]
        await asyncio.sleep(GRACE)
        return chunks

    return asyncio.run(run_async())


def settled_spans(exporter, expected: int = 1) -> list[ReadableSpan]:
    return settle(exporter, expected, grace=GRACE)


def assert_attributes(attributes: Any, expected: dict[str, Any]) -> None:
    """Each expected attribute is there with exactly that value (tuples for arrays, as the SDK keeps them)."""
    assert {name: attributes.get(name, "<absent>") for name in expected} == expected


def assert_absent(attributes: Any, *names: str) -> None:
    assert [name for name in names if name in attributes] == []


def assert_operation_span(
    span: ReadableSpan,
    operation: str,
    model: str,
    provider: str,
    api_base: str,
    *,
    stream: bool = False,
    callback: bool = False,
) -> None:
    """What every successful call's span carries, whatever its operation. A callback-only span has
    LiteLLM's reported api_base, the endpoint's whole URL: it starts with the one passed."""
    assert span.name == f"{operation} {model}"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert [event.name for event in span.events] == []
    expected = {
        "llm.vendor": "litellm",
        "llm.operation": operation,
        "gen_ai.operation.name": GEN_AI_OPERATION[operation],
        "llm.provider": provider,
        "gen_ai.provider.name": {"cohere": "cohere"}.get(provider, "openai"),
        "llm.request.model": model,
        "gen_ai.request.model": model,
        "llm.request.stream": stream,
    }
    if not callback:
        expected["llm.request.api_base"] = api_base
    assert_attributes(span.attributes, expected)
    if callback:
        assert span.attributes["llm.request.api_base"].startswith(api_base)
    assert_nothing_bulky(span)


def assert_nothing_bulky(span: ReadableSpan) -> None:
    """Never a vector (an array of floats), never an image's base64, in attributes or events."""
    everything = [span.attributes, *(event.attributes for event in span.events)]
    for attributes in everything:
        for name, value in (attributes or {}).items():
            assert not (
                isinstance(value, (list, tuple)) and value and all(isinstance(item, float) for item in value)
            ), name
            assert not (isinstance(value, str) and TINY_PNG_B64[:24] in value), name


def assert_stream_timing(attributes: Any, span: ReadableSpan) -> None:
    duration = (span.end_time - span.start_time) / 1e9
    assert 0 < attributes["llm.response.time_to_first_token"] <= duration
    assert attributes["gen_ai.response.time_to_first_chunk"] == attributes["llm.response.time_to_first_token"]
    assert 0 <= attributes["llm.response.stream_duration"] <= duration


def assert_callback_stream(attributes: Any, span: ReadableSpan) -> None:
    """What a callback-only span knows of a stream: LiteLLM reports no chunks, only the first one's time."""
    assert_attributes(attributes, {"llm.response.is_streaming": True, "llm.response.stream_completed": True})
    assert 0 < attributes["llm.response.time_to_first_token"] <= (span.end_time - span.start_time) / 1e9


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


# --- Transcription ------------------------------------------------------------------------------------------

AUDIO = b"RIFF" + bytes(range(256)) * 3  # 772 bytes; the server does not decode it.


def _bytes_tuple(tmp_path: Path) -> Any:
    return ("clip.wav", AUDIO)


def _bytes_io(tmp_path: Path) -> Any:
    return io.BytesIO(AUDIO)


def _path(tmp_path: Path) -> Any:
    path = tmp_path / "clip.wav"
    path.write_bytes(AUDIO)
    return path


def _open_file(tmp_path: Path) -> Any:
    return _path(tmp_path).open("rb")


@ASYNC
@pytest.mark.parametrize(
    "make_file", [_bytes_tuple, _bytes_io, _path, _open_file], ids=lambda f: f.__name__[1:]
)
def test_transcription_span(is_async, make_file, tmp_path, openai_server, exporter, call_args):
    file = make_file(tmp_path)
    try:
        response, _ = invoke("transcription", is_async, model=WHISPER, file=file, **call_args)
    finally:
        if hasattr(file, "close"):
            file.close()

    assert response.text == DEFAULT_TRANSCRIPT
    (upload,) = [request for request in openai_server.requests if request.path == "/v1/audio/transcriptions"]
    assert upload.files["file"][1] == AUDIO
    span = only_span(exporter)
    assert_operation_span(span, "transcription", WHISPER, "openai", openai_server.base_url)
    assert_attributes(
        span.attributes,
        {
            "llm.request.audio_bytes": len(AUDIO),
            "llm.response.content_length": len(DEFAULT_TRANSCRIPT),
            "llm.response.audio_duration": DEFAULT_AUDIO_DURATION,
        },
    )
    # Whisper is billed by the second of audio.
    expected = expected_transcription_cost(DEFAULT_AUDIO_DURATION)
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


# --- Speech -------------------------------------------------------------------------------------------------


@ASYNC
def test_speech_span(is_async, openai_server, exporter, call_args):
    text = "Good morning, world"

    response, _ = invoke("speech", is_async, model=TTS, input=text, voice="alloy", **call_args)

    assert len(response.content) == 2048
    span = only_span(exporter)
    assert_operation_span(span, "speech", TTS, "openai", openai_server.base_url)
    assert_attributes(
        span.attributes, {"llm.request.input_characters": len(text), "llm.response.audio_bytes": 2048}
    )
    # LiteLLM bills TTS per character, not counting whitespace.
    billed = len(text.replace(" ", ""))
    expected = expected_speech_cost(billed)
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


# --- Rerank -------------------------------------------------------------------------------------------------

DOCUMENTS = ["Cats purr.", "Dogs bark.", "Cat food is tasty.", "Birds sing."]


@ASYNC
@pytest.mark.parametrize("top_n", [2, None], ids=["top-2", "all"])
def test_rerank_span(is_async, top_n, openai_server, exporter, call_args):
    options = {} if top_n is None else {"top_n": top_n}

    response, _ = invoke(
        "rerank", is_async, model=RERANK_MODEL, query="cat food", documents=DOCUMENTS, **options, **call_args
    )

    assert response.results[0]["index"] == 2
    assert [request.path for request in openai_server.requests] == ["/v1/v2/rerank"]
    span = only_span(exporter)
    assert_operation_span(span, "rerank", RERANK_MODEL, "cohere", openai_server.base_url)
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.request.query_length": len("cat food"),
            "llm.request.documents_count": 4,
            "llm.response.results_count": top_n or 4,
            "llm.response.id": "rerank-test",
        },
    )
    if top_n is None:
        assert_absent(attributes, "llm.request.top_n")
    else:
        assert attributes["llm.request.top_n"] == top_n
    # Cohere bills one search unit per query (of up to 100 documents).
    expected = expected_rerank_cost(searches=1)
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


# --- Positional arguments -----------------------------------------------------------------------------------


# entry: (its leading arguments, passed positionally; the model among them; what they make the span say)
POSITIONAL_CASES = {
    "embedding": ((EMBEDDING_MODEL, ["a", "b"]), EMBEDDING_MODEL, {"llm.request.input_count": 2}),
    "image_generation": (("A cat", DALL_E), DALL_E, {"llm.response.images_count": 1}),
    "moderation": (("I hate it", MODERATION_MODEL), MODERATION_MODEL, {"llm.response.flagged": True}),
    "text_completion": (("Say hi", INSTRUCT_MODEL), INSTRUCT_MODEL, {"llm.request.content_length": 6}),
    "responses": (("Hello", RESPONSES_MODEL), RESPONSES_MODEL, {"llm.request.content_length": 5}),
    "transcription": ((WHISPER, ("a.wav", AUDIO)), WHISPER, {"llm.request.audio_bytes": len(AUDIO)}),
    "speech": ((TTS, "Hello"), TTS, {"llm.request.input_characters": 5}),
    "rerank": ((RERANK_MODEL, "cat", DOCUMENTS), RERANK_MODEL, {"llm.request.documents_count": 4}),
}


@pytest.mark.parametrize("entry", list(POSITIONAL_CASES))
def test_positional_arguments_are_read(entry, openai_server, exporter, call_args):
    args, model, expected = POSITIONAL_CASES[entry]
    extra = {"voice": "alloy"} if entry == "speech" else {}

    invoke(entry, False, *args, **extra, **call_args)

    span = only_span(exporter)
    assert span.name == f"{OPERATION_OF[entry]} {model}"
    assert_attributes(span.attributes, {"llm.request.model": model, **expected})


# --- Errors -------------------------------------------------------------------------------------------------

# LiteLLM maps most of these to its own subclasses of the OpenAI SDK's exceptions, but lets the SDK's own
# through from moderation and from sync transcription and speech: the base class is what is certain.
ERROR_CASES = {
    # entry: (path, status, exception, category, arguments)
    "embedding": (
        "/v1/embeddings",
        401,
        openai.AuthenticationError,
        "authentication",
        {"model": EMBEDDING_MODEL, "input": "x"},
    ),
    "image_generation": (
        "/v1/images/generations",
        400,
        openai.BadRequestError,
        "invalid_request",
        {"model": DALL_E, "prompt": "x"},
    ),
    "moderation": (
        "/v1/moderations",
        401,
        openai.AuthenticationError,
        "authentication",
        {"model": MODERATION_MODEL, "input": "x"},
    ),
    "text_completion": (
        "/v1/completions",
        400,
        openai.BadRequestError,
        "invalid_request",
        {"model": INSTRUCT_MODEL, "prompt": "x"},
    ),
    "responses": (
        "/v1/responses",
        404,
        openai.NotFoundError,
        "not_found",
        {"model": RESPONSES_MODEL, "input": "x"},
    ),
    "transcription": (
        "/v1/audio/transcriptions",
        400,
        openai.BadRequestError,
        "invalid_request",
        {"model": WHISPER, "file": ("a.wav", AUDIO)},
    ),
    "speech": (
        "/v1/audio/speech",
        401,
        openai.AuthenticationError,
        "authentication",
        {"model": TTS, "input": "x", "voice": "alloy"},
    ),
    "rerank": (
        "/v1/v2/rerank",
        401,
        openai.AuthenticationError,
        "authentication",
        {"model": RERANK_MODEL, "query": "q", "documents": ["a"]},
    ),
}


@ASYNC
@pytest.mark.parametrize("entry", list(ERROR_CASES))
def test_error_span(entry, is_async, openai_server, exporter, call_args):
    path, status, exception, category, arguments = ERROR_CASES[entry]
    openai_server.script(path, Scripted(status=status, body=error_body(f"Scripted {status}")))

    with pytest.raises(exception) as raised:
        invoke(entry, is_async, **arguments, **call_args)

    assert [recorded.path for recorded in openai_server.requests] == [path]  # A status never retried.
    span = only_span(exporter)
    operation = OPERATION_OF[entry]
    assert span.name == f"{operation} {arguments['model']}"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description.startswith(f"{exception.__name__}: ")
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.operation": operation,
            "gen_ai.operation.name": GEN_AI_OPERATION[operation],
            "llm.error.category": category,
            "llm.error.status_code": status,
            "llm.error.type": exception.__name__,
            "error.type": f"{type(raised.value).__module__}.{exception.__name__}",
        },
    )
    assert f"Scripted {status}" in attributes["llm.error.message"]
    # LiteLLM's sync text completion error names the provider after its route, "text-completion-openai".
    providers = {"rerank": {"cohere"}, "text_completion": {"openai", "text-completion-openai"}}
    assert attributes["llm.error.provider"] in providers.get(entry, {"openai"})
    assert [event.name for event in span.events] == ["exception"]
    assert span.events[0].attributes["exception.type"].endswith(exception.__name__)
    assert type(raised.value).__name__ == exception.__name__
    assert_absent(attributes, "llm.cost.total_usd", *USAGE)


# --- Callback only: entry points bound before instrument() --------------------------------------------------


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
