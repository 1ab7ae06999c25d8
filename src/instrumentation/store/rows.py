"""A finished LLM span -> one stored row (docs/telemetry.md, "Stored rows").

Only spans carrying `llm.operation` are LLM spans; every other span is ignored. A value the span
does not carry is None (NULL), never 0; but for `cache_hit` and `attempts`, whose attributes are
absent exactly when the call was not answered from the cache (False) and made one attempt (1). A
value of the wrong type for its column (a manual call that passed text as a token count) leaves the
column NULL and is kept, as given, in `extras`, so nothing the span said is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from .. import semconv
from .schema import COLUMN_NAMES, timestamp_of_ns

TIMEOUT = "timeout"


def _text(value: Any) -> str | None:
    if type(value) is str:
        return value
    if isinstance(value, (bool, int)) or (isinstance(value, float) and math.isfinite(value)):
        return str(value)
    return None


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
        return value if math.isfinite(value) else None
    return None


def _bool(value: Any) -> bool | None:
    return value if type(value) is bool else None


def _count(value: Any) -> int | None:
    """A count of attempts: a whole number, at least 1."""
    count = _int(value)
    return count if count is not None and count >= 1 else None


def _milliseconds(value: Any) -> float | None:
    seconds = _float(value)
    return None if seconds is None else seconds * 1000


# attribute -> (column, conversion): the columns that are one attribute each.
COLUMN_OF_ATTRIBUTE: Mapping[str, tuple[str, Callable[[Any], Any]]] = {
    semconv.LLM_OPERATION: ("operation", _text),
    semconv.LLM_PROVIDER: ("api_provider", _text),
    semconv.LLM_API_TYPE: ("api_type", _text),  # Manual tracking's; the operation when absent.
    semconv.LLM_REQUEST_MODEL: ("model", _text),
    semconv.LLM_RESPONSE_MODEL: ("response_model", _text),
    semconv.LLM_ERROR_CATEGORY: ("error_category", _text),
    semconv.LLM_ERROR_MESSAGE: ("error_message", _text),  # The span status's description when absent.
    semconv.LLM_USAGE_PROMPT_TOKENS: ("input_tokens", _int),
    semconv.LLM_USAGE_COMPLETION_TOKENS: ("output_tokens", _int),
    semconv.LLM_USAGE_TOTAL_TOKENS: ("total_tokens", _int),
    semconv.LLM_RESPONSE_TIME_TO_FIRST_TOKEN: ("time_to_first_token_ms", _milliseconds),
    semconv.LLM_COST_TOTAL_USD: ("cost_usd", _float),
    semconv.LLM_RESPONSE_CACHE_HIT: ("cache_hit", _bool),  # False when absent.
    semconv.LLM_COST_SAVED_USD: ("saved_cost_usd", _float),
    semconv.LLM_REQUEST_ATTEMPTS: ("attempts", _count),  # 1 when absent.
    semconv.LLM_REQUEST_TEMPERATURE: ("temperature", _float),
    semconv.LLM_REQUEST_MAX_TOKENS: ("max_tokens", _int),
    semconv.LLM_CONTEXT_USER_ID: ("user_id", _text),
    semconv.LLM_CONTEXT_SESSION_ID: ("session_id", _text),
    semconv.LLM_CONTEXT_AGENT: ("agent", _text),
    semconv.LLM_CONTEXT_WORKSPACE: ("workspace", _text),
    semconv.LLM_CONTEXT_SOURCE_ID: ("source_id", _text),
    semconv.LLM_CONTEXT_SOURCE_FUNCTION: ("source_function", _text),
}
# gen_ai.* twin -> its llm.* attribute: the twin is left out of `extras` when it says the same
# (gen_ai.request.model beside llm.request.model: the llm.* one is stored), kept when it differs
# (gen_ai.operation.name "chat" for llm.operation "responses", gen_ai.provider.name "aws.bedrock").
_TWINS: Mapping[str, str] = {
    **{gen_ai: llm for llm, gen_ai in semconv.GEN_AI_EQUIVALENTS.items()},
    semconv.GEN_AI_PROVIDER_NAME: semconv.LLM_PROVIDER,
}
_EXTRA_PREFIXES = ("llm.", "gen_ai.")


def is_llm_span(span: ReadableSpan) -> bool:
    attributes = span.attributes
    return attributes is not None and semconv.LLM_OPERATION in attributes


def is_gen_ai_span(span: ReadableSpan) -> bool:
    """A span of the GenAI conventions, whether or not it also carries our llm.* family."""
    attributes = span.attributes
    return attributes is not None and semconv.GEN_AI_OPERATION_NAME in attributes


def row_id(trace_id: int, span_id: int) -> str:
    return f"{trace_id:032x}{span_id:016x}"


def span_to_row(span: ReadableSpan) -> dict[str, Any]:
    """The row of an LLM span: every column of `schema.COLUMNS`, None where unknown."""
    attributes = dict(span.attributes or {})  # One copy: plain dict look-ups from here on.
    context = span.context
    row: dict[str, Any] = dict.fromkeys(COLUMN_NAMES)
    extras: dict[str, Any] = {}

    row["id"] = row_id(context.trace_id, context.span_id)
    row["trace_id"] = f"{context.trace_id:032x}"
    row["span_id"] = f"{context.span_id:016x}"
    if span.start_time is not None:
        row["timestamp"] = timestamp_of_ns(span.start_time)
        if span.end_time is not None:
            row["latency_ms"] = (span.end_time - span.start_time) / 1e6

    for name, value in attributes.items():
        column = COLUMN_OF_ATTRIBUTE.get(name)
        if column is not None:
            converted = row[column[0]] = column[1](value)
            if converted is None:  # Not of the column's type: kept as given.
                extras[name] = _json_value(value)
        elif name.startswith(_EXTRA_PREFIXES):
            twin = _TWINS.get(name)
            if twin is None or attributes.get(twin) != value:  # A twin saying the same is not kept.
                extras[name] = _json_value(value)
    row["extras"] = extras

    if semconv.LLM_API_TYPE not in attributes:
        row["api_type"] = row["operation"]
    # Absent, these attributes say "not from the cache" and "one attempt": never NULL in a row of
    # schema version 3 (unless the span gave a value of the wrong type, kept in `extras`).
    if semconv.LLM_RESPONSE_CACHE_HIT not in attributes:
        row["cache_hit"] = False
    if semconv.LLM_REQUEST_ATTEMPTS not in attributes:
        row["attempts"] = 1
    status = span.status
    failed = status is not None and status.status_code is StatusCode.ERROR
    category = row["error_category"]
    if category == TIMEOUT:
        row["status"] = "timeout"
    elif failed or category is not None:
        row["status"] = "error"
    else:
        row["status"] = "success"
    if failed and row["error_message"] is None and semconv.LLM_ERROR_MESSAGE not in attributes:
        row["error_message"] = status.description
    return row


def _json_value(value: Any) -> Any:
    """An attribute value as JSON holds it: sequences as lists, NaN and infinities as null."""
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is tuple or kind is list:
        return [_json_value(item) for item in value]
    return value
