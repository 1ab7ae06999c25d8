"""The shape of a stored row, and its history: which schema version added which column.

Pure data, shared by every store (SQL and JSONL) and by whoever reads them. Bump
`SCHEMA_VERSION` and add the new columns with that version in `COLUMNS`; `migrate()` then adds
them to older SQL stores in place (new columns are always nullable, so old rows stay valid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Literal

SCHEMA_VERSION = 3
TABLE = "llm_calls"
VERSION_TABLE = "schema_version"

Kind = Literal["id", "text", "int", "float", "bool", "timestamp", "json"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    added_in: int = 1
    indexed: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("id", "id"),  # f"{trace_id:032x}{span_id:016x}": a span stored twice is one row
    Column("trace_id", "text"),
    Column("span_id", "text"),
    Column("timestamp", "timestamp", indexed=True),  # span start, as `timestamp_text` writes it
    Column("operation", "text"),
    Column("api_provider", "text"),
    Column("api_type", "text"),
    Column("model", "text"),
    Column("response_model", "text"),
    Column("status", "text"),  # success, error, timeout
    Column("error_category", "text"),
    Column("error_message", "text"),
    Column("input_tokens", "int"),
    Column("output_tokens", "int"),
    Column("total_tokens", "int"),
    Column("latency_ms", "float"),
    Column("time_to_first_token_ms", "float", added_in=2),
    Column("cost_usd", "float"),
    Column("cache_hit", "bool", added_in=3),  # false, not NULL, when the span has no cache_hit attribute
    Column("saved_cost_usd", "float", added_in=3),
    Column("attempts", "int", added_in=3),  # 1, not NULL, when the span has no attempts attribute
    Column("temperature", "float"),
    Column("max_tokens", "int"),
    Column("user_id", "text"),
    Column("session_id", "text"),
    Column("agent", "text"),
    Column("workspace", "text"),
    Column("source_id", "text"),
    Column("source_function", "text"),
    Column("extras", "json", added_in=2),  # every other llm.* / gen_ai.* attribute
)
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)


# Every stored time: ISO 8601 in UTC, with microseconds and a "Z" (`2025-01-31T12:00:00.123456Z`), so
# that text order is time order. The Polars spellings of the same format, to write and to parse it.
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
POLARS_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%.6fZ"
POLARS_TIMESTAMP_PARSE = "%Y-%m-%dT%H:%M:%S%.fZ"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def timestamp_text(moment: datetime) -> str:
    """A datetime (naive: UTC) as stored."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime(TIMESTAMP_FORMAT)


def timestamp_of_ns(time_ns: int) -> str:
    """Nanoseconds since the epoch as stored, exactly (no float rounding)."""
    return timestamp_text(_EPOCH + timedelta(microseconds=time_ns // 1000))


def parse_timestamp(text: str) -> datetime:
    """A stored timestamp as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def columns_of(version: int) -> tuple[Column, ...]:
    """The columns a store of that schema version has."""
    return tuple(column for column in COLUMNS if column.added_in <= version)


class StoreVersionError(RuntimeError):
    """The store's schema version is not one this code can write: newer, or older and not migrated."""
