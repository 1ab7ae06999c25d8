"""Checks on a store's file, so that a bad location is refused at once with what is wrong."""

from __future__ import annotations

import os
from pathlib import Path


def check_creatable(path: Path, store: str) -> None:
    """ValueError unless the file `path` (of `store`, e.g. "the JSONL store") exists writable or can be
    created in an existing, writable directory."""
    parent = path.parent
    if not parent.is_dir():
        what = "is not a directory" if parent.exists() else "does not exist"
        raise ValueError(f"cannot create {store} {path}: its directory {parent} {what}")
    target = path if path.exists() else parent
    if not os.access(target, os.W_OK):
        raise ValueError(f"cannot write {store} {path}: {target} is not writable")
