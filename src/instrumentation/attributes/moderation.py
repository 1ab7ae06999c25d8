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
    seen: dict[str, int] = {}
    for result in results:
        flagged = flagged or field(result, "flagged") is True
        found = field(result, "categories")
        values = found if isinstance(found, Mapping) else getattr(found, "__dict__", None) or {}
        # LiteLLM lists each category twice, under its field name and the provider's spelling
        # ("self_harm_intent", "self-harm/intent"): keep the provider's, once.
        for name, hit in values.items():
            key = _normalized(name)
            if hit is True and key not in seen:
                seen[key] = len(categories)
                categories.append(name)
            elif hit is True and ("/" in name or "-" in name):
                categories[seen[key]] = name
    attributes: dict[str, Any] = {semconv.LLM_RESPONSE_FLAGGED: flagged}
    if categories:
        attributes[semconv.LLM_RESPONSE_FLAGGED_CATEGORIES] = categories
    return attributes


def _normalized(category: str) -> str:
    return category.replace("/", "_").replace("-", "_")
