"""What rows a question is about: `UsageFilter`, checked once, handed to the store's reader as a `RowQuery`.

Dates: `start` and `end` take ISO dates (`2024-05-01`) or datetimes (`2024-05-01T12:00`, with or
without an offset; without one, UTC). `end` as a date includes that whole day. `last_days=N` keeps
the calls of the last N * 24 hours. Tokens filters compare `total_tokens`, latency filters `latency_ms`.
`tags={"tier": "pro"}` keeps calls tagged so with `llm_context(tags=...)` (kept in `extras`).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from typing import Any

from ..store.reading import RowQuery

# Filter field -> the store column it compares with equality.
EQUALITY_COLUMNS = {
    "provider": "api_provider",
    "model": "model",
    "operation": "operation",
    "api_type": "api_type",
    "status": "status",
    "user": "user_id",
    "session": "session_id",
    "source": "source_id",
    "agent": "agent",
    "workspace": "workspace",
}


@dataclasses.dataclass(frozen=True)
class UsageFilter:
    start: str | date | datetime | None = None
    end: str | date | datetime | None = None
    last_days: float | None = None
    provider: str | None = None
    model: str | None = None
    operation: str | None = None
    api_type: str | None = None
    status: str | None = None
    user: str | None = None
    session: str | None = None
    source: str | None = None
    agent: str | None = None
    workspace: str | None = None
    min_tokens: int | None = None
    max_tokens: int | None = None
    min_latency_ms: float | None = None
    max_latency_ms: float | None = None
    tags: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, **values: Any) -> UsageFilter:
        """A checked filter; ValueError naming the bad filter."""
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f"unknown filter {unknown[0]!r}: known filters are {', '.join(sorted(names))}")
        tags = values.get("tags") or ()
        if isinstance(tags, dict):
            tags = tuple(sorted((str(key), str(value)) for key, value in tags.items()))
        values["tags"] = tuple(tags)
        made = cls(**{key: value for key, value in values.items() if value is not None})
        made.time_range()  # Checks the dates.
        for name in ("last_days", "min_tokens", "max_tokens", "min_latency_ms", "max_latency_ms"):
            value = getattr(made, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if value < 0:
                raise ValueError(f"{name} must not be negative, got {value!r}")
        return made

    def merged(self, **values: Any) -> UsageFilter:
        """This filter with more conditions (given ones replace this filter's)."""
        current = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        current.update({key: value for key, value in values.items() if value is not None})
        return UsageFilter.of(**current)

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """[since, until): UTC datetimes, None for no bound."""
        since = parse_when(self.start, "start", end=False)
        until = parse_when(self.end, "end", end=True)
        if self.last_days is not None:
            recent = datetime.now(timezone.utc) - timedelta(days=self.last_days)
            since = recent if since is None else max(since, recent)
        if since is not None and until is not None and until < since:
            raise ValueError(f"end {self.end!s} is before start {self.start!s}")
        return since, until

    def row_query(self) -> RowQuery:
        """The rows this filter keeps, as the store's reader reads them."""
        since, until = self.time_range()
        equal = {
            column: getattr(self, name)
            for name, column in EQUALITY_COLUMNS.items()
            if getattr(self, name) is not None
        }
        bounds = [
            ("total_tokens", ">=", self.min_tokens),
            ("total_tokens", "<=", self.max_tokens),
            ("latency_ms", ">=", self.min_latency_ms),
            ("latency_ms", "<=", self.max_latency_ms),
        ]
        return RowQuery(
            since, until, equal, tuple(bound for bound in bounds if bound[2] is not None), self.tags
        )


def parse_when(value: str | date | datetime | None, name: str, *, end: bool) -> datetime | None:
    """An ISO date or datetime as a UTC datetime; a date as end is the start of the next day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day) + (timedelta(days=1) if end else timedelta())
    elif isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                day = date.fromisoformat(text)
                return parse_when(day, name, end=end)
            moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
        except ValueError:
            raise ValueError(
                f"{name} {value!r} is not an ISO date or datetime (e.g. 2024-05-01 or 2024-05-01T12:30:00)"
            ) from None
    else:
        raise ValueError(f"{name} must be an ISO date or datetime string, got {value!r}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
