"""The LiteLLM entry points we wrap, and how each kind of call is described."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import semconv
from .attributes.completion import messages_attributes, response_attributes, response_text, tools_attributes
from .attributes.content import Message, input_messages, output_messages
from .attributes.cost import response_cost, usage_cost_attributes
from .attributes.fields import field
from .attributes.provider import response_provider
from .attributes.usage import estimated_usage_attributes, usage_attributes
from .call import Operation


def _chat_request(request: Mapping[str, Any]) -> dict[str, Any]:
    return messages_attributes(request.get("messages")) | tools_attributes(request)


def _chat_response(response: Any, request: Mapping[str, Any]) -> dict[str, Any]:
    attributes = response_attributes(response)
    usage = usage_attributes(field(response, "usage"))
    if usage:
        cost = response_cost(response)
        if cost is not None:
            usage[semconv.LLM_COST_TOTAL_USD] = cost
    else:  # LiteLLM's own cost is then computed from zero tokens: estimate both instead.
        usage = estimated_usage_attributes(
            request.get("model"), request.get("messages"), response_text(response)
        )
        usage |= usage_cost_attributes(request.get("model"), response_provider(response), usage)
    return attributes | usage


def _chat_input(request: Mapping[str, Any]) -> list[Message]:
    return input_messages(request.get("messages"))


CHAT = Operation(
    semconv.CHAT, ("model", "messages"), _chat_request, _chat_response, _chat_input, output_messages
)

# Attribute of the `litellm` package -> (operation, is the entry point async).
ENTRY_POINTS: Mapping[str, tuple[Operation, bool]] = {
    "completion": (CHAT, False),
    "acompletion": (CHAT, True),
}
