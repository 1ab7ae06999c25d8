"""Cost in US dollars, from LiteLLM's own price map; None (absent) for what it cannot price."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import semconv
from .fields import hidden_params

# Models LiteLLM could not price: not asked again (self-hosted models make every call miss).
_unpriced: set[tuple[str, str | None]] = set()
_UNPRICED_LIMIT = 1000


def response_cost(response: Any) -> float | None:
    """The cost LiteLLM already computed for a response, if it could price the model."""
    cost = hidden_params(response).get("response_cost")
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        return float(cost)
    return None


def usage_cost(model: str, provider: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Price token counts with LiteLLM's price map (streams, estimates)."""
    from litellm import cost_per_token

    if (model, provider) in _unpriced:
        return None
    try:
        prompt_cost, completion_cost = cost_per_token(
            model=model,
            custom_llm_provider=provider,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )
    except Exception:  # LiteLLM raises for models missing from its price map.
        if len(_unpriced) < _UNPRICED_LIMIT:
            _unpriced.add((model, provider))
        return None
    return float(prompt_cost + completion_cost)


def usage_cost_attributes(model: Any, provider: str | None, usage: Mapping[str, Any]) -> dict[str, Any]:
    """The cost attribute for the token counts among `usage` (llm.usage.* attributes)."""
    prompt = usage.get(semconv.LLM_USAGE_PROMPT_TOKENS)
    completion = usage.get(semconv.LLM_USAGE_COMPLETION_TOKENS)
    if not isinstance(model, str) or prompt is None or completion is None:
        return {}
    cost = usage_cost(model, provider, prompt, completion)
    return {} if cost is None else {semconv.LLM_COST_TOTAL_USD: cost}


def priced_attributes(request_model: Any, provider: str | None, usage: Mapping[str, Any]) -> dict[str, Any]:
    """The cost of the token counts among `usage` (llm.* attributes) under the requested model and
    provider, or else under the response model (LiteLLM's map knows text completion models only so)."""
    return usage_cost_attributes(request_model, provider, usage) or usage_cost_attributes(
        usage.get(semconv.LLM_RESPONSE_MODEL), None, usage
    )
