"""What the tests of LiteLLM's entry points beyond chat share (the `test_operations_*` files).

The calls go over real HTTP to the loopback server; `invoke` runs an entry point sync or async, and
`run_unwrapped` one bound before `instrument()` (the callback-only path). The assertions check what every
operation's span carries, with exact values.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import litellm
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from .conftest import settled_spans as settle
from .openai_bodies import TINY_PNG_B64

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

AUDIO = b"RIFF" + bytes(range(256)) * 3  # 772 bytes; the server does not decode it.
# The documents every rerank call sends: the third is the best match for "cat food".
DOCUMENTS = ["Cats purr.", "Dogs bark.", "Cat food is tasty.", "Birds sing."]


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
