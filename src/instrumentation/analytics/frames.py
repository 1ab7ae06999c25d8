"""The analytics' view of a store's rows: the columns the statistics read, and time columns derived
from the stored timestamps."""

from __future__ import annotations

import polars as pl

from ..store.reading import FRAME_SCHEMA
from ..store.schema import POLARS_TIMESTAMP_PARSE

# What the statistics need (filters are applied before): no ids, long texts or filter-only columns.
STATS_COLUMNS: tuple[str, ...] = tuple(
    name
    for name in FRAME_SCHEMA
    if name
    not in (
        *("id", "trace_id", "span_id", "error_message", "response_model", "temperature", "max_tokens"),
        *("agent", "workspace", "api_type", "source_function", "extras"),
    )
)
# How the store writes every timestamp; one of these has a calendar date in its first 10 characters.
_CANONICAL_TIMESTAMP = (
    r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$"
)


def with_time(frame: pl.DataFrame) -> pl.DataFrame:
    """Plus `time`: the call's start as a UTC datetime (stores keep ISO text, PostgreSQL a timestamptz)."""
    text = pl.col("timestamp").str.replace(r"\+00:00$", "Z").str.replace(" ", "T", literal=True)
    return frame.with_columns(
        text.str.to_datetime(POLARS_TIMESTAMP_PARSE, time_zone="UTC", strict=False).alias("time")
    )


def with_day(frame: pl.DataFrame) -> pl.DataFrame:
    """Plus `day`: the UTC date of `time` as `2024-05-01` (null when the timestamp is not a time). When
    every timestamp is as the store writes them, the first 10 characters, without parsing a million
    datetimes."""
    day = pl.col("timestamp").str.slice(0, 10)
    canonical = frame.select(
        pl.col("timestamp").str.contains(_CANONICAL_TIMESTAMP).all()
        & day.str.to_date("%Y-%m-%d", strict=False).is_not_null().all()
    ).item()
    if canonical:
        return frame.with_columns(day.alias("day"))
    return frame.with_columns(with_time(frame)["time"].dt.strftime("%Y-%m-%d").alias("day"))
