"""The LiteLLM entry points we wrap, and how each kind of call is described.

One `Operation` per kind of call; the sync and async entry points of a kind share it, and
the wrappers, the stream proxy and the callback all read calls through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import semconv
from .attributes.audio import (
    speech_request_attributes,
    speech_response_attributes,
    transcription_request_attributes,
    transcription_response_attributes,
)
from .attributes.completion import (
    messages_attributes,
    prompt_attributes,
    response_attributes,
    response_text,
    tools_attributes,
)
from .attributes.content import Message, input_messages, output_messages
from .attributes.cost import priced_attributes, response_cost, usage_cost_attributes
from .attributes.embedding import embedding_request_attributes, embedding_response_attributes
from .attributes.fields import field
from .attributes.image import image_request_attributes, image_response_attributes
from .attributes.moderation import moderation_response_attributes
from .attributes.provider import response_provider
from .attributes.rerank import rerank_request_attributes, rerank_response_attributes
from .attributes.responses import (
    is_output_event,
    responses_request_attributes,
    responses_response_attributes,
    responses_stream_attributes,
)
from .attributes.streaming import (
    has_delta,
    stream_output_messages,
    stream_response_attributes,
    stream_text,
)
from .attributes.usage import estimated_usage_attributes, usage_attributes
from .call import Operation, StreamShape

ResponseExtractor = Callable[[Any], dict[str, Any]]


def _priced(extract: ResponseExtractor) -> Callable[[Any, Mapping[str, Any]], dict[str, Any]]:
    """A response extractor plus token usage and its cost, where there are."""

    def response(result: Any, request: Mapping[str, Any]) -> dict[str, Any]:
        return _priced_response(extract(result), result, request)

    return response


def _priced_response(attributes: dict[str, Any], result: Any, request: Mapping[str, Any]) -> dict[str, Any]:
    """`attributes` extracted from `result`, plus its token usage and cost."""
    attributes.update(usage_attributes(field(result, "usage")))
    cost = response_cost(result)
    if cost is not None:
        attributes[semconv.LLM_COST_TOTAL_USD] = cost
        return attributes
    # Some entry points (text completion) leave LiteLLM's cost out: price the tokens, under the
    # requested name or else the one the provider answered with (LiteLLM maps that one alone).
    return attributes | priced_attributes(request.get("model"), response_provider(result), attributes)


def _estimated_usage(request: Mapping[str, Any], text: str) -> dict[str, Any]:
    """Usage counted by LiteLLM's tokenizer, for a provider that reported none."""
    prompt = request.get("messages") or [{"role": "user", "content": request.get("prompt")}]
    return estimated_usage_attributes(request.get("model"), prompt, text)


def _completion_response(response: Any, request: Mapping[str, Any]) -> dict[str, Any]:
    attributes = _priced_response(response_attributes(response), response, request)
    if semconv.LLM_USAGE_PROMPT_TOKENS in attributes:
        return attributes
    # No usage reported: LiteLLM priced zero tokens. Estimate and price the estimate instead.
    attributes.pop(semconv.LLM_COST_TOTAL_USD, None)
    estimated = _estimated_usage(request, response_text(response))
    return (
        attributes
        | estimated
        | usage_cost_attributes(request.get("model"), response_provider(response), estimated)
    )


def _completion_stream(chunks: Sequence[Any], request: Mapping[str, Any]) -> dict[str, Any]:
    """The stream proxy prices the usage found or estimated here."""
    if not chunks:
        return {}
    attributes = stream_response_attributes(chunks)
    if semconv.LLM_USAGE_PROMPT_TOKENS in attributes:
        return attributes
    return attributes | _estimated_usage(request, stream_text(chunks))


_COMPLETION_STREAM = StreamShape(has_delta, _completion_stream, stream_output_messages)


def _chat_request(request: Mapping[str, Any]) -> dict[str, Any]:
    attributes = messages_attributes(request.get("messages"))
    attributes.update(tools_attributes(request))
    return attributes


def _chat_input(request: Mapping[str, Any]) -> list[Message]:
    return input_messages(request.get("messages"))


def _prompt_request(request: Mapping[str, Any]) -> dict[str, Any]:
    return prompt_attributes(request.get("prompt"))


def _responses_stream(events: Sequence[Any], request: Mapping[str, Any]) -> dict[str, Any]:
    return responses_stream_attributes(events)


CHAT = Operation(
    semconv.CHAT,
    ("model", "messages"),
    _chat_request,
    _completion_response,
    _chat_input,
    output_messages,
    _COMPLETION_STREAM,
)
TEXT_COMPLETION = Operation(
    semconv.TEXT_COMPLETION,
    ("prompt", "model"),
    _prompt_request,
    _completion_response,
    stream=_COMPLETION_STREAM,
)
EMBEDDINGS = Operation(
    semconv.EMBEDDINGS,
    ("model", "input"),
    embedding_request_attributes,
    _priced(embedding_response_attributes),
)
IMAGE_GENERATION = Operation(
    semconv.IMAGE_GENERATION,
    ("prompt", "model"),
    image_request_attributes,
    _priced(image_response_attributes),
)
MODERATION = Operation(
    semconv.MODERATION, ("input", "model"), lambda request: {}, _priced(moderation_response_attributes)
)
TRANSCRIPTION = Operation(
    semconv.TRANSCRIPTION,
    ("model", "file"),
    transcription_request_attributes,
    _priced(transcription_response_attributes),
)
SPEECH = Operation(
    semconv.SPEECH, ("model", "input"), speech_request_attributes, _priced(speech_response_attributes)
)
RERANK = Operation(
    semconv.RERANK,
    ("model", "query", "documents"),
    rerank_request_attributes,
    _priced(rerank_response_attributes),
)
RESPONSES = Operation(
    semconv.RESPONSES,
    ("input", "model"),
    responses_request_attributes,
    _priced(responses_response_attributes),
    stream=StreamShape(is_output_event, _responses_stream),
)

# Attribute of the `litellm` package (and LiteLLM's `call_type` for it) -> its operation.
OPERATIONS: Mapping[str, Operation] = {
    "completion": CHAT,
    "acompletion": CHAT,
    "text_completion": TEXT_COMPLETION,
    "atext_completion": TEXT_COMPLETION,
    "embedding": EMBEDDINGS,
    "aembedding": EMBEDDINGS,
    "image_generation": IMAGE_GENERATION,
    "aimage_generation": IMAGE_GENERATION,
    "moderation": MODERATION,
    "amoderation": MODERATION,
    "transcription": TRANSCRIPTION,
    "atranscription": TRANSCRIPTION,
    "speech": SPEECH,
    "aspeech": SPEECH,
    "rerank": RERANK,
    "arerank": RERANK,
    "responses": RESPONSES,
    "aresponses": RESPONSES,
}
