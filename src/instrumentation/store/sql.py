"""SQL stores through SQLAlchemy Core: SQLite (the default, in WAL mode), PostgreSQL, any SQLAlchemy URL.

Statements are built by SQLAlchemy with bound parameters only; the only names spliced into SQL
text are the schema's own constants. A row already present (same `id`: the same span, exported
again after a retry) is skipped, never duplicated: `INSERT ... ON CONFLICT DO NOTHING` on SQLite
and PostgreSQL, `INSERT IGNORE` on MySQL, and elsewhere a look-up of the batch's ids first.
"""

from __future__ import annotations

import json
import logging
import operator
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

try:
    import sqlalchemy as sa
    from sqlalchemy import exc as sa_exc
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlalchemy.engine import URL, Connection, Engine
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlalchemy.types import TypeDecorator
except ImportError as error:  # pragma: no cover - exercised only without the extra installed
    raise ImportError("SQL stores need SQLAlchemy: pip install 'litellm-instrumentation[store]'") from error

from .messages import brief
from .schema import (
    COLUMNS,
    SCHEMA_VERSION,
    TABLE,
    VERSION_TABLE,
    Column,
    StoreVersionError,
    columns_of,
    parse_timestamp,
    timestamp_text,
)
from .urls import locate

logger = logging.getLogger(__name__)

# How long SQLite waits for another writer's lock before failing (then the exporter retries).
SQLITE_BUSY_TIMEOUT_S = 5.0
SQLITE_CHECKPOINT_PAGES = 4000


class UtcTimestamp(TypeDecorator):
    """ISO 8601 UTC text (`...T12:00:00.123456Z`) everywhere; a real `timestamptz` on PostgreSQL."""

    impl = sa.String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(sa.TIMESTAMP(timezone=True))
        return dialect.type_descriptor(sa.String(32))

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None or dialect.name != "postgresql":
            return value
        return parse_timestamp(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return timestamp_text(value) if isinstance(value, datetime) else value


class NulFreeText(TypeDecorator):
    """Text that PostgreSQL accepts: it has no NUL character, so a NUL becomes U+FFFD there
    (the row is kept, with one character replaced, rather than refused whole)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return _without_nul(value) if dialect.name == "postgresql" else value


class NulFreeJson(TypeDecorator):
    """JSON, as JSONB on PostgreSQL, whose strings (keys too) get the same NUL replacement."""

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB())
        return dialect.type_descriptor(sa.JSON())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return _without_nul(value) if dialect.name == "postgresql" else value


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _column_type(column: Column) -> Any:
    return {
        "id": sa.String(48),
        "text": NulFreeText(),
        "int": sa.BigInteger(),
        "float": sa.Float(),
        "bool": sa.Boolean(),  # BOOLEAN: 0/1 in SQLite, a real boolean in PostgreSQL
        "timestamp": UtcTimestamp(),
        "json": NulFreeJson(),
    }[column.kind]


def build_tables(version: int = SCHEMA_VERSION) -> tuple[sa.Table, sa.Table]:
    """The `llm_calls` and `schema_version` tables as a store of that version has them."""
    metadata = sa.MetaData()
    calls = sa.Table(
        TABLE,
        metadata,
        *(
            sa.Column(column.name, _column_type(column), primary_key=column.kind == "id")
            for column in columns_of(version)
        ),
    )
    for column in columns_of(version):
        if column.indexed:
            sa.Index(f"ix_{TABLE}_{column.name}", calls.c[column.name])
    versions = sa.Table(
        VERSION_TABLE,
        metadata,
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("applied_at", sa.String(32)),
    )
    return calls, versions


CALLS, VERSIONS = build_tables()
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (sa_exc.DataError, sa_exc.IntegrityError)


class SqlStore:
    """Rows into a SQL database. Opened (tables created, version checked) on construction when the
    database answers, else at the first write; reopened after a failed write."""

    def __init__(self, url: str | URL, *, migrate: bool = True, wait_for_server: bool = True) -> None:
        self.url = locate(url).sql if isinstance(url, str) else url
        self.description = self.url.render_as_string(hide_password=True)
        self._migrate = migrate
        self._sqlite = self.url.get_backend_name() == "sqlite"
        self.engine = self._create_engine()
        self._insert = self._insert_statement()
        self._sqlite_insert = _SqliteInsert(self._insert, self.engine) if self._sqlite else None
        self._opened = False
        self._pid = os.getpid()
        self.found_version: int | None = None
        try:
            self.open()
        except StoreVersionError:
            self.engine.dispose()
            raise
        except sa_exc.SQLAlchemyError as error:
            if self._sqlite or not wait_for_server:
                self.engine.dispose()
                raise ValueError(f"cannot open the store {self.description}: {brief(error)}") from None
            # A database server that is down now may be up by the first export: try again then.
            logger.warning(
                "store %s is not reachable yet (%s); will retry when writing", self.description, brief(error)
            )

    permanent_errors = PERMANENT_ERRORS

    def _create_engine(self) -> Engine:
        if not self._sqlite:
            return sa.create_engine(self.url, pool_pre_ping=True)
        connect_args: dict[str, Any] = {}
        if "timeout" not in self.url.query:
            connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
        engine = sa.create_engine(self.url, connect_args=connect_args)

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # Checkpoint (and fsync) every ~16 MB of log rather than SQLite's 4 MB: a fifth
                # more rows per second on a virtual disk, for a log file that stays that size.
                cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
            finally:
                cursor.close()

        return engine

    def _insert_statement(self) -> Any:
        backend = self.url.get_backend_name()
        if backend == "sqlite":
            return sqlite.insert(CALLS).on_conflict_do_nothing(index_elements=["id"])
        if backend == "postgresql":
            return postgresql.insert(CALLS).on_conflict_do_nothing(index_elements=["id"])
        if backend in ("mysql", "mariadb"):
            return CALLS.insert().prefix_with("IGNORE")
        return None  # Look the ids up first (see write()).

    # -- version ---------------------------------------------------------------------------------

    def open(self) -> int:
        """Create the tables of a new store, check the version of an existing one, migrate an older one
        when allowed. Returns the version found (SCHEMA_VERSION for a new store)."""
        with self.engine.begin() as connection:
            found = stored_version(connection)
            if found is None:
                # The version first: SQLite runs DDL outside the transaction, so another process
                # creating the store at the same moment must never see a calls table without it.
                connection.execute(CreateTable(VERSIONS, if_not_exists=True))
                _record_version(connection, SCHEMA_VERSION)
                connection.execute(CreateTable(CALLS, if_not_exists=True))
                for index in CALLS.indexes:
                    connection.execute(CreateIndex(index, if_not_exists=True))
            elif found > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"store {self.description} has schema version {found}, newer than the version "
                    f"{SCHEMA_VERSION} this code writes: upgrade litellm-instrumentation to use it"
                )
            elif found < SCHEMA_VERSION:
                if not self._migrate:
                    raise StoreVersionError(
                        f"store {self.description} has schema version {found}, older than the version "
                        f"{SCHEMA_VERSION} this code writes: run instrumentation.store.migrate(url) first"
                    )
                _migrate(connection, found)
                logger.info(
                    "store %s migrated from schema version %d to %d", self.description, found, SCHEMA_VERSION
                )
        self._opened = True
        self.found_version = SCHEMA_VERSION if found is None else found
        return self.found_version

    # -- rows ------------------------------------------------------------------------------------

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write the rows in one transaction, all or none; raises when the database refused."""
        if os.getpid() != self._pid:  # Forked: the parent's pooled connections are not ours.
            self.engine.dispose(close=False)
            self._pid = os.getpid()
        try:
            if not self._opened:
                self.open()
            with self.engine.begin() as connection:
                if self._sqlite_insert is not None:
                    self._sqlite_insert.execute(connection, rows)
                elif self._insert is not None:
                    connection.execute(self._insert, list(rows))
                else:
                    _insert_missing(connection, rows)
        except BaseException:
            self._opened = False  # A table dropped or a server restarted: check again next time.
            raise

    def close(self) -> None:
        self.engine.dispose()


_dumps = json.JSONEncoder(separators=(",", ":")).encode


class _SqliteInsert:
    """The SQLite insert, compiled once by SQLAlchemy, its rows handed to the driver as tuples.

    The same statement and the same stored values as `connection.execute(insert, rows)` (on SQLite
    every column's bound value is the row's own, but `extras`, which SQLAlchemy's JSON type would
    also `json.dumps`), at about half the cost per row: SQLAlchemy's per-row parameter processing
    was a third of the exporter's time. PostgreSQL and the others go through `connection.execute`.
    """

    def __init__(self, statement: Any, engine: Engine) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.sql = str(compiled)
        order = tuple(compiled.positiontup or ())
        if sorted(order) != sorted(CALLS.c.keys()) or order[-1] != "extras":
            raise RuntimeError(f"unexpected parameters in the compiled insert: {order}")
        self.values = operator.itemgetter(*order[:-1])  # Every column but `extras`, in order.

    def execute(self, connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
        values, dumps = self.values, _dumps
        connection.exec_driver_sql(self.sql, [(*values(row), dumps(row["extras"])) for row in rows])


def stored_version(connection: Connection) -> int | None:
    """The schema version of the store on this connection; None when it has no tables yet."""
    tables = set(sa.inspect(connection).get_table_names())
    if VERSION_TABLE in tables:
        version = connection.execute(sa.select(sa.func.max(VERSIONS.c.version))).scalar()
        if version is not None:
            return int(version)
    if TABLE in tables:
        raise StoreVersionError(
            f"the database has a {TABLE} table but no {VERSION_TABLE}: it is not a store this code knows"
        )
    return None


def _record_version(connection: Connection, version: int) -> None:
    """Note that the store has this version (once, even when two processes do it at once)."""
    applied_at = timestamp_text(datetime.now(timezone.utc))
    values = {"version": version, "applied_at": applied_at}
    backend = connection.dialect.name
    if backend in ("sqlite", "postgresql"):
        insert = (sqlite if backend == "sqlite" else postgresql).insert(VERSIONS).on_conflict_do_nothing()
        connection.execute(insert, values)
        return
    exists = connection.execute(sa.select(VERSIONS.c.version).where(VERSIONS.c.version == version)).first()
    if exists is None:
        connection.execute(VERSIONS.insert(), values)


def _migrate(connection: Connection, found: int) -> None:
    """Add, in place, the columns of every version after `found`. Each step is idempotent, so two
    processes migrating the same store at once both end with the same table."""
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    present = {column["name"] for column in sa.inspect(connection).get_columns(TABLE)}
    for version in range(found + 1, SCHEMA_VERSION + 1):
        for column in COLUMNS:
            if column.added_in != version or column.name in present:
                continue
            column_type = CALLS.c[column.name].type.compile(dialect=dialect)
            table, name = preparer.quote(TABLE), preparer.quote(column.name)
            connection.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {name} {column_type}"))
        _record_version(connection, version)
    for index in CALLS.indexes:  # Those of columns added above.
        connection.execute(CreateIndex(index, if_not_exists=True))


def _insert_missing(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Any other database: insert the rows whose id is not there yet."""
    ids = [row["id"] for row in rows]
    present = set(connection.execute(sa.select(CALLS.c.id).where(CALLS.c.id.in_(ids))).scalars())
    missing = [row for row in rows if row["id"] not in present]
    if missing:
        connection.execute(CALLS.insert(), missing)
