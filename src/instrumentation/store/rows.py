"""A finished LLM span -> one stored row (docs/telemetry.md, "Stored rows").

Only spans carrying `llm.operation` are LLM spans; every other span is ignored. A value the span
does not carry is None (NULL), never 0. A value of the wrong type for its column (a manual call
that passed text as a token count) leaves the column NULL and is kept, as given, in `extras`, so
nothing the span said is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

from .. import semconv
from .schema import COLUMN_NAMES

TIMEOUT = "timeout"

_EPOCH = datetime(1970, 1, 1)


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
_PLAIN = frozenset({str, int, bool})
_EXTRA, _SKIP = object(), object()
# attribute name -> what to do with it: a column, `extras`, a twin's name, or nothing. Learned once
# per name; bounded, because tag names are the application's (a name past the bound is planned anew).
_PLANS: dict[str, Any] = {}
_MAX_PLANS = 4096


def _plan_of(name: str) -> Any:
    plan = _PLANS.get(name)
    if plan is None:
        if name in COLUMN_OF_ATTRIBUTE:
            plan = COLUMN_OF_ATTRIBUTE[name]
        elif not name.startswith(_EXTRA_PREFIXES):
            plan = _SKIP
        else:
            plan = _TWINS.get(name, _EXTRA)
        if len(_PLANS) < _MAX_PLANS:
            _PLANS[name] = plan
    return plan


def is_llm_span(span: ReadableSpan) -> bool:
    attributes = span.attributes
    return attributes is not None and semconv.LLM_OPERATION in attributes


def is_gen_ai_span(span: ReadableSpan) -> bool:
    """A span of the GenAI conventions, whether or not it also carries our llm.* family."""
    attributes = span.attributes
    return attributes is not None and semconv.GEN_AI_OPERATION_NAME in attributes


def row_id(trace_id: int, span_id: int) -> str:
    return f"{trace_id:032x}{span_id:016x}"


def iso_utc(time_ns: int) -> str:
    """Nanoseconds since the epoch -> `2025-01-31T12:00:00.123456Z` (exact, no float rounding)."""
    global _last_second
    seconds, nanoseconds = divmod(time_ns, 1_000_000_000)
    cached = _last_second  # One tuple, read once: safe with several exporting threads.
    if cached[0] != seconds:  # A batch's spans mostly start within a few seconds.
        cached = _last_second = (seconds, (_EPOCH + timedelta(seconds=seconds)).isoformat())
    return f"{cached[1]}.{nanoseconds // 1000:06d}Z"


_last_second: tuple[int, str] = (-1, "")


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
        row["timestamp"] = iso_utc(span.start_time)
        if span.end_time is not None:
            row["latency_ms"] = (span.end_time - span.start_time) / 1e6

    plans = _PLANS
    for name, value in attributes.items():
        plan = plans.get(name) or _plan_of(name)
        if plan is _EXTRA:
            extras[name] = value if type(value) in _PLAIN else _json_value(value)
        elif plan is _SKIP:
            continue
        elif type(plan) is str:  # A gen_ai.* twin: stored only when it differs from its llm.* attribute.
            if attributes.get(plan) != value:
                extras[name] = value if type(value) in _PLAIN else _json_value(value)
        else:
            column, convert = plan
            converted = row[column] = convert(value)
            if converted is None:  # Not of the column's type: kept as given.
                extras[name] = _json_value(value)
    row["extras"] = extras

    if semconv.LLM_API_TYPE not in attributes:
        row["api_type"] = row["operation"]
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
