"""What we ask LiteLLM about a call: the provider it routes to, token prices, token counts.

The one module that calls LiteLLM's helpers (`get_llm_provider`, `cost_per_token`,
`token_counter`) and keeps caches of their answers; the extractors in `attributes/` stay
pure. LiteLLM is imported on first use, never at package import (it takes seconds), and a
missing LiteLLM (manual tracking without it) makes every lookup answer None.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from . import semconv

# Models LiteLLM could not price: not asked again (self-hosted models make every call miss).
_unpriced: set[tuple[str, str | None]] = set()
_UNPRICED_LIMIT = 1000


def requested_provider(request: Mapping[str, Any]) -> str | None:
    """The provider LiteLLM will route the request to, None when it cannot tell beforehand."""
    explicit = request.get("custom_llm_provider")
    if isinstance(explicit, str) and explicit:
        return explicit  # LiteLLM routes to an explicitly named provider, whatever the model.
    model = request.get("model")
    if not isinstance(model, str) or not model:
        return None
    api_base = request.get("api_base") or request.get("base_url")
    return _resolve(model, api_base if isinstance(api_base, str) else None)


@functools.lru_cache(maxsize=512)
def _resolve(model: str, api_base: str | None) -> str | None:
    """Remembered: resolution walks LiteLLM's model lists, and an application uses a few models."""
    from litellm import get_llm_provider

    try:
        _, provider, _, _ = get_llm_provider(model=model, api_base=api_base)
    except Exception:  # LiteLLM raises for unprefixed names it does not know.
        return None
    return provider or None


def price(
    request_model: Any, provider: str | None, usage: Mapping[str, Any], usage_object: Any = None
) -> float | None:
    """The cost of the token counts among `usage` (llm.* attributes), under the requested model and
    provider, or else under the response model (LiteLLM's map knows text completion models only so).
    With LiteLLM's usage object, its cached, cache-write and reasoning tokens are priced as LiteLLM
    prices them (as `completion_cost` does for the whole response)."""
    cost = _usage_cost(request_model, provider, usage, usage_object)
    if cost is None:
        cost = _usage_cost(usage.get(semconv.LLM_RESPONSE_MODEL), None, usage, usage_object)
    return cost


def _usage_cost(
    model: Any, provider: str | None, usage: Mapping[str, Any], usage_object: Any
) -> float | None:
    prompt = usage.get(semconv.LLM_USAGE_PROMPT_TOKENS)
    completion = usage.get(semconv.LLM_USAGE_COMPLETION_TOKENS)
    if not isinstance(model, str) or prompt is None or completion is None:
        return None
    if (model, provider) in _unpriced:
        return None
    try:
        from litellm import cost_per_token
        from litellm.types.utils import Usage

        prompt_cost, completion_cost = cost_per_token(
            model=model,
            custom_llm_provider=provider,
            prompt_tokens=prompt,
            completion_tokens=completion,
            usage_object=usage_object if isinstance(usage_object, Usage) else None,
        )
    except ImportError:
        return None
    except Exception:  # LiteLLM raises for models missing from its price map.
        if len(_unpriced) < _UNPRICED_LIMIT:
            _unpriced.add((model, provider))
        return None
    return float(prompt_cost + completion_cost)


def estimated_usage(model: Any, messages: Any, completion_text: str) -> dict[str, Any]:
    """Token counts by LiteLLM's tokenizer, for a provider that reported none; marked estimated."""
    if not isinstance(model, str) or not isinstance(messages, (list, tuple)):
        return {}
    try:
        from litellm import token_counter

        prompt = token_counter(model=model, messages=list(messages))
        completion = token_counter(model=model, text=completion_text, count_response_tokens=True)
    except Exception:  # The tokenizer may not know the model or the message shape.
        return {}
    return {
        semconv.LLM_USAGE_PROMPT_TOKENS: prompt,
        semconv.LLM_USAGE_COMPLETION_TOKENS: completion,
        semconv.LLM_USAGE_TOTAL_TOKENS: prompt + completion,
        semconv.LLM_USAGE_ESTIMATED: True,
    }
