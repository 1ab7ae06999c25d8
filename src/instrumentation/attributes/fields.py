"""Reading fields from LiteLLM objects and plain dicts alike."""

from __future__ import annotations

import functools
from typing import Any


def field(obj: Any, name: str) -> Any:
    """`obj.name` or `obj[name]`, None when neither exists.

    LiteLLM's response objects are pydantic models keeping many fields as "extras", where
    attribute access costs about a microsecond and a miss several: read their dicts directly.
    """
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    values = getattr(obj, "__dict__", None)
    if values is not None and name in values:
        return values[name]
    extra = getattr(obj, "__pydantic_extra__", None)
    if extra is not None:
        if name in extra:
            return extra[name]
        if not _class_has(type(obj), name):  # Neither field, extra nor property: missing.
            return None
    return getattr(obj, name, None)


@functools.lru_cache(maxsize=4096)
def _class_has(cls: type, name: str) -> bool:
    """Class attribute lookups, remembered: pydantic's metaclass answers a miss slowly."""
    return hasattr(cls, name)


def hidden_params(response: Any) -> dict[str, Any]:
    """LiteLLM's `_hidden_params` of a response, always a dict.

    On LiteLLM's pydantic responses it is a private attribute, which `getattr` finds only after
    a failed normal lookup (~2 µs): read pydantic's private dict first.
    """
    private = getattr(response, "__pydantic_private__", None)
    params = private.get("_hidden_params") if isinstance(private, dict) else None
    if params is None:
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
