"""Reading a store: its rows as a Polars DataFrame, the query pushed down to SQL as bound parameters or
into the JSONL scan. Never writes, never creates a store.

SQLite is read by `sqlite_reader` (a JSON array per column and chunk), JSONL by `jsonl_reader` (Polars'
NDJSON reader), any other SQL database (PostgreSQL) through `polars.read_database`; each tells its
progress as it goes.
"""

from __future__ import annotations

import json
import operator
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from .. import semconv
from .schema import COLUMN_NAMES, COLUMNS, POLARS_TIMESTAMP_FORMAT, TABLE, timestamp_text
from .urls import locate

# `progress(stage, rows read so far or None, fraction read or None)`; a reader's `done(rows, fraction)`.
Progress = Callable[[str, int | None, float | None], None]
PartDone = Callable[[int, float], None]

_DTYPES = {
    "id": pl.String,
    "text": pl.String,
    "int": pl.Int64,
    "float": pl.Float64,
    "bool": pl.Boolean,
    "timestamp": pl.String,
    "json": pl.String,
}
# The DataFrame of a store: a column per stored column; timestamps as stored text, `extras` as JSON text.
FRAME_SCHEMA: Mapping[str, Any] = {column.name: _DTYPES[column.kind] for column in COLUMNS}
_COMPARISONS = {">=": operator.ge, "<=": operator.le}


def no_progress(stage: str, rows: int | None = None, fraction: float | None = None) -> None:
    """The progress callback of whoever does not watch."""


@dataclass(frozen=True)
class RowQuery:
    """Which rows to read: started in [since, until), columns equal to values, columns within bounds
    (`(column, ">=" or "<=", bound)`), and tags (`llm_context(tags=...)`) equal to texts."""

    since: datetime | None = None
    until: datetime | None = None
    equal: Mapping[str, Any] = field(default_factory=dict)
    bounds: tuple[tuple[str, str, float], ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


EVERY_ROW = RowQuery()


class StoreReader:
    """One store, read on demand. ValueError at construction for a URL naming no readable store."""

    def __init__(self, url: str | os.PathLike[str] | None) -> None:
        location = locate(url, reading=True)
        self.description = location.description
        self.jsonl = location.jsonl
        self.engine = None
        if location.sql is not None:
            self._open_sql(location.sql)

    def _open_sql(self, url: Any) -> None:
        import sqlalchemy as sa

        from .messages import brief

        self.engine = sa.create_engine(url)
        try:
            with self.engine.connect() as connection:
                inspector = sa.inspect(connection)
                present = inspector.get_columns(TABLE) if inspector.has_table(TABLE) else None
        except sa.exc.SQLAlchemyError as error:
            self.close()
            raise ValueError(f"cannot read the store {self.description}: {brief(error)}") from None
        if present is None:
            self.close()
            raise ValueError(f"{self.description} is not a store: it has no {TABLE} table")
        self.present = {column["name"] for column in present}

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def frame(
        self,
        query: RowQuery = EVERY_ROW,
        columns: tuple[str, ...] = COLUMN_NAMES,
        progress: Progress = no_progress,
    ) -> pl.DataFrame:
        """The rows matching `query` (each call once, in store order), with `columns` (in schema order)."""
        needed = ["timestamp", *(["extras"] if query.tags else [])]
        if self.engine is None:  # JSONL: what the scan filters on must be read too; ids to skip repeats.
            needed += ["id", *query.equal, *(column for column, _, _ in query.bounds)]
        wanted = tuple(name for name in FRAME_SCHEMA if name in (*columns, *needed))
        reading = f"reading {self.description}"

        def part_done(rows: int, fraction: float) -> None:
            progress(reading, rows, fraction)

        progress(reading, None, None)
        if self.engine is None:
            frame = self._frame_jsonl(query, wanted, part_done)
        elif self.engine.dialect.name == "sqlite":
            frame = self._frame_sqlite(query, wanted, part_done)
        else:
            frame = self._frame_sql(query, wanted)
        progress(reading, frame.height, 1.0)
        if query.tags:
            frame = frame.filter(_tags_match(query.tags))
        # In one piece: the readers' many chunks would make every later computation slower.
        return frame.select(name for name in FRAME_SCHEMA if name in columns).rechunk()

    def rows(self, query: RowQuery = EVERY_ROW) -> list[dict[str, Any]]:
        """The matching rows as dicts, oldest first, `extras` decoded (for exports and tests)."""
        rows = self.frame(query).sort("timestamp", "id").to_dicts()
        for row in rows:
            if row["extras"] is not None:
                row["extras"] = json.loads(row["extras"])
        return rows

    def _conditions(self, query: RowQuery) -> tuple[list[Any], list[Any]]:
        """The SQL conditions of `query`: those on the time (an index serves them) and the others."""
        from .sql import CALLS

        times = []
        if query.since is not None:
            times.append(CALLS.c.timestamp >= timestamp_text(query.since))
        if query.until is not None:
            times.append(CALLS.c.timestamp < timestamp_text(query.until))
        others = [CALLS.c[column] == value for column, value in query.equal.items()]
        others += [_COMPARISONS[op](CALLS.c[column], bound) for column, op, bound in query.bounds]
        return times, others

    def _frame_sqlite(self, query: RowQuery, wanted: tuple[str, ...], chunk_done: PartDone) -> pl.DataFrame:
        from .sql import CALLS
        from .sqlite_reader import SqliteReader

        times, others = self._conditions(query)
        present = [name for name in wanted if name in self.present]
        frame = SqliteReader(self.engine, CALLS, present, [*times, *others], times).read(chunk_done)
        if frame is None:
            return pl.DataFrame(schema={name: FRAME_SCHEMA[name] for name in wanted})
        missing = [name for name in wanted if name not in self.present]  # Columns of a later schema version.
        return frame.with_columns(pl.lit(None, FRAME_SCHEMA[name]).alias(name) for name in missing).select(
            wanted
        )

    def _frame_sql(self, query: RowQuery, wanted: tuple[str, ...]) -> pl.DataFrame:
        import sqlalchemy as sa

        from .sql import CALLS

        selected = []
        for name in wanted:
            if name not in self.present:  # A column of a later schema version than this store's.
                selected.append(sa.null().label(name))
            elif name == "extras":
                selected.append(sa.cast(CALLS.c.extras, sa.Text).label(name))
            else:
                selected.append(CALLS.c[name])
        times, others = self._conditions(query)
        statement = sa.select(*selected).where(*times, *others)
        overrides = {name: FRAME_SCHEMA[name] for name in wanted if name != "timestamp"}
        with self.engine.connect() as connection:
            frame = pl.read_database(statement, connection, schema_overrides=overrides)
        if frame.height == 0:
            return pl.DataFrame(schema={name: FRAME_SCHEMA[name] for name in wanted})
        if frame.schema["timestamp"] != pl.String:  # A timestamptz (PostgreSQL), read as a datetime.
            frame = frame.with_columns(
                pl.col("timestamp").dt.convert_time_zone("UTC").dt.strftime(POLARS_TIMESTAMP_FORMAT)
            )
        return frame.cast(overrides)

    def _frame_jsonl(self, query: RowQuery, wanted: tuple[str, ...], range_done: PartDone) -> pl.DataFrame:
        from .jsonl_reader import read_jsonl

        frame = read_jsonl(self.jsonl, {name: FRAME_SCHEMA[name] for name in wanted}, range_done)
        # A batch retried after a failed write is there twice: keep the first line of each id. Ids that all
        # hash differently are all different, which is much quicker to know than which ones repeat.
        if frame.select(pl.col("id").hash().n_unique()).item() < frame.height:
            frame = frame.filter(pl.col("id").is_first_distinct())
        return frame.filter(_polars_predicate(query))


def _polars_predicate(query: RowQuery) -> pl.Expr:
    predicate = pl.lit(True)
    if query.since is not None:
        predicate &= pl.col("timestamp") >= timestamp_text(query.since)
    if query.until is not None:
        predicate &= pl.col("timestamp") < timestamp_text(query.until)
    for column, value in query.equal.items():
        predicate &= pl.col(column) == value
    for column, op, bound in query.bounds:
        predicate &= _COMPARISONS[op](pl.col(column), bound)
    return predicate


def _tags_match(tags: tuple[tuple[str, str], ...]) -> pl.Expr:
    def matches(extras: str | None) -> bool:
        try:
            values = json.loads(extras) if extras else {}
        except ValueError:
            return False
        for key, wanted in tags:
            value = values.get(semconv.LLM_CONTEXT_TAGS_PREFIX + key) if isinstance(values, dict) else None
            if value is None or _tag_text(value) != wanted:
                return False
        return True

    return pl.col("extras").map_elements(matches, return_dtype=pl.Boolean, skip_nulls=False)


def _tag_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
