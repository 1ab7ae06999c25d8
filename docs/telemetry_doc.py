"""The generated parts of `docs/telemetry.md`, the telemetry contract, made from the code.

    python docs/telemetry_doc.py                            # print every generated part, with its markers
    python docs/telemetry_doc.py --write docs/telemetry.md  # replace each part between its markers
    python docs/telemetry_doc.py --check docs/telemetry.md  # exit 1 when a part differs from the code's

The document is prose written by hand around parts generated here, each between
`<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. What the code knows is read from it: attribute
names, their `gen_ai.*` twins and where a stored row keeps them (`semconv`, `store.rows`), the operations
(`operations.OPERATIONS`), the metrics (names, units, bucket boundaries and dimensions, as one recorded
call comes out of `metrics.Metrics` into an SDK reader), the error categories and what decides each
(`attributes.errors`), the `llm_context` ids (`context`), the content capture modes (`config`), and the
stored columns with their kinds and schema versions (`store.schema.COLUMNS`). What the code cannot say is
keyed by the code's own constants: `attribute_table.DESCRIPTIONS` for the attributes (type, unit,
meaning, carriers, exact definitions), and the few tables below for the rest. Words missing for a name
the code has, or kept for one it no longer has, stop the generator with ValueError, and
`tests/test_telemetry_doc.py` fails when the document differs from what this prints.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.semconv._incubating.metrics import gen_ai_metrics
from opentelemetry.semconv.attributes import exception_attributes
from opentelemetry.trace import SpanContext

from instrumentation import config, context, metrics, operations, semconv
from instrumentation.attributes import errors
from instrumentation.store import rows, schema

try:
    from docs import attribute_table
except ImportError:  # Run as a script: docs/ itself is on the path.
    import attribute_table

_MARKED = re.compile(
    r"<!-- generated:(?P<name>[a-z_]+) -->\n(?P<body>.*?)\n?<!-- /generated:(?P=name) -->", re.S
)
_PROBE_URL = "https://example.com/"
_ABSENT = "—"

# The attribute tables' sections, each starting at its first constant (in `semconv` order).
GROUPS: Mapping[str, str] = {
    semconv.LLM_VENDOR: "Common",
    semconv.LLM_ROUTER_MODEL_GROUP: "Router",
    semconv.LLM_REQUEST_MESSAGES_COUNT: "Chat and completion requests",
    semconv.LLM_RESPONSE_ID: "Responses, usage and cost",
    semconv.LLM_REQUEST_INPUT_COUNT: "Other operations",
    semconv.LLM_RESPONSE_IS_STREAMING: "Streams",
    semconv.LLM_ERROR_TYPE: "Failures",
    semconv.LLM_CONTEXT_USER_ID: "Context",
    semconv.LLM_REQUEST_MESSAGES: "Captured content",
}

# Twins whose value is not the `llm.*` attribute's own.
TWIN_VALUES: Mapping[str, str] = {
    semconv.GEN_AI_PROVIDER_NAME: "the conventions' value for LiteLLM's provider name "
    "([map](#provider-names)); any other name unchanged",
    semconv.SERVER_ADDRESS: "the URL's host",
    semconv.SERVER_PORT: "the URL's port, else 443 for `https` and 80 for `http`",
}

# Span events: name -> attribute -> meaning.
EVENTS: Mapping[str, Mapping[str, str]] = {
    "exception": {
        exception_attributes.EXCEPTION_TYPE: "the exception's qualified class name (as `error.type`)",
        exception_attributes.EXCEPTION_MESSAGE: f"the same text as `{semconv.LLM_ERROR_MESSAGE}`: secrets "
        f"replaced by `[REDACTED]`, cut to {errors.MAX_MESSAGE_LENGTH:,} characters",
        exception_attributes.EXCEPTION_STACKTRACE: "the formatted traceback, every secret of the call "
        "replaced by `[REDACTED]`",
        exception_attributes.EXCEPTION_ESCAPED: "the SDK's own, `False`",
    },
    semconv.GEN_AI_CONTENT_EVENT: {
        semconv.GEN_AI_INPUT_MESSAGES: "the request's messages, as on the span (JSON, cut)",
        semconv.GEN_AI_OUTPUT_MESSAGES: "the response's messages (JSON, cut); absent on a failed call",
    },
    semconv.LLM_ATTEMPT_EVENT: {
        semconv.LLM_ATTEMPT_INDEX: "the attempt's place among the call's attempts, from 0",
        semconv.LLM_ATTEMPT_DURATION: "seconds the attempt took, as LiteLLM reports its start and end",
        semconv.LLM_REQUEST_MODEL: "what the attempt asked for (a Router deployment's model)",
        semconv.LLM_ROUTER_DEPLOYMENT: "the Router deployment's `model_info.id`, for Router calls",
        semconv.LLM_ERROR_TYPE: "the attempt's exception class",
        semconv.LLM_ERROR_CATEGORY: "its category, as on a failed span",
        semconv.LLM_ERROR_STATUS_CODE: "its HTTP status, when an answer came",
        semconv.LLM_ERROR_MESSAGE: "its message, redacted and cut as on a span",
    },
}
EVENT_ATTRIBUTE_TYPES: Mapping[str, str] = {
    semconv.LLM_ATTEMPT_INDEX: "int",
    semconv.LLM_ATTEMPT_DURATION: "float s",
    semconv.LLM_ERROR_STATUS_CODE: "int",
}
EVENT_CARRIERS: Mapping[str, str] = {
    "exception": "every failed call (wrappers, callback, manual), whatever `semconv` is",
    semconv.LLM_ATTEMPT_EVENT: "calls with `llm.request.attempts`, whatever `semconv` is",
    semconv.GEN_AI_CONTENT_EVENT: attribute_table.DESCRIPTIONS[semconv.GEN_AI_CONTENT_EVENT].carried_by
    + " (`EVENT_ONLY` or `SPAN_AND_EVENT`), succeeded or failed, when there are messages; whatever "
    "`semconv` is",
}

# What each instrument records, and when.
METRIC_RECORDS: Mapping[str, str] = {
    gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION: "every finished call, failed ones too: seconds from "
    "its start to its end (a stream's: to the end of the stream)",
    gen_ai_metrics.GEN_AI_CLIENT_TOKEN_USAGE: f"`{semconv.LLM_USAGE_PROMPT_TOKENS}` and "
    f"`{semconv.LLM_USAGE_COMPLETION_TOKENS}`, one point each, when known (estimates included)",
    gen_ai_metrics.GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK: (
        f"`{semconv.LLM_RESPONSE_TIME_TO_FIRST_TOKEN}`, when the call has it (streams)"
    ),
    metrics.COST_COUNTER: f"`{semconv.LLM_COST_TOTAL_USD}`, when it is known and not 0",
}

# Where the columns that are not one attribute each come from (`store.rows.span_to_row`).
COLUMN_SOURCES: Mapping[str, str] = {
    "id": "the span's trace id (32 hex digits) and span id (16) joined: a span stored twice is one row",
    "trace_id": "the span's trace id, 32 lowercase hex digits",
    "span_id": "the span's span id, 16 lowercase hex digits",
    "timestamp": "the span's start, ISO 8601 UTC with microseconds and `Z` (`2025-01-31T12:00:00.123456Z`)",
    "latency_ms": "the span's end minus its start, in milliseconds",
    "status": "`timeout` when `error_category` is `timeout`; else `error` when the span's status is "
    "`ERROR` or it has an error category; else `success`",
    "extras": "a JSON object of every other `llm.*` and `gen_ai.*` attribute (a `gen_ai.*` twin only when "
    "its value differs from its `llm.*` attribute's), and any attribute whose value did not fit its "
    "column, as given",
}
# What else to know about a column that is one attribute.
COLUMN_NOTES: Mapping[str, str] = {
    "api_type": "for LiteLLM calls (no such attribute), the operation",
    "error_message": "else, for a failed span, its status description",
    "time_to_first_token_ms": "the attribute's seconds \u00d7 1000",
    "cache_hit": "`false` when the span has no such attribute (the call was not answered from the cache)",
    "attempts": "`1` when the span has no such attribute (one attempt); a value that is not a whole number "
    "of at least 1 leaves NULL",
}


# --- reading the code ---------------------------------------------------------------------------


def _span(attributes: Mapping[str, Any]) -> ReadableSpan:
    return ReadableSpan(
        "probe",
        context=SpanContext(trace_id=1, span_id=1, is_remote=False),
        attributes=attributes,
        start_time=0,
        end_time=1,
    )


def _extras(attributes: Mapping[str, Any]) -> Mapping[str, Any]:
    """What a stored row keeps in `extras` of an LLM span carrying `attributes`."""
    return rows.span_to_row(_span({semconv.LLM_OPERATION: semconv.CHAT, **attributes}))["extras"]


def stored_as(name: str) -> str:
    """Where a stored row keeps attribute `name` (a prefix: any name under it)."""
    column = rows.COLUMN_OF_ATTRIBUTE.get(name)
    if column is not None:
        return f"`{column[0]}`"
    probe = f"{name}key" if name.endswith(".") else name
    return "`extras`" if probe in _extras({probe: "probe"}) else "not stored"


def _twin_stored(name: str, twin: str, same_value: bool) -> str:
    if twin in _extras({name: "a", twin: "a"}):
        return "`extras`"
    if twin not in _extras({name: "a", twin: "b"}):
        return "not stored"
    if same_value:
        return f"not stored (`{name}` is)"
    return f"`extras`, when it differs from `{name}`"


def twins() -> list[tuple[str, str]]:
    """(`llm.*` attribute, the `gen_ai.*` or `server.*` name derived from it), in `semconv` order."""
    return [
        (name, twin)
        for name in attribute_table.attribute_names()
        for twin in attribute_table.gen_ai_twins(name)
    ]


def recorded_metrics() -> list[Any]:
    """The metrics of one successful and one failed call, recorded by `metrics.Metrics` into an SDK
    reader: each with its name, unit, description, kind, bucket boundaries and data points."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    recorder = metrics.Metrics(provider.get_meter("docs"))
    succeeded = {
        semconv.LLM_USAGE_PROMPT_TOKENS: 10,
        semconv.LLM_USAGE_COMPLETION_TOKENS: 5,
        semconv.LLM_RESPONSE_TIME_TO_FIRST_TOKEN: 0.2,
        semconv.LLM_COST_TOTAL_USD: 0.001,
    }
    failed = {**succeeded, semconv.ERROR_TYPE: "openai.RateLimitError"}  # A stream can fail after its usage.
    for outcome in (succeeded, failed):
        recorder.record(semconv.CHAT, "openai", "gpt-4o-mini", 1.0, outcome)
    data = reader.get_metrics_data()
    provider.shutdown()
    return [
        metric
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    ]


def metric_kind(metric: Any) -> str:
    return "histogram" if isinstance(metric.data.data_points[0], HistogramDataPoint) else "counter"


def metric_buckets(metric: Any) -> tuple[float, ...]:
    point = metric.data.data_points[0]
    return tuple(point.explicit_bounds) if isinstance(point, HistogramDataPoint) else ()


def metric_dimensions(metric: Any) -> dict[str, list[Any]]:
    """Dimension -> the values seen, in order."""
    seen: dict[str, list[Any]] = {}
    for point in metric.data.data_points:
        for key, value in point.attributes.items():
            values = seen.setdefault(key, [])
            if value not in values:
                values.append(value)
    return seen


def error_categories() -> list[str]:
    """The `llm.error.category` values: the string constants of `attributes.errors`."""
    return [value for name, value in vars(errors).items() if name.isupper() and isinstance(value, str)]


def _status_categories() -> dict[str, list[int]]:
    """Category -> the HTTP statuses that alone decide it (an exception of no known class or code)."""
    probe = type("ProbeError", (Exception,), {})
    found: dict[str, list[int]] = {}
    for status in range(100, 600):
        error = probe()
        error.status_code = status
        found.setdefault(errors.error_category(error), []).append(status)
    return found


def known_names() -> set[str]:
    """Every attribute, event, metric and dimension name the code emits (prefixes end with a dot)."""
    names = set(attribute_table.attribute_names()) | {twin for _, twin in twins()}
    for metric in recorded_metrics():
        names |= {metric.name, *metric_dimensions(metric)}
    for event, attributes in EVENTS.items():
        names |= {event, *attributes}
    return names


# --- rendering ----------------------------------------------------------------------------------


def _code(names: Iterable[Any]) -> str:
    return ", ".join(f"`{name}`" for name in names) or _ABSENT


def _ranges(numbers: Sequence[int]) -> str:
    spans: list[list[int]] = []
    for number in numbers:
        if spans and number == spans[-1][1] + 1:
            spans[-1][1] = number
        else:
            spans.append([number, number])
    return ", ".join(f"{low}" if low == high else f"{low}\u2013{high}" for low, high in spans)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _table(header: Sequence[str], lines: Iterable[Sequence[str]]) -> str:
    rendered = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    rendered += ["| " + " | ".join(cells) + " |" for cells in lines]
    return "\n".join(rendered)


def anchor(name: str) -> str:
    """The id of an attribute's exact definition."""
    return "def-" + re.sub(r"[^a-z0-9]+", "-", name).strip("-")


def _gen_ai_operation(operation: str) -> str:
    return semconv.gen_ai_attributes({semconv.LLM_OPERATION: operation})[semconv.GEN_AI_OPERATION_NAME]


def operations_table() -> str:
    entries: dict[str, list[str]] = {}
    streamed: dict[str, bool] = {}
    for entry, operation in operations.OPERATIONS.items():
        entries.setdefault(operation.name, []).append(entry)
        streamed[operation.name] = operation.stream is not None
    lines = [
        (
            _code(names),
            f"`{operation}`",
            f"`{_gen_ai_operation(operation)}`",
            "yes, sync and async" if streamed[operation] else "no",
        )
        for operation, names in entries.items()
    ]
    return _table(("`litellm` entry points", "`llm.operation`", "`gen_ai.operation.name`", "streamed"), lines)


def attribute_tables() -> str:
    names = [
        name
        for name in attribute_table.documented_rows()
        if attribute_table.DESCRIPTIONS[name].type != "span event"
    ]
    if (names and names[0] not in GROUPS) or not set(GROUPS) <= set(names):
        raise ValueError(f"docs/telemetry_doc.py GROUPS must start with {names[:1]} and name only attributes")
    header = ("attribute", "type", "unit", "meaning", "`gen_ai.*` twin", "carried by", "stored in")
    sections: list[str] = []
    lines: list[Sequence[str]] = []
    for name in names:
        if name in GROUPS:
            if lines:
                sections.append(_table(header, lines))
            sections.append(f"### {GROUPS[name]}")
            lines = []
        described = attribute_table.DESCRIPTIONS[name]
        meaning = described.meaning
        if described.definition:
            meaning += f" ([exact definition](#{anchor(name)}))"
        lines.append(
            (
                attribute_table.shown(name),
                described.type,
                described.unit or _ABSENT,
                meaning,
                attribute_table.twin_cell(name),
                described.carried_by,
                stored_as(name),
            )
        )
    sections.append(_table(header, lines))
    return "\n\n".join([*sections, attribute_table.provider_names()])


def definitions() -> str:
    lines = []
    for name in attribute_table.documented_rows():
        described = attribute_table.DESCRIPTIONS[name]
        if described.definition:
            unit = f" ({described.unit})" if described.unit else ""
            lines.append(f'- <a id="{anchor(name)}"></a>**`{name}`**{unit}: {described.definition}')
    return "\n".join(lines)


def twins_table() -> str:
    lines = []
    for name, twin in twins():
        value = semconv.gen_ai_attributes({name: _PROBE_URL})[twin]
        if twin == semconv.GEN_AI_OPERATION_NAME:
            renamed = ", ".join(
                f"`{ours}` → `{theirs}`" for ours, theirs in semconv.GEN_AI_OPERATION_VALUES.items()
            )
            meaning = f"the same, except {renamed}" if renamed else "the same"
        elif twin in TWIN_VALUES:
            meaning = TWIN_VALUES[twin]
        elif value == _PROBE_URL:
            meaning = "the same"
        else:
            raise ValueError(f"docs/telemetry_doc.py TWIN_VALUES: say what {twin} holds")
        lines.append((f"`{twin}`", f"`{name}`", meaning, _twin_stored(name, twin, meaning == "the same")))
    stale = sorted(set(TWIN_VALUES) - {twin for _, twin in twins()})
    if stale:
        raise ValueError(f"docs/telemetry_doc.py TWIN_VALUES is out of date: remove {stale}")
    return _table(("twin", "from", "value", "stored in"), lines)


def events_table() -> str:
    lines = []
    for event, attributes in EVENTS.items():
        for attribute, meaning in attributes.items():
            kind = EVENT_ATTRIBUTE_TYPES.get(attribute, "str")
            lines.append((f"`{event}`", f"`{attribute}`", kind, meaning, EVENT_CARRIERS[event]))
    return _table(("event", "attribute", "type", "meaning", "on"), lines)


def errors_table() -> str:
    categories = error_categories()
    transport: dict[str, list[str]] = {}
    for name, category in errors._TRANSPORT_CLASSES.items():
        transport.setdefault(category, []).append(name)
    classes: dict[str, list[str]] = {}
    for name, category in errors._CLASSES.items():
        classes.setdefault(category, []).append(name)
    codes: dict[str, list[str]] = {}
    for code, category in errors._CODES.items():
        codes.setdefault(category, []).append(code)
    statuses = _status_categories()
    unknown = sorted((set(transport) | set(classes) | set(codes) | set(statuses)) - set(categories))
    if unknown:
        raise ValueError(f"errors.py decides categories it does not define: {unknown}")
    lines = [
        (
            f"`{category}`",
            _code(transport.get(category, ())),
            _code(classes.get(category, ())),
            _code(codes.get(category, ())),
            _ranges(statuses.get(category, ())) or _ABSENT,
        )
        for category in categories
    ]
    header = (
        "category",
        "transport failure in the cause chain",
        "exception class",
        "error code",
        "HTTP status",
    )
    return _table(header, lines)


def context_table() -> str:
    lines = [
        (f"`{keyword}`", f"`{name}`", stored_as(name)) for keyword, name in context.CONTEXT_ATTRIBUTES.items()
    ]
    prefix = semconv.LLM_CONTEXT_TAGS_PREFIX
    lines.append(("`tags={key: value}`", attribute_table.shown(prefix), stored_as(prefix)))
    return _table(("`llm_context` keyword", "attribute", "stored in"), lines)


def content_table() -> str:
    aliases: dict[config.ContentCapture, list[str]] = {}
    for alias in (False, True, "false", "true"):
        aliases.setdefault(
            config.settings_from(capture_content=alias, environ={}).capture_content, []
        ).append(repr(alias).replace("'", '"'))
    lines = [
        (
            f"`{mode.value}`",
            _code(aliases.get(mode, ())),
            "yes" if mode.on_span else "no",
            "yes" if mode.as_event else "no",
        )
        for mode in config.ContentCapture
    ]
    default = config.settings_from(environ={}).capture_content
    table = _table(("mode", "also spelled", "on the span", f"`{semconv.GEN_AI_CONTENT_EVENT}` event"), lines)
    return (
        f"{table}\n\nDefault: `{default.value}`. Captured content is cut to `max_content_length` characters, "
        f"{config.DEFAULT_MAX_CONTENT_LENGTH:,} by default (`{config.MAX_CONTENT_LENGTH_ENV}`)."
    )


def metrics_table() -> str:
    recorded = recorded_metrics()
    names = [metric.name for metric in recorded]
    if set(names) != set(METRIC_RECORDS):
        raise ValueError(f"docs/telemetry_doc.py METRIC_RECORDS must describe exactly {names}")
    (duration,) = (
        metric for metric in recorded if metric.name == gen_ai_metrics.GEN_AI_CLIENT_OPERATION_DURATION
    )
    common = set(metric_dimensions(duration))
    lines = []
    for metric in recorded:
        dimensions = [
            f"`{key}`" if key in common else f"`{key}` ({_code(values)})"
            for key, values in metric_dimensions(metric).items()
        ]
        lines.append(
            (
                f"`{metric.name}`",
                metric_kind(metric),
                f"`{metric.unit}`",
                ", ".join(map(_number, metric_buckets(metric))) or _ABSENT,
                ", ".join(dimensions),
                METRIC_RECORDS[metric.name],
            )
        )
    return _table(("instrument", "kind", "unit", "bucket boundaries", "dimensions", "records"), lines)


def columns_table() -> str:
    from_attribute = {column: name for name, (column, _) in rows.COLUMN_OF_ATTRIBUTE.items()}
    names = {column.name for column in schema.COLUMNS}
    unsourced = [name for name in names if name not in from_attribute and name not in COLUMN_SOURCES]
    stale = sorted(
        (set(COLUMN_SOURCES) & set(from_attribute))
        | (set(COLUMN_SOURCES) - names)
        | (set(COLUMN_NOTES) - set(from_attribute))
    )
    if unsourced or stale:
        raise ValueError(f"docs/telemetry_doc.py: say where {sorted(unsourced)} come from; remove {stale}")
    lines = []
    for column in schema.COLUMNS:
        if column.name in from_attribute:
            source = f"`{from_attribute[column.name]}`"
            if column.name in COLUMN_NOTES:
                source += f"; {COLUMN_NOTES[column.name]}"
        else:
            source = COLUMN_SOURCES[column.name]
        lines.append(
            (f"`{column.name}`", column.kind, str(column.added_in), "yes" if column.indexed else "no", source)
        )
    table = _table(("column", "kind", "added in schema", "indexed", "from"), lines)
    return f"Table `{schema.TABLE}`, schema version {schema.SCHEMA_VERSION}.\n\n{table}"


PARTS: Mapping[str, Callable[[], str]] = {
    "operations": operations_table,
    "attributes": attribute_tables,
    "definitions": definitions,
    "twins": twins_table,
    "events": events_table,
    "errors": errors_table,
    "context": context_table,
    "content": content_table,
    "metrics": metrics_table,
    "columns": columns_table,
}


# --- the document -------------------------------------------------------------------------------


def generated() -> dict[str, str]:
    """Every part, as the code makes it."""
    return {name: make() for name, make in PARTS.items()}


def parts_of(text: str) -> dict[str, str]:
    """The parts found between markers in `text`. ValueError when one is unknown, repeated or missing."""
    found: dict[str, str] = {}
    for match in _MARKED.finditer(text):
        name = match.group("name")
        if name not in PARTS or name in found:
            raise ValueError(f"generated part {name!r} is unknown or repeated")
        found[name] = match.group("body")
    missing = [name for name in PARTS if name not in found]
    if missing:
        raise ValueError(f"no <!-- generated:NAME --> … <!-- /generated:NAME --> markers for {missing}")
    return found


def stale_parts(text: str, parts: Mapping[str, str] | None = None) -> list[str]:
    """The parts of `text` that differ from the code's."""
    parts = generated() if parts is None else parts
    return [name for name, body in parts_of(text).items() if body != parts[name]]


def rewritten(text: str, parts: Mapping[str, str] | None = None) -> str:
    """`text` with every part replaced by the code's."""
    parts = generated() if parts is None else parts
    parts_of(text)
    return _MARKED.sub(
        lambda match: (
            f"<!-- generated:{match['name']} -->\n{parts[match['name']]}\n<!-- /generated:{match['name']} -->"
        ),
        text,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", metavar="FILE", type=Path, help="replace the generated parts of FILE")
    action.add_argument("--check", metavar="FILE", type=Path, help="exit 1 when a part of FILE is stale")
    options = parser.parse_args(argv)
    parts = generated()
    if options.write is None and options.check is None:
        print(
            "\n\n".join(
                f"<!-- generated:{name} -->\n{body}\n<!-- /generated:{name} -->"
                for name, body in parts.items()
            )
        )
        return 0
    path = options.write or options.check
    text = path.read_text(encoding="utf-8")
    stale = stale_parts(text, parts)
    if options.check is not None:
        print(f"{path}: {'stale parts ' + ', '.join(stale) if stale else 'up to date'}")
        return 1 if stale else 0
    if stale:
        path.write_text(rewritten(text, parts), encoding="utf-8")
    print(f"{path}: {'updated ' + ', '.join(stale) if stale else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
