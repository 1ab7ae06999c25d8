"""The LiteLLM entry points we wrap, and how each kind of call is described."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import semconv
from .attributes.completion import messages_attributes, response_attributes, tools_attributes
from .attributes.cost import response_cost
from .attributes.fields import field
from .attributes.usage import usage_attributes
from .call import Operation


def _chat_request(request: Mapping[str, Any]) -> dict[str, Any]:
    return messages_attributes(request.get("messages")) | tools_attributes(request)


def _chat_response(response: Any, request: Mapping[str, Any]) -> dict[str, Any]:
    attributes = response_attributes(response) | usage_attributes(field(response, "usage"))
    cost = response_cost(response)
    if cost is not None:
        attributes[semconv.LLM_COST_TOTAL_USD] = cost
    return attributes


CHAT = Operation(semconv.CHAT, ("model", "messages"), _chat_request, _chat_response)

# Attribute of the `litellm` package -> (operation, is the entry point async).
ENTRY_POINTS: Mapping[str, tuple[Operation, bool]] = {
    "completion": (CHAT, False),
    "acompletion": (CHAT, True),
}
