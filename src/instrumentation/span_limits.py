"""Keeping a span within the SDK's attribute limit, so that what matters is never what gets evicted.

The SDK keeps at most `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` (else `OTEL_ATTRIBUTE_COUNT_LIMIT`, else 128)
attributes per span and evicts the oldest beyond that: the request's, `llm.request.model` first. So the
attributes are fitted before they are set, deterministically: `llm_context` tags give way first (the
last in name order first), then list-valued attributes, then the other optional ones (the last read
first). The protected ones (operation, provider, model, usage, cost, errors, context ids) always stay,
and `llm.context.tags_dropped` says how many tags were left off.

A tracer provider built with a lower limit of its own (`SpanLimits`) is only seen once the SDK evicted
attributes (its private fields hold the limit): then the protected ones are set again at the end, which
evicts optional ones in their place, and the missing tags are counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import semconv

# Room kept at a span's start for the attributes of its outcome (both families of a streamed chat
# response with usage, cost and rates come to about 36).
OUTCOME_ROOM = 40

_PROTECTED_PREFIXES = (
    semconv.LLM_VENDOR,
    semconv.LLM_OPERATION,
    semconv.LLM_PROVIDER,
    semconv.LLM_API_TYPE,
    semconv.LLM_REQUEST_MODEL,
    semconv.LLM_RESPONSE_CACHE_HIT,
    "llm.usage.",
    "llm.cost.",
    "llm.error.",
    semconv.ERROR_TYPE,
)


def attribute_limit() -> int | None:
    """The span attribute limit the environment sets (None: no SDK, or no limit)."""
    try:
        from opentelemetry.sdk.trace import SpanLimits
    except ImportError:
        return None
    return SpanLimits().max_span_attributes


def fit(
    attributes: Mapping[str, Any], room: int, expand: Callable[[Mapping[str, Any]], dict[str, Any]]
) -> tuple[dict[str, Any], int]:
    """The attributes, less optional ones until `expand` of them (the span's form) has at most `room`
    entries; and how many `llm_context` tags were left off."""
    kept = dict(attributes)
    excess = len(expand(kept)) - room
    if excess <= 0:
        return kept, 0
    tags = sorted((name for name in kept if name.startswith(semconv.LLM_CONTEXT_TAGS_PREFIX)), reverse=True)
    # Tags have no twins: one entry each, and one more for the count of them.
    dropped_tags = tags[: min(excess + 1, len(tags))]
    for name in dropped_tags:
        del kept[name]
    if dropped_tags:
        kept[semconv.LLM_CONTEXT_TAGS_DROPPED] = len(dropped_tags)
    optional = [name for name in reversed(list(kept)) if not _protected(name)]
    optional.sort(key=lambda name: not isinstance(kept[name], (list, tuple)))  # Lists first, stable.
    for name in optional:
        if len(expand(kept)) <= room:
            break
        del kept[name]
    return kept, len(dropped_tags)


def restore(span: Any, attributes: Mapping[str, Any]) -> None:
    """After the SDK evicted attributes of `span` (set from `attributes`): the protected ones set again,
    and the tags it evicted added to `llm.context.tags_dropped`."""
    span.set_attributes({name: value for name, value in attributes.items() if _protected(name)})
    present = getattr(span, "attributes", None) or {}
    tags = [name for name in attributes if name.startswith(semconv.LLM_CONTEXT_TAGS_PREFIX)]
    evicted = sum(1 for name in tags if name not in present)
    if evicted:
        earlier = attributes.get(semconv.LLM_CONTEXT_TAGS_DROPPED) or 0
        span.set_attribute(semconv.LLM_CONTEXT_TAGS_DROPPED, earlier + evicted)


def _protected(name: str) -> bool:
    if name.startswith(semconv.LLM_CONTEXT_TAGS_PREFIX):
        return False
    return name.startswith(_PROTECTED_PREFIXES) or name.startswith("llm.context.")
