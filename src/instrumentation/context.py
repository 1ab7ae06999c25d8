"""`llm_context`: who and what an LLM call is for, stamped on every LLM span started inside.

Carried in the OpenTelemetry context, so it follows `await`, `asyncio.gather` and
contextvars-aware thread pools exactly as the current span does. Nested contexts merge, the
inner value winning.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from opentelemetry import context

from . import semconv

_KEY = context.create_key("litellm-instrumentation-llm-context")

# Keyword -> attribute name.
CONTEXT_ATTRIBUTES: Mapping[str, str] = {
    "user_id": semconv.LLM_CONTEXT_USER_ID,
    "session_id": semconv.LLM_CONTEXT_SESSION_ID,
    "agent": semconv.LLM_CONTEXT_AGENT,
    "action": semconv.LLM_CONTEXT_ACTION,
    "workspace": semconv.LLM_CONTEXT_WORKSPACE,
    "source_id": semconv.LLM_CONTEXT_SOURCE_ID,
    "source_function": semconv.LLM_CONTEXT_SOURCE_FUNCTION,
}
_EMPTY: Mapping[str, Any] = MappingProxyType({})


class llm_context:
    """Stamp ids on the LLM spans started inside::

        with llm_context(user_id="u-1", session_id="s-9", tags={"tier": "pro"}):
            litellm.completion(...)

    Usable with `with` and `async with`, nestable; unknown keywords are refused at once.
    """

    def __init__(self, *, tags: Mapping[str, Any] | None = None, **ids: Any) -> None:
        unknown = sorted(set(ids) - set(CONTEXT_ATTRIBUTES))
        if unknown:
            raise TypeError(f"llm_context() got unknown ids {unknown}; known: {sorted(CONTEXT_ATTRIBUTES)}")
        if tags is not None and not isinstance(tags, Mapping):
            raise TypeError(f"llm_context() tags must be a mapping, got {type(tags).__name__}")
        attributes = {
            CONTEXT_ATTRIBUTES[name]: _value(value) for name, value in ids.items() if value is not None
        }
        attributes |= {
            f"{semconv.LLM_CONTEXT_TAGS_PREFIX}{key}": _value(value) for key, value in (tags or {}).items()
        }
        self._attributes = attributes
        self._token: object | None = None

    def __enter__(self) -> llm_context:
        merged = {**current_context_attributes(), **self._attributes}
        self._token = context.attach(context.set_value(_KEY, MappingProxyType(merged)))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self._token is not None:
            context.detach(self._token)
            self._token = None

    async def __aenter__(self) -> llm_context:
        return self.__enter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        self.__exit__(*exc_info)


def current_context_attributes() -> Mapping[str, Any]:
    """The `llm.context.*` attributes in force here."""
    return context.get_value(_KEY) or _EMPTY


def context_attributes_in(parent: context.Context) -> Mapping[str, Any]:
    """The `llm.context.*` attributes of a remembered context (the callback's caller's)."""
    return context.get_value(_KEY, parent) or _EMPTY


def _value(value: Any) -> Any:
    """Attribute values are str, bool, int or float; anything else is recorded as its text."""
    return value if isinstance(value, (str, bool, int, float)) else str(value)
