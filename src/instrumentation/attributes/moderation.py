"""Moderation: whether any input was flagged, and for what."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import semconv
from .fields import field


def moderation_response_attributes(response: Any) -> dict[str, Any]:
    results = field(response, "results")
    if not isinstance(results, (list, tuple)):
        return {}
    flagged = False
    categories: list[str] = []
    for result in results:
        flagged = flagged or field(result, "flagged") is True
        found = field(result, "categories")
        values = found if isinstance(found, Mapping) else getattr(found, "__dict__", None) or {}
        categories.extend(name for name, hit in values.items() if hit is True and name not in categories)
    attributes: dict[str, Any] = {semconv.LLM_RESPONSE_FLAGGED: flagged}
    if categories:
        attributes[semconv.LLM_RESPONSE_FLAGGED_CATEGORIES] = categories
    return attributes
