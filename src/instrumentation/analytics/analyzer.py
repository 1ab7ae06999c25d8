"""Who spent what, on which model, how fast, how often it failed: `UsageAnalyzer` over any store.

::

    from instrumentation.analytics import UsageAnalyzer

    analyzer = UsageAnalyzer("sqlite:///llm_usage.db", last_days=7)   # or jsonl:///..., postgresql+psycopg://...
    stats = analyzer.get_stats(model="openai/gpt-4o-mini")             # a UsageStats
    print(stats.total_calls, stats.total_cost_usd, stats.p95_latency_ms, stats.by_user)
    analyzer.export_user_report("u-1", output_file="u-1.json")
    breached = analyzer.check_thresholds(max_cost=5.0, period_days=1)

Every method takes the filters of `UsageFilter` as keyword arguments (start, end, last_days, provider,
model, operation, api_type, status, user, session, source, agent, workspace, min_tokens, max_tokens,
min_latency_ms, max_latency_ms, tags), added to those given to the analyzer. Rows are read when a
question is asked, the filter pushed down to the store (SQL WHERE with bound parameters, or the JSONL
scan). Unknown values (NULL tokens, cost, latency) count as nothing in sums and are left out of averages
and percentiles. Percentiles interpolate linearly between the two nearest values.

Tokens count what providers processed: the calls LiteLLM answered from its response cache (`cache_hit`)
are left out of the token totals and counted apart (`cache_hits`, `cache_hit_tokens`, `saved_cost_usd`);
their cost is 0, as stored. `retried_calls` are the calls that made more than one provider attempt,
`total_attempts` the attempts of all calls. Rows of stores older than schema version 3 have no
`cache_hit` or `attempts`: they count as calls a provider answered, in one attempt.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import polars as pl

from ..store.reading import FRAME_SCHEMA, StoreReader
from .filters import UsageFilter
from .frames import STATS_COLUMNS, with_day, with_time
from .progress import Progress, no_progress

NONE_KEY = "(none)"  # The breakdown key of calls without that value (no user, no session...).
BREAKDOWNS = {
    "by_model": "model",
    "by_operation": "operation",
    "by_provider": "api_provider",
    "by_user": "user_id",
    "by_session": "session_id",
    "by_day": "day",
}


@dataclasses.dataclass
class UsageStats:
    total_calls: int = 0
    successful_calls: int = 0
    failed_calls: int = 0
    total_input_tokens: int = 0
    total_output_tokens: int = 0
    total_tokens: int = 0
    avg_latency_ms: float | None = None
    p50_latency_ms: float | None = None
    p95_latency_ms: float | None = None
    p99_latency_ms: float | None = None
    p50_ttft_ms: float | None = None
    p95_ttft_ms: float | None = None
    total_cost_usd: float = 0.0
    cache_hits: int = 0
    cache_hit_tokens: int = 0
    saved_cost_usd: float = 0.0
    retried_calls: int = 0
    total_attempts: int = 0
    error_categories: dict[str, int] = dataclasses.field(default_factory=dict)
    by_model: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    by_operation: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    by_provider: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    by_user: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    by_session: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    by_day: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {field.name: _copied(getattr(self, field.name)) for field in dataclasses.fields(self)}


def _totals() -> list[pl.Expr]:
    hit = pl.col("cache_hit").fill_null(False)  # NULL: a row written before the store knew of caching.
    attempts = pl.col("attempts").fill_null(1)  # NULL: written before it knew of retries (or not a count).
    return [
        pl.len().alias("calls"),
        # Tokens the providers processed: a cache hit's replayed usage is not counted again. (`when`, which
        # leaves NULL elsewhere, is quicker here than `filter`.)
        pl.when(~hit).then(pl.col("input_tokens")).sum().alias("input_tokens"),
        pl.when(~hit).then(pl.col("output_tokens")).sum().alias("output_tokens"),
        pl.when(~hit).then(pl.col("total_tokens")).sum().alias("total_tokens"),
        pl.col("cost_usd").sum().alias("cost_usd"),
        hit.sum().alias("cache_hits"),
        pl.when(hit).then(pl.col("total_tokens")).sum().alias("cache_hit_tokens"),
        pl.col("saved_cost_usd").sum().alias("saved_cost_usd"),
        (attempts > 1).sum().alias("retried_calls"),
        attempts.sum().alias("attempts"),
    ]


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "calls": int(row["calls"]),
        "input_tokens": int(row["input_tokens"] or 0),
        "output_tokens": int(row["output_tokens"] or 0),
        "total_tokens": int(row["total_tokens"] or 0),
        "cost_usd": float(row["cost_usd"] or 0.0),
        "cache_hits": int(row["cache_hits"] or 0),
        "cache_hit_tokens": int(row["cache_hit_tokens"] or 0),
        "saved_cost_usd": float(row["saved_cost_usd"] or 0.0),
        "retried_calls": int(row["retried_calls"] or 0),
        "attempts": int(row["attempts"] or 0),
    }


def _zero_entry() -> dict[str, Any]:
    """The entry of a key without calls: every figure 0."""
    return _entry(defaultdict(int))


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _copied(value: Any) -> Any:
    """`dataclasses.asdict`'s deep copy of what a UsageStats holds (numbers, text, dicts), but faster."""
    return {key: _copied(item) for key, item in value.items()} if isinstance(value, dict) else value


def breakdown(frame: pl.DataFrame, column: str) -> dict[str, dict[str, Any]]:
    """Per value of `column`: calls, tokens, cost, cache hits, retries (the `UsageStats` totals, named
    without their `total_`); by cost then calls, largest first (days in order)."""
    grouped = frame.group_by(pl.col(column).fill_null(NONE_KEY).alias("key")).agg(_totals())
    if column == "day":
        grouped = grouped.sort("key")
    else:
        grouped = grouped.sort(["cost_usd", "calls", "key"], descending=[True, True, False], nulls_last=True)
    return {row["key"]: _entry(row) for row in grouped.iter_rows(named=True)}


def _percentiles(values: pl.Series, quantiles: tuple[float, ...]) -> list[float | None]:
    """Linear percentiles of the non-null values: sorted once, each is then a look-up (the same values as
    `quantile` of the unsorted column, which selects anew for each)."""
    ordered = values.drop_nulls().sort()
    return [_float(ordered.quantile(q, "linear")) for q in quantiles]


def compute_stats(frame: pl.DataFrame) -> UsageStats:
    """The UsageStats of these rows."""
    if frame.height == 0:
        return UsageStats()
    frame = with_day(frame)
    head = frame.select(
        *_totals(),
        (pl.col("status") == "success").sum().alias("successful"),
        pl.col("latency_ms").mean().alias("avg"),
    ).row(0, named=True)
    p50, p95, p99 = _percentiles(frame["latency_ms"], (0.5, 0.95, 0.99))
    t50, t95 = _percentiles(frame["time_to_first_token_ms"], (0.5, 0.95))
    failed = frame.filter(pl.col("status").fill_null("") != "success")
    categories = (
        failed.group_by(pl.col("error_category").fill_null("unknown").alias("category"))
        .len()
        .sort(["len", "category"], descending=[True, False])
    )
    totals = _entry(head)
    return UsageStats(
        total_calls=totals["calls"],
        successful_calls=int(head["successful"]),
        failed_calls=totals["calls"] - int(head["successful"]),
        total_input_tokens=totals["input_tokens"],
        total_output_tokens=totals["output_tokens"],
        total_tokens=totals["total_tokens"],
        avg_latency_ms=_float(head["avg"]),
        p50_latency_ms=p50,
        p95_latency_ms=p95,
        p99_latency_ms=p99,
        p50_ttft_ms=t50,
        p95_ttft_ms=t95,
        total_cost_usd=totals["cost_usd"],
        cache_hits=totals["cache_hits"],
        cache_hit_tokens=totals["cache_hit_tokens"],
        saved_cost_usd=totals["saved_cost_usd"],
        retried_calls=totals["retried_calls"],
        total_attempts=totals["attempts"],
        error_categories={row[0]: int(row[1]) for row in categories.iter_rows()},
        **{name: breakdown(frame, column) for name, column in BREAKDOWNS.items()},
    )


class UsageAnalyzer:
    """Questions about the calls in one store. `store_url` as for the exporter (None: the default
    `sqlite:///llm_usage.db`); keyword filters apply to every question. ValueError for a URL naming no
    readable store, or a bad filter. `progress`, when given, is called as rows are read and statistics
    computed: `progress(stage, rows read or None, fraction read or None)` (the command line's shows it)."""

    def __init__(
        self,
        store_url: str | os.PathLike[str] | None = None,
        *,
        progress: Progress | None = None,
        **filters: Any,
    ) -> None:
        self.filter = UsageFilter.of(**filters)
        self._reader = StoreReader(store_url)
        self._progress = progress or no_progress
        self.description = self._reader.description

    def _rows(self, filters: dict[str, Any], columns: tuple[str, ...] = STATS_COLUMNS) -> pl.DataFrame:
        frame = self._reader.frame(self.filter.merged(**filters).row_query(), columns, self._progress)
        self._progress("computing", None, None)
        return frame

    def to_polars(self, **filters: Any) -> pl.DataFrame:
        """The matching rows, every column, plus `time` (the start as a UTC datetime), oldest first."""
        return with_time(self._rows(filters, tuple(FRAME_SCHEMA))).sort("time", "id")

    def get_stats(self, **filters: Any) -> UsageStats:
        return compute_stats(self._rows(filters))

    def get_user_usage(self, user_id: str | None = None, **filters: Any) -> Any:
        """One user's UsageStats; without `user_id`, a row per user (see `group_usage`)."""
        if user_id is not None:
            return self.get_stats(**filters, user=user_id)
        return self.group_usage("user_id", **filters)

    def get_session_usage(self, session_id: str | None = None, **filters: Any) -> Any:
        """One session's UsageStats; without `session_id`, a row per session."""
        if session_id is not None:
            return self.get_stats(**filters, session=session_id)
        return self.group_usage("session_id", **filters)

    def get_source_usage(self, source_id: str | None = None, **filters: Any) -> Any:
        """One source's UsageStats; without `source_id`, a row per source."""
        if source_id is not None:
            return self.get_stats(**filters, source=source_id)
        return self.group_usage("source_id", **filters)

    def group_usage(self, column: str, **filters: Any) -> list[dict[str, Any]]:
        """A row per value of `column` (user_id, session_id, source_id, model...): key, the figures of a
        breakdown (calls, tokens, cost_usd, cache hits, retries), failed_calls, avg_latency_ms, first and
        last call, users and sessions; by cost, largest first."""
        frame = self._rows(filters)
        if frame.height == 0:
            return []
        grouped = (
            frame.group_by(pl.col(column).fill_null(NONE_KEY).alias("key"))
            .agg(
                *_totals(),
                (pl.col("status").fill_null("") != "success").sum().alias("failed_calls"),
                pl.col("latency_ms").mean().alias("avg_latency_ms"),
                pl.col("timestamp").min().alias("first_call"),
                pl.col("timestamp").max().alias("last_call"),
                pl.col("user_id").drop_nulls().n_unique().alias("users"),
                pl.col("session_id").drop_nulls().n_unique().alias("sessions"),
            )
            .sort(["cost_usd", "calls", "key"], descending=[True, True, False], nulls_last=True)
        )
        return [
            {
                "key": row["key"],
                **_entry(row),
                "failed_calls": int(row["failed_calls"]),
                "avg_latency_ms": _float(row["avg_latency_ms"]),
                "first_call": row["first_call"],
                "last_call": row["last_call"],
                "users": int(row["users"]),
                "sessions": int(row["sessions"]),
            }
            for row in grouped.iter_rows(named=True)
        ]

    def get_usage_by_time_period(self, days: int = 7, **filters: Any) -> dict[str, dict[str, Any]]:
        """Per UTC day of the last `days` calendar days, today included; days without calls as zeros."""
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise ValueError(f"days must be a positive whole number, got {days!r}")
        today = datetime.now(timezone.utc).date()
        period = [(today - timedelta(days=back)).isoformat() for back in range(days - 1, -1, -1)]
        found = breakdown(with_day(self._rows({**filters, "start": period[0]})), "day")
        return {day: found.get(day) or _zero_entry() for day in period}

    def get_usage_summary(self, **filters: Any) -> dict[str, Any]:
        """The UsageStats fields plus unique_users, unique_sessions, unique_sources, first_call, last_call."""
        frame = self._rows(filters)
        summary = compute_stats(frame).to_dict()
        for name, column in (("users", "user_id"), ("sessions", "session_id"), ("sources", "source_id")):
            summary[f"unique_{name}"] = int(frame[column].drop_nulls().n_unique()) if frame.height else 0
        summary["first_call"] = frame["timestamp"].min() if frame.height else None
        summary["last_call"] = frame["timestamp"].max() if frame.height else None
        return summary

    def export_user_report(
        self, user_id: str, output_file: str | os.PathLike[str] | None = None, **filters: Any
    ) -> dict[str, Any]:
        """One user's report (user_id, generated_at, overall_stats, last_30_days, total_sessions, sessions);
        also written as JSON to `output_file` when given."""
        frame = self._rows({**filters, "user": user_id})
        recent = self.get_stats(**filters, user=user_id, last_days=30)
        sessions = breakdown(frame, "session_id") if frame.height else {}
        report = {
            "user_id": user_id,
            "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "overall_stats": compute_stats(frame).to_dict(),
            "last_30_days": {
                "calls": recent.total_calls,
                "tokens": recent.total_tokens,
                "cost_usd": recent.total_cost_usd,
            },
            "total_sessions": len([key for key in sessions if key != NONE_KEY]),
            "sessions": sessions,
        }
        if output_file is not None:
            try:
                with open(output_file, "w", encoding="utf-8") as file:
                    json.dump(report, file, indent=2)
                    file.write("\n")
            except OSError as error:
                raise ValueError(f"cannot write {output_file}: {error.strerror or error}") from None
        return report

    def check_thresholds(
        self,
        max_tokens: int | None = None,
        max_failed: int | None = None,
        max_avg_latency_ms: float | None = None,
        max_cost: float | None = None,
        period_days: float | None = None,
        **filters: Any,
    ) -> list[dict[str, Any]]:
        """The limits breached over the last `period_days` (all time when None): a list of
        {"limit", "threshold", "actual"}; empty when all hold. A limit is breached when exceeded."""
        limits = {
            "max_tokens": max_tokens,
            "max_failed": max_failed,
            "max_avg_latency_ms": max_avg_latency_ms,
            "max_cost": max_cost,
        }
        for name, value in limits.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ValueError(f"{name} must be a number, got {value!r}")
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative, got {value!r}")
        if period_days is not None:
            filters = {**filters, "last_days": period_days}
        stats = self.get_stats(**filters)
        actual = {
            "max_tokens": stats.total_tokens,
            "max_failed": stats.failed_calls,
            "max_avg_latency_ms": stats.avg_latency_ms,
            "max_cost": stats.total_cost_usd,
        }
        return [
            {"limit": name, "threshold": limit, "actual": actual[name]}
            for name, limit in limits.items()
            if limit is not None and actual[name] is not None and actual[name] > limit
        ]
