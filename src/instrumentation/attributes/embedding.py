"""Embeddings: how many inputs went in and how long the vectors are; never the vectors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import semconv
from .fields import field


def embedding_request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    inputs = request.get("input")
    if isinstance(inputs, str):
        count = 1
    elif isinstance(inputs, (list, tuple)):
        # A flat list of token ids is one input; a list of strings or of token lists is many.
        count = 1 if inputs and all(isinstance(item, int) for item in inputs) else len(inputs)
    else:
        return {}
    return {semconv.LLM_REQUEST_INPUT_COUNT: count}


def embedding_response_attributes(response: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    model = field(response, "model")
    if isinstance(model, str) and model:
        attributes[semconv.LLM_RESPONSE_MODEL] = model
    data = field(response, "data")
    if isinstance(data, (list, tuple)) and data:
        vector = field(data[0], "embedding")
        if isinstance(vector, (list, tuple)):
            attributes[semconv.LLM_RESPONSE_EMBEDDING_DIMENSIONS] = len(vector)
    return attributes
