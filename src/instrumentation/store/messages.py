"""Messages about a store: its failures told in one line."""

from __future__ import annotations

from typing import Any


def brief(error: Any) -> str:
    """One line about the error: the driver's own message, not SQLAlchemy's wrapper (which quotes the
    SQL statement and its parameters, and links to its docs)."""
    if error is None:
        return "unknown error"
    cause = getattr(error, "orig", None) or error
    text = " ".join(str(cause).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__
