"""Reading fields from LiteLLM objects and plain dicts alike."""

from __future__ import annotations

from typing import Any


def field(obj: Any, name: str) -> Any:
    """`obj.name` or `obj[name]`, None when neither exists."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def hidden_params(response: Any) -> dict[str, Any]:
    """LiteLLM's `_hidden_params` of a response (its documented home of `response_cost` and
    `custom_llm_provider`), always a dict."""
    params = getattr(response, "_hidden_params", None)
    return params if isinstance(params, dict) else {}


def as_int(value: Any) -> int | None:
    """An int for an int-like count, None for anything else (bool included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_number(value: Any) -> float | None:
    """A float for a number, None for anything else (bool included)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def as_name(value: Any) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value else None
