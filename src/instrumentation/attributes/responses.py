"""LiteLLM's Responses API: input items in, output items out, plain or streamed as events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .completion import choices_attributes, messages_attributes, response_identity, tools_attributes
from .fields import field
from .usage import usage_attributes

# Stream events that end a response; each carries the whole response, usage included.
_FINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")
# Stream events that carry the first generated output.
_OUTPUT_EVENTS = (
    "response.output_text.delta",
    "response.function_call_arguments.delta",
    "response.refusal.delta",
)


def responses_request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    items = request.get("input")
    if isinstance(items, str):
        items = [{"role": "user", "content": items}]
    return messages_attributes(items) | tools_attributes(request)


def responses_response_attributes(response: Any) -> dict[str, Any]:
    """Identity, output and usage of a Responses API response."""
    attributes = response_identity(response)
    output = field(response, "output")
    if not isinstance(output, (list, tuple)):
        return attributes
    content_length = 0
    tool_names: list[str] = []
    for item in output:
        kind = field(item, "type")
        if kind == "message":
            for part in field(item, "content") or ():
                text = field(part, "text")
                if isinstance(text, str):
                    content_length += len(text)
        elif kind == "function_call":
            name = field(item, "name")
            if isinstance(name, str):
                tool_names.append(name)
    status = field(response, "status")
    finish_reasons = [status] if isinstance(status, str) else []
    return attributes | choices_attributes(1, finish_reasons, content_length, len(tool_names), tool_names)


def is_output_event(event: Any) -> bool:
    return field(event, "type") in _OUTPUT_EVENTS


def responses_stream_attributes(events: Sequence[Any]) -> dict[str, Any]:
    """A streamed response is whole in its final event, usage included."""
    for event in reversed(events):
        if field(event, "type") in _FINAL_EVENTS:
            response = field(event, "response")
            return responses_response_attributes(response) | usage_attributes(field(response, "usage"))
    return {}
