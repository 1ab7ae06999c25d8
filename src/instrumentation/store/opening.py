"""Opening a store to write to it, and upgrading one in place (`migrate`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol

from .jsonl import JsonlStore
from .schema import SCHEMA_VERSION
from .urls import locate

if TYPE_CHECKING:
    from collections.abc import Sequence


class Store(Protocol):
    description: str  # The URL without its password, for messages.
    found_version: int | None
    permanent_errors: tuple[type[BaseException], ...]  # Failures a retry cannot mend.

    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...
    def close(self) -> None: ...


def open_store(url: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Store:
    """Open (creating when new) the store at `url`; ValueError when the URL names no usable store,
    StoreVersionError when the store's schema version is not one this code writes."""
    location = locate(url)
    if location.jsonl is not None:
        return JsonlStore(location.jsonl)
    from .sql import SqlStore  # SQLAlchemy only for SQL stores.

    return SqlStore(location.sql, migrate=migrate)


def migrate(url: str | os.PathLike[str] | None = None) -> tuple[int, int]:
    """Upgrade the store at `url` to this code's schema version, in place: adds the columns of every
    later version to a SQL store's table (JSONL rows carry their own version: nothing to rewrite).
    Returns (version found, version now); raises StoreVersionError for a store newer than this code."""
    location = locate(url)
    if location.jsonl is not None:
        store: Store = JsonlStore(location.jsonl)
    else:
        from .sql import SqlStore

        store = SqlStore(location.sql, migrate=True, wait_for_server=False)
    store.close()
    return store.found_version or SCHEMA_VERSION, SCHEMA_VERSION
