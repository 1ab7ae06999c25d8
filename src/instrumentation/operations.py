"""The LiteLLM entry points we wrap, and how each kind of call is read.

One `Operation` per kind of call; the sync and async entry points of a kind share it, and
the wrappers, the stream proxy and the callback all read calls through it. Reading is pure:
what a call's outcome is worth (cost, rates) is decided in `outcome`, from the `Reading`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
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
from .attributes.embedding import embedding_request_attributes, embedding_response_attributes
from .attributes.fields import as_int, as_name, as_number, field, hidden_params
from .attributes.image import image_request_attributes, image_response_attributes
from .attributes.moderation import moderation_response_attributes
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
    stream_usage,
)
from .attributes.usage import usage_attributes
from .outcome import Reading


def _fallbacks(hidden: Mapping[str, Any]) -> int | None:
    """The fallbacks a Router reports on what it returns (a response header it adds)."""
    headers = hidden.get("additional_headers")
    value = headers.get("x-litellm-attempted-fallbacks") if isinstance(headers, Mapping) else None
    return int(value) if isinstance(value, str) and value.isdigit() else as_int(value)


@dataclass(frozen=True)
class StreamShape:
    """How to read the chunks (or events) of one operation's stream."""

    # Whether a chunk carries the first generated output (what time to first token waits for).
    first_output: Callable[[Any], bool]
    # Attributes of the whole stream, given its chunks (usage included, when reported).
    response: Callable[[Sequence[Any]], dict[str, Any]]
    # The stream's usage object, to price it whole.
    usage: Callable[[Sequence[Any]], Any] | None = None
    # The text of the whole stream, for a token estimate when no usage was reported.
    text: Callable[[Sequence[Any]], str] | None = None
    # Captured content of the whole stream.
    output_messages: Callable[[Sequence[Any]], list[Message]] | None = None

    def read(self, chunks: Sequence[Any], served_by: str | None) -> Reading:
        if not chunks:
            return Reading({}, served_by=served_by)
        text, output = self.text, self.output_messages
        last = hidden_params(chunks[-1])
        return Reading(
            self.response(chunks),
            served_by=served_by or as_name(last.get("custom_llm_provider")),
            deployment=as_name(last.get("model_id")),
            fallbacks=_fallbacks(last),
            usage=self.usage(chunks) if self.usage else None,
            text=(lambda: text(chunks)) if text else None,
            output=(lambda: output(chunks)) if output else None,
        )


@dataclass(frozen=True)
class Operation:
    """How to read one kind of LiteLLM call."""

    name: str
    # Names of the entry point's leading positional parameters, to read them as keywords.
    positional: tuple[str, ...]
    # Attributes of the request beyond the common ones.
    request: Callable[[Mapping[str, Any]], dict[str, Any]]
    # Attributes of a successful response beyond its token usage.
    response: Callable[[Any], dict[str, Any]]
    # The generated text, for a token estimate when the provider reported no usage.
    text: Callable[[Any], str] | None = None
    # Captured content (opt-in): the request's and the response's messages, GenAI-shaped.
    input_messages: Callable[[Mapping[str, Any]], list[Message]] | None = None
    output_messages: Callable[[Any], list[Message]] | None = None
    # How a streamed result reads, for operations that stream.
    stream: StreamShape | None = None

    def read(self, response: Any) -> Reading:
        """What a (non-streamed) response says, and what LiteLLM reported beside it."""
        attributes = self.response(response)
        usage = field(response, "usage")
        attributes.update(usage_attributes(usage))
        hidden = hidden_params(response)
        text, output = self.text, self.output_messages
        return Reading(
            attributes,
            reported_cost=as_number(hidden.get("response_cost")),
            served_by=as_name(hidden.get("custom_llm_provider")),
            usage=usage,
            cache_hit=hidden.get("cache_hit") is True,
            deployment=as_name(hidden.get("model_id")),
            fallbacks=_fallbacks(hidden),
            text=(lambda: text(response)) if text else None,
            output=(lambda: output(response)) if output else None,
        )


def _stream_usage_object(chunks: Sequence[Any]) -> Any:
    return stream_usage(chunks)[0]


_COMPLETION_STREAM = StreamShape(
    has_delta, stream_response_attributes, _stream_usage_object, stream_text, stream_output_messages
)


def _chat_request(request: Mapping[str, Any]) -> dict[str, Any]:
    attributes = messages_attributes(request.get("messages"))
    attributes.update(tools_attributes(request))
    return attributes


def _chat_input(request: Mapping[str, Any]) -> list[Message]:
    return input_messages(request.get("messages"))


def _prompt_request(request: Mapping[str, Any]) -> dict[str, Any]:
    return prompt_attributes(request.get("prompt"))


CHAT = Operation(
    semconv.CHAT,
    ("model", "messages"),
    _chat_request,
    response_attributes,
    response_text,
    _chat_input,
    output_messages,
    _COMPLETION_STREAM,
)
TEXT_COMPLETION = Operation(
    semconv.TEXT_COMPLETION,
    ("prompt", "model"),
    _prompt_request,
    response_attributes,
    response_text,
    stream=_COMPLETION_STREAM,
)
EMBEDDINGS = Operation(
    semconv.EMBEDDINGS,
    ("model", "input"),
    embedding_request_attributes,
    embedding_response_attributes,
)
IMAGE_GENERATION = Operation(
    semconv.IMAGE_GENERATION,
    ("prompt", "model"),
    image_request_attributes,
    image_response_attributes,
)
MODERATION = Operation(
    semconv.MODERATION, ("input", "model"), lambda request: {}, moderation_response_attributes
)
TRANSCRIPTION = Operation(
    semconv.TRANSCRIPTION,
    ("model", "file"),
    transcription_request_attributes,
    transcription_response_attributes,
)
SPEECH = Operation(semconv.SPEECH, ("model", "input"), speech_request_attributes, speech_response_attributes)
RERANK = Operation(
    semconv.RERANK,
    ("model", "query", "documents"),
    rerank_request_attributes,
    rerank_response_attributes,
)
RESPONSES = Operation(
    semconv.RESPONSES,
    ("input", "model"),
    responses_request_attributes,
    responses_response_attributes,
    stream=StreamShape(is_output_event, responses_stream_attributes),
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


def _routed(operation: Operation, positional: tuple[str, ...]) -> Operation:
    """An operation as a `litellm.Router` method serves it: the model is the model group asked for."""
    read_request = operation.request

    def request(request: Mapping[str, Any]) -> dict[str, Any]:
        attributes = read_request(request)
        group = request.get("model")
        if isinstance(group, str) and group:
            attributes[semconv.LLM_ROUTER_MODEL_GROUP] = group
        return attributes

    return replace(operation, positional=positional, request=request)


# LiteLLM's retry entry points (`num_retries`): attempts inside the call that made them, never spans.
RETRIES = (
    "completion_with_retries",
    "acompletion_with_retries",
    "responses_with_retries",
    "aresponses_with_retries",
)

# Method of `litellm.Router` -> its operation: one span per Router call, whatever retries and fallbacks
# it makes (the module entry points it calls for each attempt are part of that span).
ROUTER_OPERATIONS: Mapping[str, Operation] = {
    "completion": _routed(CHAT, ("model", "messages")),
    "acompletion": _routed(CHAT, ("model", "messages")),
    "text_completion": _routed(TEXT_COMPLETION, ("model", "prompt")),
    "atext_completion": _routed(TEXT_COMPLETION, ("model", "prompt")),
    "embedding": _routed(EMBEDDINGS, ("model", "input")),
    "aembedding": _routed(EMBEDDINGS, ("model", "input")),
    "image_generation": _routed(IMAGE_GENERATION, ("prompt", "model")),
    "aimage_generation": _routed(IMAGE_GENERATION, ("prompt", "model")),
    "amoderation": _routed(MODERATION, ("model", "input")),
    "arerank": _routed(RERANK, ("model", "query", "documents")),
    "aresponses": _routed(RESPONSES, ("model", "input")),
}
