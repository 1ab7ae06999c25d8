"""Token usage, as the provider reported it."""

from __future__ import annotations

from typing import Any

from .. import semconv
from .fields import as_int, field


def usage_attributes(usage: Any) -> dict[str, Any]:
    """Token counts of a usage object or dict.

    LiteLLM fills in 0/0/0 when a provider sent no usage: all zeros means "unknown",
    so nothing is returned for it.
    """
    prompt = as_int(field(usage, "prompt_tokens"))
    completion = as_int(field(usage, "completion_tokens"))
    total = as_int(field(usage, "total_tokens"))
    if not (prompt or completion or total):
        return {}
    attributes: dict[str, Any] = {}
    if prompt is not None:
        attributes[semconv.LLM_USAGE_PROMPT_TOKENS] = prompt
    if completion is not None:
        attributes[semconv.LLM_USAGE_COMPLETION_TOKENS] = completion
    if total is None and prompt is not None and completion is not None:
        total = prompt + completion
    if total is not None:
        attributes[semconv.LLM_USAGE_TOTAL_TOKENS] = total
    cached = as_int(field(field(usage, "prompt_tokens_details"), "cached_tokens"))
    if cached is not None:
        attributes[semconv.LLM_USAGE_CACHED_TOKENS] = cached
    reasoning = as_int(field(field(usage, "completion_tokens_details"), "reasoning_tokens"))
    if reasoning is not None:
        attributes[semconv.LLM_USAGE_REASONING_TOKENS] = reasoning
    return attributes


def estimated_usage_attributes(model: Any, messages: Any, completion_text: str) -> dict[str, Any]:
    """Token counts by LiteLLM's tokenizer, for a provider that reported none; marked estimated."""
    from litellm import token_counter

    if not isinstance(model, str) or not isinstance(messages, (list, tuple)):
        return {}
    try:
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
