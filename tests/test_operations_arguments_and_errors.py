"""What every entry point beyond chat has in common: its leading arguments read when passed positionally,
and one error span, with the error's category, status and type, when the provider refuses the call.
"""

from __future__ import annotations

import openai
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from .conftest import only_span
from .openai_bodies import error_body
from .openai_server import Scripted
from .operations_support import (
    ASYNC,
    AUDIO,
    DALL_E,
    DOCUMENTS,
    EMBEDDING_MODEL,
    GEN_AI_OPERATION,
    INSTRUCT_MODEL,
    MODERATION_MODEL,
    OPERATION_OF,
    RERANK_MODEL,
    RESPONSES_MODEL,
    TTS,
    USAGE,
    WHISPER,
    assert_absent,
    assert_attributes,
    invoke,
)

pytestmark = pytest.mark.usefixtures("instrument")


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
