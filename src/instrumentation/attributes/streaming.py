"""A streamed chat response, aggregated once at the end as if it had not been streamed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import semconv
from .completion import choice_text, choices_attributes, response_identity
from .content import Message, output_message
from .fields import field, hidden_params
from .usage import usage_attributes


def has_delta(chunk: Any) -> bool:
    """Whether a chunk carries a delta (content, a tool call or a role): what TTFT waits for."""
    choices = field(chunk, "choices")
    if not choices:
        return False
    delta = field(choices[0], "delta")
    return bool(choice_text(choices[0]) or field(delta, "tool_calls") or field(delta, "role"))


def stream_response_attributes(chunks: Sequence[Any]) -> dict[str, Any]:
    """Identity, choices, tool calls and usage of the whole stream."""
    if not chunks:
        return {}
    attributes = response_identity(_first_with(chunks, "id"))
    # LiteLLM rewrites each chunk's model to the requested one; the provider's is kept aside.
    model = hidden_params(chunks[-1]).get("provider_response_model") or field(
        _first_with(chunks, "model"), "model"
    )
    if isinstance(model, str) and model:
        attributes[semconv.LLM_RESPONSE_MODEL] = model
    finish_reasons: dict[int, str] = {}
    content_length = 0
    tool_names: dict[tuple[int, int], str] = {}
    choice_indexes: set[int] = set()
    for chunk in chunks:
        for choice in field(chunk, "choices") or ():
            index = field(choice, "index") or 0
            choice_indexes.add(index)
            reason = field(choice, "finish_reason")
            if isinstance(reason, str):
                finish_reasons[index] = reason
            delta = field(choice, "delta")  # Text completion chunks have `text` instead.
            content = field(delta, "content") if delta is not None else field(choice, "text")
            if isinstance(content, str):
                content_length += len(content)
            for call in field(delta, "tool_calls") or ():
                name = field(field(call, "function"), "name")
                if isinstance(name, str) and name:
                    tool_names.setdefault((index, field(call, "index") or 0), name)
    if choice_indexes:
        attributes |= choices_attributes(
            len(choice_indexes),
            [finish_reasons[index] for index in sorted(finish_reasons)],
            content_length,
            len(tool_names),
            [tool_names[key] for key in sorted(tool_names)],
        )
    return attributes | stream_usage_attributes(chunks)


def stream_usage_attributes(chunks: Sequence[Any]) -> dict[str, Any]:
    """Usage from the provider's final usage chunk, else LiteLLM's own count (marked estimated)."""
    usage, reported = stream_usage(chunks)
    attributes = usage_attributes(usage)
    if attributes and not reported:
        attributes[semconv.LLM_USAGE_ESTIMATED] = True
    return attributes


def stream_usage(chunks: Sequence[Any]) -> tuple[Any, bool]:
    """The usage object of a stream, and whether the provider reported it (a final usage chunk) rather
    than LiteLLM counted it (kept on the last chunk)."""
    for chunk in reversed(chunks):  # The usage chunk comes after the last chunk with choices.
        usage = field(chunk, "usage")
        if usage_attributes(usage):
            return usage, True
        if field(chunk, "choices"):
            break
    return hidden_params(chunks[-1]).get("usage") if chunks else None, False


def stream_text(chunks: Sequence[Any]) -> str:
    """The text of every choice of a stream, joined (what an estimate counts)."""
    return "".join(
        content
        for chunk in chunks
        for choice in field(chunk, "choices") or ()
        if isinstance(content := choice_text(choice), str)
    )


def _first_with(chunks: Sequence[Any], name: str) -> Any:
    for chunk in chunks:
        if field(chunk, name):
            return chunk
    return None


def stream_output_messages(chunks: Sequence[Any]) -> list[Message]:
    """Captured content of a stream: each choice's text, and its tool calls with their
    arguments assembled across deltas."""
    texts: dict[int, list[str]] = {}
    calls: dict[int, dict[int, dict[str, Any]]] = {}
    finish_reasons: dict[int, str] = {}
    for chunk in chunks:
        for choice in field(chunk, "choices") or ():
            index = field(choice, "index") or 0
            delta = field(choice, "delta")
            content = choice_text(choice)
            if isinstance(content, str):
                texts.setdefault(index, []).append(content)
            reason = field(choice, "finish_reason")
            if isinstance(reason, str):
                finish_reasons[index] = reason
            for call in field(delta, "tool_calls") or ():
                assembled = calls.setdefault(index, {}).setdefault(
                    field(call, "index") or 0, {"id": None, "function": {"name": None, "arguments": ""}}
                )
                function = field(call, "function")
                assembled["id"] = assembled["id"] or field(call, "id")
                assembled["function"]["name"] = assembled["function"]["name"] or field(function, "name")
                assembled["function"]["arguments"] += field(function, "arguments") or ""
    return [
        output_message(
            "".join(texts.get(index, ())), list(calls.get(index, {}).values()), finish_reasons.get(index)
        )
        for index in sorted(texts.keys() | calls.keys() | finish_reasons.keys())
    ]
