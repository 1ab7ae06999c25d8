"""The provider a call goes to, by LiteLLM's own resolution."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from .fields import hidden_params


def requested_provider(kwargs: Mapping[str, Any]) -> str | None:
    """The provider LiteLLM will route the request to, None when it cannot tell beforehand."""
    explicit = kwargs.get("custom_llm_provider")
    if isinstance(explicit, str) and explicit:
        return explicit  # LiteLLM routes to an explicitly named provider, whatever the model.
    model = kwargs.get("model")
    if not isinstance(model, str) or not model:
        return None
    api_base = kwargs.get("api_base") or kwargs.get("base_url")
    return _resolve(model, api_base if isinstance(api_base, str) else None)


def response_provider(response: Any) -> str | None:
    """The provider LiteLLM says served a response (it knows when resolution could not)."""
    provider = hidden_params(response).get("custom_llm_provider")
    return provider if isinstance(provider, str) and provider else None


@functools.lru_cache(maxsize=512)
def _resolve(model: str, api_base: str | None) -> str | None:
    from litellm import get_llm_provider

    try:
        _, provider, _, _ = get_llm_provider(model=model, api_base=api_base)
    except Exception:  # LiteLLM raises for unprefixed names it does not know.
        return None
    return provider or None
