"""Store rows -> a Polars DataFrame: the filter pushed down to SQL as bound parameters, or into the
JSONL scan. Reads what `store/` wrote through `store.schema`; never writes, never creates a store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl

from ..store.jsonl import iter_rows
from ..store.schema import COLUMNS, TABLE
from ..store.urls import DEFAULT_URL, jsonl_location
from .filters import TAG_PREFIX, UsageFilter, iso

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

        from ..store.errors import brief
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

    def load(self, where: UsageFilter, columns: tuple[str, ...] = STATS_COLUMNS) -> pl.DataFrame:
        """The rows matching `where` (each call once), with `columns` plus a parsed `time` (UTC)."""
        needed = ["timestamp", *(["extras"] if where.tags else [])]
        if self.engine is None:  # JSONL: what the scan filters on must be read too; ids to skip repeats.
            needed += ["id", *where.equalities(), *(column for column, _, _ in _ranges(where))]
        wanted = tuple(dict.fromkeys((*columns, *needed)))
        frame = self._load_sql(where, wanted) if self.engine is not None else self._load_jsonl(where, wanted)
        frame = _with_time(frame)
        if where.tags:
            frame = frame.filter(_tags_match(where.tags))
        return frame.select(*(name for name in SCHEMA if name in columns), "time")

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
        query = sa.select(*selected)
        since, until = where.time_range()
        if since is not None:
            query = query.where(CALLS.c.timestamp >= iso(since))
        if until is not None:
            query = query.where(CALLS.c.timestamp < iso(until))
        for column, value in where.equalities().items():
            query = query.where(CALLS.c[column] == value)
        for column, bound, compare in _ranges(where):
            query = query.where(compare(CALLS.c[column], bound))
        overrides = {name: SCHEMA[name] for name in wanted if name != "timestamp"}
        with self.engine.connect() as connection:
            if self.engine.dialect.name == "sqlite":
                frame = _read_sqlite(connection, query, wanted, overrides)
            else:
                frame = pl.read_database(query, connection, schema_overrides=overrides)
        if frame.height == 0:
            return pl.DataFrame(schema={name: SCHEMA[name] for name in wanted})
        if frame.schema["timestamp"] != pl.String:  # A timestamptz (PostgreSQL), read as a datetime.
            frame = frame.with_columns(
                pl.col("timestamp").dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
            )
        return frame.cast(overrides)

    def _load_jsonl(self, where: UsageFilter, wanted: tuple[str, ...]) -> pl.DataFrame:
        schema = {name: SCHEMA[name] for name in wanted}
        try:
            frame = (
                pl.scan_ndjson(self.path, schema=schema, ignore_errors=True)
                .unique("id", keep="first", maintain_order=True)
                .filter(_polars_predicate(where))
                .collect()
            )
        except pl.exceptions.PolarsError:
            # A torn last line (a writer killed mid-line) stops Polars' scan: read line by line instead.
            rows = iter_rows(self.path)
            frame = (
                pl.DataFrame(
                    ({name: row.get(name) for name in wanted} for row in rows),
                    schema={**schema, "extras": pl.Object} if "extras" in wanted else schema,
                    infer_schema_length=None,
                )
                .with_columns(_json_text("extras") if "extras" in wanted else [])
                .unique("id", keep="first", maintain_order=True)
                .filter(_polars_predicate(where))
            )
        return frame


def _read_sqlite(
    connection: Any, query: Any, wanted: tuple[str, ...], overrides: dict[str, Any]
) -> pl.DataFrame:
    """The rows straight from the driver's cursor into Polars: SQLAlchemy's per-row result objects cost
    twice the read itself over a million rows. The statement is SQLAlchemy's, its parameters bound."""
    compiled = query.compile(dialect=connection.dialect)
    parameters = [compiled.params[name] for name in compiled.positiontup or ()]
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        rows = cursor.execute(str(compiled), parameters).fetchall()
    finally:
        cursor.close()
    schema = {name: overrides.get(name, pl.String) for name in wanted}
    return pl.DataFrame(rows, schema=schema, orient="row", infer_schema_length=None)


def _json_text(name: str) -> pl.Expr:
    import json

    return pl.col(name).map_elements(
        lambda value: None if value is None else json.dumps(value), return_dtype=pl.String
    )


def _ranges(where: UsageFilter) -> list[tuple[str, float, Any]]:
    import operator

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


def _with_time(frame: pl.DataFrame) -> pl.DataFrame:
    """`time`: the call's start as a UTC datetime (stores keep ISO text, PostgreSQL a timestamptz)."""
    text = pl.col("timestamp").str.replace(r"\+00:00$", "Z").str.replace(" ", "T", literal=True)
    return frame.with_columns(
        text.str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_zone="UTC", strict=False).alias("time")
    )


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
