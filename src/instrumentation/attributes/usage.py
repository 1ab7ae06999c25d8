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
    prompt = _count(usage, "prompt_tokens", "input_tokens")  # The Responses API says input/output.
    completion = _count(usage, "completion_tokens", "output_tokens")
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
    details = field(usage, "prompt_tokens_details") or field(usage, "input_tokens_details")
    # LiteLLM fills detail counts with 0 whatever the provider sent (streams, reassembled
    # responses): a 0 there is no report, and cannot be told from a real one.
    cached = as_int(field(details, "cached_tokens"))
    if cached:
        attributes[semconv.LLM_USAGE_CACHED_TOKENS] = cached
    # Anthropic-style prompt caching: tokens written to the provider's cache (LiteLLM's own field name).
    written = as_int(field(usage, "cache_creation_input_tokens"))
    if written:
        attributes[semconv.LLM_USAGE_CACHE_CREATION_TOKENS] = written
    details = field(usage, "completion_tokens_details") or field(usage, "output_tokens_details")
    reasoning = as_int(field(details, "reasoning_tokens"))
    if reasoning:
        attributes[semconv.LLM_USAGE_REASONING_TOKENS] = reasoning
    return attributes


def _count(usage: Any, name: str, alias: str) -> int | None:
    count = as_int(field(usage, name))
    return count if count is not None else as_int(field(usage, alias))
