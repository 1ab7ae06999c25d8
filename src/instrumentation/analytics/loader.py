"""Store rows -> a Polars DataFrame: the filter pushed down to SQL as bound parameters, or into the
JSONL scan. Reads what `store/` wrote through `store.schema`; never writes, never creates a store.

SQLite is read by `sqlite_reader` (a JSON array per column and chunk), JSONL by `jsonl_reader` (Polars'
NDJSON reader), any other SQL database (PostgreSQL) through `polars.read_database`; each tells its
progress (see `progress`).
"""

from __future__ import annotations

import operator
import os
from pathlib import Path
from typing import Any

import polars as pl

from ..store.schema import COLUMNS, TABLE
from ..store.urls import DEFAULT_URL, jsonl_location
from .filters import TAG_PREFIX, UsageFilter, iso
from .jsonl_reader import read_jsonl
from .progress import PartDone, Progress, no_progress

_DTYPES = {
    "id": pl.String,
    "text": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "timestamp": pl.String,
    "json": pl.String,
}
SCHEMA: dict[str, Any] = {column.name: _DTYPES[column.kind] for column in COLUMNS}
# What the statistics need (filters are applied before): no ids, long texts or filter-only columns.
STATS_COLUMNS: tuple[str, ...] = tuple(
    name
    for name in SCHEMA
    if name
    not in (
        *("id", "trace_id", "span_id", "error_message", "response_model", "temperature", "max_tokens"),
        *("agent", "workspace", "api_type", "source_function", "extras"),
    )
)
_ISO_FORMAT = "%Y-%m-%dT%H:%M:%S%.fZ"
# How the store writes every timestamp; one of these has a calendar date in its first 10 characters.
_CANONICAL_TIMESTAMP = (
    r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z$"
)


def store_text(url: str | os.PathLike[str] | None) -> str:
    text = DEFAULT_URL if url is None else os.fspath(url)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"store URL must be a non-empty string, got {url!r}")
    return text


class Loader:
    """One store, read on demand. ValueError at construction for a URL naming no readable store."""

    def __init__(self, url: str | os.PathLike[str] | None) -> None:
        text = store_text(url)
        self.jsonl = jsonl_location(text)
        self.engine = None
        if self.jsonl is not None:
            path = Path(self.jsonl).expanduser().absolute()
            if not path.is_file():
                raise ValueError(f"no JSONL store at {path}: the file does not exist")
            self.path = path
            self.description = f"jsonl://{path}"
            return
        if "://" not in text:
            raise ValueError(
                f"store URL {text!r} has no scheme: use sqlite:///{text} for SQLite, a path ending in .jsonl "
                "for JSONL, or a SQLAlchemy URL such as postgresql+psycopg://user@host/db"
            )
        self._open_sql(text)

    def _open_sql(self, text: str) -> None:
        import sqlalchemy as sa

        from ..store.messages import brief
        from ..store.sql import sql_url

        try:
            url = sql_url(text)
        except ValueError:
            if not text.startswith("sqlite"):
                raise
            url = None  # A read-only directory is fine for reading: check the file below instead.
        if url is None or url.get_backend_name() == "sqlite":
            from sqlalchemy.engine import make_url

            url = make_url(text)
            database = url.database
            if not database or database == ":memory:" or not Path(database).is_file():
                raise ValueError(f"no SQLite store at {database or text!r}: the file does not exist")
        self.description = url.render_as_string(hide_password=True)
        self.engine = sa.create_engine(url)
        try:
            with self.engine.connect() as connection:
                present = (
                    sa.inspect(connection).get_columns(TABLE)
                    if sa.inspect(connection).has_table(TABLE)
                    else None
                )
        except sa.exc.SQLAlchemyError as error:
            self.engine.dispose()
            raise ValueError(f"cannot read the store {self.description}: {brief(error)}") from None
        if present is None:
            self.engine.dispose()
            raise ValueError(f"{self.description} is not a store: it has no {TABLE} table")
        self.present = {column["name"] for column in present}

    def load(
        self, where: UsageFilter, columns: tuple[str, ...] = STATS_COLUMNS, progress: Progress = no_progress
    ) -> pl.DataFrame:
        """The rows matching `where` (each call once), with `columns` (in schema order)."""
        needed = ["timestamp", *(["extras"] if where.tags else [])]
        if self.engine is None:  # JSONL: what the scan filters on must be read too; ids to skip repeats.
            needed += ["id", *where.equalities(), *(column for column, _, _ in _ranges(where))]
        wanted = tuple(name for name in SCHEMA if name in (*columns, *needed))
        reading = f"reading {self.description}"

        def part_done(rows: int, fraction: float) -> None:
            progress(reading, rows, fraction)

        progress(reading, None, None)
        if self.engine is None:
            frame = self._load_jsonl(where, wanted, part_done)
        elif self.engine.dialect.name == "sqlite":
            frame = self._load_sqlite(where, wanted, part_done)
        else:
            frame = self._load_sql(where, wanted)
        progress(reading, frame.height, 1.0)
        if where.tags:
            frame = frame.filter(_tags_match(where.tags))
        # In one piece: the readers' many chunks would make every later computation slower.
        return frame.select(name for name in SCHEMA if name in columns).rechunk()

    def _conditions(self, where: UsageFilter) -> tuple[list[Any], list[Any]]:
        """The SQL conditions of `where`: those on the time (an index serves them) and the others."""
        from ..store.sql import CALLS

        since, until = where.time_range()
        times = []
        if since is not None:
            times.append(CALLS.c.timestamp >= iso(since))
        if until is not None:
            times.append(CALLS.c.timestamp < iso(until))
        others = [CALLS.c[column] == value for column, value in where.equalities().items()]
        others += [compare(CALLS.c[column], bound) for column, bound, compare in _ranges(where)]
        return times, others

    def _load_sqlite(self, where: UsageFilter, wanted: tuple[str, ...], chunk_done: PartDone) -> pl.DataFrame:
        from ..store.sql import CALLS
        from .sqlite_reader import SqliteReader

        times, others = self._conditions(where)
        present = [name for name in wanted if name in self.present]
        reader = SqliteReader(self.engine, CALLS, present, [*times, *others], times)
        frame = reader.read(chunk_done)
        if frame is None:
            return pl.DataFrame(schema={name: SCHEMA[name] for name in wanted})
        missing = [name for name in wanted if name not in self.present]  # Columns of a later schema version.
        return frame.with_columns(pl.lit(None, SCHEMA[name]).alias(name) for name in missing).select(wanted)

    def _load_sql(self, where: UsageFilter, wanted: tuple[str, ...]) -> pl.DataFrame:
        import sqlalchemy as sa

        from ..store.sql import CALLS

        selected = []
        for name in wanted:
            if name not in self.present:  # A column of a later schema version than this store's.
                selected.append(sa.null().label(name))
            elif name == "extras":
                selected.append(sa.cast(CALLS.c.extras, sa.Text).label(name))
            else:
                selected.append(CALLS.c[name])
        times, others = self._conditions(where)
        query = sa.select(*selected).where(*times, *others)
        overrides = {name: SCHEMA[name] for name in wanted if name != "timestamp"}
        with self.engine.connect() as connection:
            frame = pl.read_database(query, connection, schema_overrides=overrides)
        if frame.height == 0:
            return pl.DataFrame(schema={name: SCHEMA[name] for name in wanted})
        if frame.schema["timestamp"] != pl.String:  # A timestamptz (PostgreSQL), read as a datetime.
            frame = frame.with_columns(
                pl.col("timestamp").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
            )
        return frame.cast(overrides)

    def _load_jsonl(self, where: UsageFilter, wanted: tuple[str, ...], range_done: PartDone) -> pl.DataFrame:
        frame = read_jsonl(self.path, {name: SCHEMA[name] for name in wanted}, range_done)
        # A batch retried after a failed write is there twice: keep the first line of each id. Ids that all
        # hash differently are all different, which is much quicker to know than which ones repeat.
        if frame.select(pl.col("id").hash().n_unique()).item() < frame.height:
            frame = frame.filter(pl.col("id").is_first_distinct())
        return frame.filter(_polars_predicate(where))


def _ranges(where: UsageFilter) -> list[tuple[str, float, Any]]:
    pairs = [
        ("total_tokens", where.min_tokens, operator.ge),
        ("total_tokens", where.max_tokens, operator.le),
        ("latency_ms", where.min_latency_ms, operator.ge),
        ("latency_ms", where.max_latency_ms, operator.le),
    ]
    return [(column, bound, compare) for column, bound, compare in pairs if bound is not None]


def _polars_predicate(where: UsageFilter) -> pl.Expr:
    predicate = pl.lit(True)
    since, until = where.time_range()
    if since is not None:
        predicate &= pl.col("timestamp") >= iso(since)
    if until is not None:
        predicate &= pl.col("timestamp") < iso(until)
    for column, value in where.equalities().items():
        predicate &= pl.col(column) == value
    for column, bound, compare in _ranges(where):
        predicate &= compare(pl.col(column), bound)
    return predicate


def with_time(frame: pl.DataFrame) -> pl.DataFrame:
    """Plus `time`: the call's start as a UTC datetime (stores keep ISO text, PostgreSQL a timestamptz)."""
    text = pl.col("timestamp").str.replace(r"\+00:00$", "Z").str.replace(" ", "T", literal=True)
    return frame.with_columns(text.str.to_datetime(_ISO_FORMAT, time_zone="UTC", strict=False).alias("time"))


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


def _tags_match(tags: tuple[tuple[str, str], ...]) -> pl.Expr:
    import json

    def matches(extras: str | None) -> bool:
        try:
            values = json.loads(extras) if extras else {}
        except ValueError:
            return False
        for key, wanted in tags:
            value = values.get(TAG_PREFIX + key) if isinstance(values, dict) else None
            if value is None or _tag_text(value) != wanted:
                return False
        return True

    return pl.col("extras").map_elements(matches, return_dtype=pl.Boolean, skip_nulls=False)


def _tag_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
