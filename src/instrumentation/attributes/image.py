"""Image generation: the size, quality and number asked for, and the images returned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import semconv
from .fields import field


def image_request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for parameter, name in (
        ("size", semconv.LLM_REQUEST_IMAGE_SIZE),
        ("quality", semconv.LLM_REQUEST_IMAGE_QUALITY),
    ):
        value = request.get(parameter)
        if isinstance(value, str) and value:
            attributes[name] = value
    return attributes


def image_response_attributes(response: Any) -> dict[str, Any]:
    data = field(response, "data")
    return {semconv.LLM_RESPONSE_IMAGES_COUNT: len(data)} if isinstance(data, (list, tuple)) else {}
