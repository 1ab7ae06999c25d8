"""Store URL -> store: which kind of store a URL names, refused at once when no store can be made of it."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol

from .jsonl import JsonlStore

if TYPE_CHECKING:
    from collections.abc import Sequence

DEFAULT_URL = "sqlite:///llm_usage.db"
_JSONL_SCHEME = "jsonl:"


class Store(Protocol):
    description: str  # The URL without its password, for messages.
    found_version: int | None
    permanent_errors: tuple[type[BaseException], ...]  # Failures a retry cannot mend.

    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...
    def read(self) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


def jsonl_location(url: str) -> str | None:
    """The file path of a JSONL store URL (`jsonl:///abs/calls.jsonl`, `jsonl://rel.jsonl`, or a bare path
    ending in `.jsonl`); None for any other URL."""
    if url.startswith(_JSONL_SCHEME):
        rest = url[len(_JSONL_SCHEME) :]
        return rest[2:] if rest.startswith("//") else rest
    if "://" not in url and url.endswith(".jsonl"):
        return url
    return None


def open_store(url: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Store:
    """Open (creating when new) the store at `url`; ValueError when the URL names no usable store,
    StoreVersionError when the store's schema version is not one this code writes."""
    text = DEFAULT_URL if url is None else os.fspath(url)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"store URL must be a non-empty string, got {url!r}")
    location = jsonl_location(text)
    if location is not None:
        return JsonlStore(location)
    if "://" not in text:
        raise ValueError(
            f"store URL {text!r} has no scheme: use sqlite:///{text} for SQLite, a path ending in .jsonl "
            "for JSONL, or a SQLAlchemy URL such as postgresql+psycopg://user@host/db"
        )
    from .sql import SqlStore  # SQLAlchemy only for SQL stores.

    return SqlStore(text, migrate=migrate)


def migrate(url: str | os.PathLike[str] | None = None) -> tuple[int, int]:
    """Upgrade the store at `url` to this code's schema version, in place: adds the columns of every
    later version to a SQL store's table (JSONL rows carry their own version: nothing to rewrite).
    Returns (version found, version now); raises StoreVersionError for a store newer than this code."""
    text = DEFAULT_URL if url is None else os.fspath(url)
    location = jsonl_location(text)
    if location is not None:
        store: Store = JsonlStore(location)
        store.close()
        from .schema import SCHEMA_VERSION

        return store.found_version or SCHEMA_VERSION, SCHEMA_VERSION
    from .sql import migrate_sql

    return migrate_sql(text)
