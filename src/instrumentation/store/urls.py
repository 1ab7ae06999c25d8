"""Store URL -> where the store is: the one reading of a store URL, for writing, `migrate` and reading.

A URL that names no usable store is refused at once, with what is wrong. The password of a SQL URL
never appears in a message or a description.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import check_creatable

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

DEFAULT_URL = "sqlite:///llm_usage.db"
_JSONL_SCHEME = "jsonl:"


@dataclass(frozen=True)
class StoreLocation:
    """A JSONL file or a SQL database (exactly one of `jsonl` and `sql` is set)."""

    jsonl: Path | None
    sql: URL | None
    description: str  # The URL without its password, for messages.


def locate(url: str | os.PathLike[str] | None, *, reading: bool = False) -> StoreLocation:
    """Where the store at `url` (None: the default) is. ValueError when no store can be made there or,
    `reading`, when none is there (a read-only directory is fine for reading)."""
    text = DEFAULT_URL if url is None else os.fspath(url)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"store URL must be a non-empty string, got {url!r}")
    location = _jsonl_location(text)
    if location is not None:
        path = _jsonl_path(location, reading)
        return StoreLocation(path, None, f"jsonl://{path}")
    if "://" not in text:
        raise ValueError(
            f"store URL {text!r} has no scheme: use sqlite:///{text} for SQLite, a path ending in .jsonl "
            "for JSONL, or a SQLAlchemy URL such as postgresql+psycopg://user@host/db"
        )
    parsed = _sql_url(text)
    if parsed.get_backend_name() == "sqlite":
        _check_sqlite_path(parsed, reading)
    return StoreLocation(None, parsed, parsed.render_as_string(hide_password=True))


def _jsonl_location(url: str) -> str | None:
    """The file path of a JSONL store URL (`jsonl:///abs/calls.jsonl`, `jsonl://rel.jsonl`, or a bare path
    ending in `.jsonl`); None for any other URL."""
    if url.startswith(_JSONL_SCHEME):
        rest = url[len(_JSONL_SCHEME) :]
        return rest[2:] if rest.startswith("//") else rest
    if "://" not in url and url.endswith(".jsonl"):
        return url
    return None


def _jsonl_path(location: str, reading: bool) -> Path:
    if not location:
        raise ValueError(
            "JSONL store URL names no file: use jsonl:///path/calls.jsonl or a path ending in .jsonl"
        )
    path = Path(location).expanduser().absolute()
    if path.is_dir():
        raise ValueError(f"JSONL store {path} is a directory, not a file")
    _check_file(path, "JSONL", reading)
    return path


def _sql_url(url: str) -> Any:
    """The parsed SQLAlchemy URL; ValueError, saying what is wrong, for one no store can be made of."""
    try:
        from sqlalchemy import exc
        from sqlalchemy.engine import make_url
    except ImportError:  # pragma: no cover - exercised only without the extra installed
        raise ValueError("SQL stores need SQLAlchemy: pip install 'litellm-instrumentation[store]'") from None
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise ValueError(f"store URL {url!r} is not a valid URL: {error}") from None
    try:
        parsed.get_dialect()
    except exc.NoSuchModuleError:
        raise ValueError(
            f"store URL scheme {parsed.drivername!r} is unknown: use sqlite:///path.db, "
            "jsonl:///path/calls.jsonl (or any path ending in .jsonl), "
            "postgresql+psycopg://user@host/db or another SQLAlchemy URL"
        ) from None
    except ImportError as error:
        raise ValueError(
            f"store URL scheme {parsed.drivername!r} needs a database driver that is not installed: {error}"
        ) from None
    return parsed


def _check_sqlite_path(url: URL, reading: bool) -> None:
    shown = url.render_as_string(hide_password=True)
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri"):
        raise ValueError(
            f"store URL {shown!r} names no file: give one, e.g. sqlite:///llm_usage.db "
            "(relative) or sqlite:////var/lib/app/llm_usage.db (absolute)"
        )
    path = Path(database).absolute()
    if path.is_dir():
        raise ValueError(f"store URL {shown!r} names a directory, {path}, not a database file")
    _check_file(path, "SQLite", reading)


def _check_file(path: Path, kind: str, reading: bool) -> None:
    """A store file to read must be there; one to write must be there writable, or creatable."""
    if not reading:
        check_creatable(path, f"the {kind} store")
    elif not path.is_file():
        raise ValueError(f"no {kind} store at {path}: the file does not exist")
