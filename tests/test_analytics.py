"""UsageAnalyzer over real stores filled by the real exporter: generated SDK spans with exact llm.*
attributes plus real instrumented LiteLLM calls; every figure checked against plain Python over the
stored rows."""

from __future__ import annotations

import json
import math
import random
import time
from typing import Any

import litellm
import pytest
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

from instrumentation import llm_context
from instrumentation.analytics import UsageAnalyzer, UsageStats
from instrumentation.store import StoreSpanExporter

from .conftest import MODEL
from .openai_bodies import error_body
from .openai_server import Scripted
from .test_store_support import START_NS, llm_span, stored_rows

HI = [{"role": "user", "content": "hi"}]
DAY_NS = 86_400 * 10**9
NOW_NS = time.time_ns()
BREAKDOWNS = {
    "by_model": "model",
    "by_operation": "operation",
    "by_provider": "api_provider",
    "by_user": "user_id",
    "by_session": "session_id",
}


def generated_spans(count: int = 160, seed: int = 7) -> list[Any]:
    """Spans over 12 days of 2023 and the last 2 days, every column varied, some values unknown."""
    rng = random.Random(seed)
    spans = []
    for index in range(count):
        recent = index % 8 == 0
        start = NOW_NS - rng.randrange(0, 2 * DAY_NS) if recent else START_NS + rng.randrange(0, 12 * DAY_NS)
        provider, model = rng.choice(
            [("openai", "gpt-4o-mini"), ("openai", "gpt-4o"), ("anthropic", "claude-3-5-haiku")]
        )
        attributes: dict[str, Any] = {
            "llm.vendor": "litellm",
            "llm.operation": rng.choice(["chat", "chat", "embeddings"]),
            "llm.provider": provider,
            "llm.request.model": model,
        }
        for key, values in (
            ("llm.context.user_id", ["alice", "bob", "carol", None]),
            ("llm.context.session_id", ["s1", "s2", "s3", "s4", None]),
            ("llm.context.source_id", ["doc-1", "doc-2", None]),
            ("llm.context.agent", ["planner", "writer", None]),
            ("llm.context.workspace", ["w1", "w2"]),
            ("llm.api_type", ["llm", "stt", None]),
            ("llm.context.tags.tier", ["pro", "free", None]),
        ):
            value = rng.choice(values)
            if value is not None:
                attributes[key] = value
        error = None
        if rng.random() < 0.2:
            category = rng.choice(["rate_limit", "auth", "timeout", None])
            if category:
                attributes["llm.error.category"] = category
            error = "boom"
        else:
            prompt, completion = rng.randrange(1, 2000), rng.randrange(0, 800)
            attributes["llm.usage.prompt_tokens"] = prompt
            attributes["llm.usage.completion_tokens"] = completion
            attributes["llm.usage.total_tokens"] = prompt + completion
            if rng.random() < 0.9:
                attributes["llm.cost.total_usd"] = round(rng.random() / 100, 8)
            if rng.random() < 0.4:
                attributes["llm.response.time_to_first_token"] = rng.random()
            if index % 9 == 4:  # Answered from LiteLLM's cache: no cost, what it would have cost saved.
                attributes["llm.response.cache_hit"] = True
                attributes["llm.cost.saved_usd"] = attributes.pop("llm.cost.total_usd", 0.005)
                attributes["llm.cost.total_usd"] = 0.0
        if index % 7 == 3:  # Retried, whatever the outcome.
            attributes["llm.request.attempts"] = 2 + index % 3
        duration = rng.randrange(10, 5000) * 1_000_000 + rng.randrange(0, 1000)
        spans.append(llm_span(attributes, start_ns=start, duration_ns=duration, error=error))
    return spans


def export(url: str, spans: list[Any]) -> None:
    exporter = StoreSpanExporter(url)
    assert exporter.export(spans) is SpanExportResult.SUCCESS
    exporter.shutdown()


def stored(url: str) -> list[dict[str, Any]]:
    return stored_rows(url)


def instrumented_calls(url: str, tracer_provider, openai_server, call_args) -> None:
    """Three real LiteLLM calls through the instrumentation into the store: an error, a call, a stream."""
    tracer_provider.add_span_processor(BatchSpanProcessor(StoreSpanExporter(url)))
    openai_server.script(
        "/v1/chat/completions", Scripted(status=429, body=error_body("Slow down", "requests"))
    )
    with llm_context(user_id="u-real", session_id="s-real", tags={"tier": "gold"}):
        with pytest.raises(litellm.RateLimitError):
            litellm.completion(model=MODEL, messages=HI, **call_args)
        litellm.completion(model=MODEL, messages=HI, **call_args)
        for _ in litellm.completion(model=MODEL, messages=HI, stream=True, **call_args):
            pass
    tracer_provider.force_flush()


@pytest.fixture(params=["sqlite", "jsonl"])
def filled(request, tmp_path, instrument, tracer_provider, openai_server, call_args) -> str:
    url = (
        f"sqlite:///{tmp_path}/llm_usage.db"
        if request.param == "sqlite"
        else f"jsonl://{tmp_path}/calls.jsonl"
    )
    export(url, generated_spans())
    instrumented_calls(url, tracer_provider, openai_server, call_args)
    return url


# -- the reference: plain Python over the stored rows ---------------------------------------------


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Tokens of the calls a provider processed; cache hits apart; attempts NULL (older rows) as 1."""
    processed = [row for row in rows if not row["cache_hit"]]
    hits = [row for row in rows if row["cache_hit"]]
    attempts = [1 if row["attempts"] is None else row["attempts"] for row in rows]
    return {
        "calls": len(rows),
        "input_tokens": sum(row["input_tokens"] or 0 for row in processed),
        "output_tokens": sum(row["output_tokens"] or 0 for row in processed),
        "total_tokens": sum(row["total_tokens"] or 0 for row in processed),
        "cost_usd": sum(row["cost_usd"] or 0 for row in rows),
        "cache_hits": len(hits),
        "cache_hit_tokens": sum(row["total_tokens"] or 0 for row in hits),
        "saved_cost_usd": sum(row["saved_cost_usd"] or 0 for row in rows),
        "retried_calls": sum(count > 1 for count in attempts),
        "attempts": sum(attempts),
    }


def approx_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A breakdown entry, its sums of floats compared to within rounding."""
    return {
        **entry,
        "cost_usd": pytest.approx(entry["cost_usd"], abs=1e-12),
        "saved_cost_usd": pytest.approx(entry["saved_cost_usd"], abs=1e-12),
    }


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def group(rows: list[dict[str, Any]], key) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        value = key(row)
        groups.setdefault("(none)" if value is None else value, []).append(row)
    return {name: totals(members) for name, members in groups.items()}


def check_stats(stats: UsageStats, rows: list[dict[str, Any]]) -> None:
    expected = totals(rows)
    assert stats.total_calls == expected["calls"]
    assert stats.successful_calls == sum(row["status"] == "success" for row in rows)
    assert stats.failed_calls == sum(row["status"] != "success" for row in rows)
    assert stats.total_input_tokens == expected["input_tokens"]
    assert stats.total_output_tokens == expected["output_tokens"]
    assert stats.total_tokens == expected["total_tokens"]
    assert stats.total_cost_usd == pytest.approx(expected["cost_usd"], rel=1e-9, abs=1e-12)
    assert (stats.cache_hits, stats.cache_hit_tokens) == (
        expected["cache_hits"],
        expected["cache_hit_tokens"],
    )
    assert stats.saved_cost_usd == pytest.approx(expected["saved_cost_usd"], rel=1e-9, abs=1e-12)
    assert (stats.retried_calls, stats.total_attempts) == (expected["retried_calls"], expected["attempts"])
    latencies = [row["latency_ms"] for row in rows if row["latency_ms"] is not None]
    ttfts = [row["time_to_first_token_ms"] for row in rows if row["time_to_first_token_ms"] is not None]
    assert stats.avg_latency_ms == (pytest.approx(sum(latencies) / len(latencies)) if latencies else None)
    for name, values, q in (
        ("p50_latency_ms", latencies, 0.5),
        ("p95_latency_ms", latencies, 0.95),
        ("p99_latency_ms", latencies, 0.99),
        ("p50_ttft_ms", ttfts, 0.5),
        ("p95_ttft_ms", ttfts, 0.95),
    ):
        want = percentile(values, q)
        assert getattr(stats, name) == (None if want is None else pytest.approx(want)), name
    categories: dict[str, int] = {}
    for row in rows:
        if row["status"] != "success":
            key = row["error_category"] or "unknown"
            categories[key] = categories.get(key, 0) + 1
    assert stats.error_categories == categories
    for name, column in {**BREAKDOWNS, "by_day": None}.items():
        key = (lambda row: row["timestamp"][:10]) if column is None else (lambda row, c=column: row[c])
        want = group(rows, key)
        got = getattr(stats, name)
        assert set(got) == set(want), name
        for value, entry in want.items():
            assert got[value] == approx_entry(entry), (name, value)
    assert list(stats.by_day) == sorted(stats.by_day)
    costs = [entry["cost_usd"] for entry in stats.by_model.values()]
    assert costs == sorted(costs, reverse=True)


# -- tests ------------------------------------------------------------------------------------------


def test_stats_match_plain_python(filled):
    rows = stored(filled)
    assert len(rows) == 163
    stats = UsageAnalyzer(filled).get_stats()
    check_stats(stats, rows)
    assert set(stats.to_dict()) == {field for field in UsageStats.__dataclass_fields__}
    real = stats.by_user["u-real"]
    assert real["calls"] == 3 and real["total_tokens"] > 0 and real["cost_usd"] > 0
    # The generated calls include cache hits and retries; the real ones were neither.
    assert (stats.cache_hits, stats.retried_calls) == (14, 23)  # Of the 160 generated with seed 7.
    assert (real["cache_hits"], real["retried_calls"], real["attempts"]) == (0, 0, 3)
    assert stats.error_categories["rate_limit"] >= 1


FILTERS: list[tuple[dict[str, Any], Any]] = [
    ({"provider": "anthropic"}, lambda r: r["api_provider"] == "anthropic"),
    ({"model": "gpt-4o"}, lambda r: r["model"] == "gpt-4o"),
    ({"operation": "embeddings"}, lambda r: r["operation"] == "embeddings"),
    ({"api_type": "stt"}, lambda r: r["api_type"] == "stt"),
    ({"status": "error"}, lambda r: r["status"] == "error"),
    ({"status": "timeout"}, lambda r: r["status"] == "timeout"),
    ({"user": "alice"}, lambda r: r["user_id"] == "alice"),
    ({"session": "s2"}, lambda r: r["session_id"] == "s2"),
    ({"source": "doc-1"}, lambda r: r["source_id"] == "doc-1"),
    ({"agent": "writer"}, lambda r: r["agent"] == "writer"),
    ({"workspace": "w1"}, lambda r: r["workspace"] == "w1"),
    ({"min_tokens": 1000}, lambda r: r["total_tokens"] is not None and r["total_tokens"] >= 1000),
    ({"max_tokens": 500}, lambda r: r["total_tokens"] is not None and r["total_tokens"] <= 500),
    ({"min_latency_ms": 2500}, lambda r: r["latency_ms"] >= 2500),
    ({"max_latency_ms": 1000.5}, lambda r: r["latency_ms"] <= 1000.5),
    ({"start": "2023-11-18"}, lambda r: r["timestamp"] >= "2023-11-18"),
    ({"end": "2023-11-18"}, lambda r: r["timestamp"] < "2023-11-19"),
    (
        {"start": "2023-11-16T06:00:00", "end": "2023-11-20T00:00:00+00:00"},
        lambda r: "2023-11-16T06:00:00" <= r["timestamp"] < "2023-11-20",
    ),
    ({"last_days": 3}, lambda r: r["timestamp"] >= "2024"),
    ({"tags": {"tier": "pro"}}, lambda r: (r["extras"] or {}).get("llm.context.tags.tier") == "pro"),
    (
        {"tags": {"tier": "gold"}, "status": "success"},
        lambda r: r["user_id"] == "u-real" and r["status"] == "success",
    ),
    (
        {"provider": "openai", "user": "bob", "min_tokens": 10},
        lambda r: r["api_provider"] == "openai" and r["user_id"] == "bob" and (r["total_tokens"] or 0) >= 10,
    ),
]


def test_filters(filled):
    rows = stored(filled)
    analyzer = UsageAnalyzer(filled)
    for filters, keep in FILTERS:
        expected = [row for row in rows if keep(row)]
        assert expected, filters
        stats = analyzer.get_stats(**filters)
        assert stats.total_calls == len(expected), filters
        check_stats(stats, expected)
        frame = analyzer.to_polars(**filters)
        assert sorted(frame["id"].to_list()) == sorted(row["id"] for row in expected), filters
    # Filters given to the analyzer apply to every question, and add up with a question's own.
    alice = UsageAnalyzer(filled, user="alice")
    check_stats(
        alice.get_stats(provider="openai"),
        [r for r in rows if r["user_id"] == "alice" and r["api_provider"] == "openai"],
    )


def test_groups_summary_and_period(filled):
    rows = stored(filled)
    analyzer = UsageAnalyzer(filled)
    users = analyzer.get_user_usage()
    want = group(rows, lambda row: row["user_id"])
    assert {entry["key"]: entry["calls"] for entry in users} == {
        key: value["calls"] for key, value in want.items()
    }
    alice = next(entry for entry in users if entry["key"] == "alice")
    alice_rows = [row for row in rows if row["user_id"] == "alice"]
    assert alice["failed_calls"] == sum(row["status"] != "success" for row in alice_rows)
    assert alice["sessions"] == len({row["session_id"] for row in alice_rows} - {None})
    assert alice["last_call"] == max(row["timestamp"] for row in alice_rows)
    check_stats(analyzer.get_user_usage("alice"), alice_rows)
    check_stats(analyzer.get_session_usage("s1"), [row for row in rows if row["session_id"] == "s1"])
    check_stats(analyzer.get_source_usage("doc-2"), [row for row in rows if row["source_id"] == "doc-2"])
    sessions = analyzer.get_session_usage(user="bob")
    assert {e["key"] for e in sessions} == {
        r["session_id"] or "(none)" for r in rows if r["user_id"] == "bob"
    }
    sources = analyzer.get_source_usage()
    assert sum(entry["calls"] for entry in sources) == len(rows)

    summary = analyzer.get_usage_summary()
    assert summary["unique_users"] == len({row["user_id"] for row in rows} - {None})
    assert summary["unique_sessions"] == len({row["session_id"] for row in rows} - {None})
    assert summary["unique_sources"] == len({row["source_id"] for row in rows} - {None})
    assert summary["first_call"] == min(row["timestamp"] for row in rows)
    assert summary["total_calls"] == len(rows)
    json.dumps(summary)

    period = analyzer.get_usage_by_time_period(days=3)
    assert len(period) == 3 and list(period) == sorted(period)
    recent = [row for row in rows if row["timestamp"][:10] >= next(iter(period))]
    assert sum(entry["calls"] for entry in period.values()) == len(recent)
    for day, entry in period.items():
        assert entry == approx_entry(totals([r for r in recent if r["timestamp"][:10] == day]))


def test_export_user_report(filled, tmp_path):
    rows = [row for row in stored(filled) if row["user_id"] == "alice"]
    output = tmp_path / "alice.json"
    report = UsageAnalyzer(filled).export_user_report("alice", output_file=output)
    assert json.loads(output.read_text()) == json.loads(json.dumps(report))
    assert set(report) == {
        "user_id",
        "generated_at",
        "overall_stats",
        "last_30_days",
        "total_sessions",
        "sessions",
    }
    assert report["user_id"] == "alice"
    assert report["overall_stats"]["total_calls"] == len(rows)
    assert report["total_sessions"] == len({row["session_id"] for row in rows} - {None})
    assert report["sessions"] == {
        key: approx_entry(value) for key, value in group(rows, lambda row: row["session_id"]).items()
    }
    recent = [row for row in rows if row["timestamp"] >= "2024"]
    assert report["last_30_days"]["calls"] == len(recent)
    assert report["last_30_days"]["tokens"] == sum(row["total_tokens"] or 0 for row in recent)


def test_check_thresholds(filled):
    rows = stored(filled)
    analyzer = UsageAnalyzer(filled)
    stats = totals(rows)
    failed = sum(row["status"] != "success" for row in rows)
    assert analyzer.check_thresholds(max_tokens=stats["total_tokens"], max_failed=failed) == []
    breached = analyzer.check_thresholds(max_tokens=10, max_failed=failed - 1, max_cost=stats["cost_usd"] * 2)
    assert breached == [
        {"limit": "max_tokens", "threshold": 10, "actual": stats["total_tokens"]},
        {"limit": "max_failed", "threshold": failed - 1, "actual": failed},
    ]
    recent = [row for row in rows if row["timestamp"] >= "2024"]
    latency = sum(row["latency_ms"] for row in recent) / len(recent)
    assert analyzer.check_thresholds(max_avg_latency_ms=0, period_days=3) == [
        {"limit": "max_avg_latency_ms", "threshold": 0, "actual": pytest.approx(latency)}
    ]


def test_postgresql(postgres_url, tmp_path):
    spans = generated_spans(60, seed=3)
    export(postgres_url, spans)
    rows = stored(postgres_url)
    analyzer = UsageAnalyzer(postgres_url)
    check_stats(analyzer.get_stats(), rows)
    check_stats(
        analyzer.get_stats(provider="openai", start="2023-11-16", tags={"tier": "pro"}),
        [
            r
            for r in rows
            if r["api_provider"] == "openai"
            and r["timestamp"] >= "2023-11-16"
            and (r["extras"] or {}).get("llm.context.tags.tier") == "pro"
        ],
    )
    assert analyzer.to_polars()["timestamp"].to_list() == [row["timestamp"] for row in rows]


def test_empty_store_and_torn_jsonl(tmp_path):
    url = f"sqlite:///{tmp_path}/empty.db"
    export(url, [])
    assert UsageAnalyzer(url).get_stats() == UsageStats()
    assert UsageAnalyzer(url).get_usage_summary()["unique_users"] == 0
    path = tmp_path / "calls.jsonl"
    export(f"jsonl://{path}", generated_spans(20))
    export(f"jsonl://{path}", generated_spans(20))  # The same spans again: each call counts once.
    with open(path, "a") as file:
        file.write('{"id": "torn", "timestamp": "2023')  # A writer killed mid-line.
    rows = stored(f"jsonl://{path}")
    check_stats(UsageAnalyzer(str(path)).get_stats(), rows)
    check_stats(
        UsageAnalyzer(str(path)).get_stats(tags={"tier": "free"}),
        [r for r in rows if (r["extras"] or {}).get("llm.context.tags.tier") == "free"],
    )


@pytest.mark.parametrize(
    ("url", "filters", "message"),
    [
        ("foo://x", {}, "scheme 'foo' is unknown"),
        ("/tmp/x.db", {}, "has no scheme"),
        ("sqlite:///{tmp}/missing.db", {}, "does not exist"),
        ("jsonl://{tmp}/missing.jsonl", {}, "does not exist"),
        ("sqlite:///{tmp}/s.db", {"start": "2024-13-01"}, "start '2024-13-01' is not an ISO date"),
        ("sqlite:///{tmp}/s.db", {"end": "yesterday"}, "end 'yesterday' is not an ISO date"),
        ("sqlite:///{tmp}/s.db", {"last_days": -1}, "last_days must not be negative"),
        ("sqlite:///{tmp}/s.db", {"min_tokens": "many"}, "min_tokens must be a number"),
        ("sqlite:///{tmp}/s.db", {"start": "2024-02-01", "end": "2024-01-01"}, "is before start"),
        ("sqlite:///{tmp}/s.db", {"colour": "red"}, "unknown filter 'colour'"),
    ],
)
def test_bad_input(url, filters, message, tmp_path):
    export(f"sqlite:///{tmp_path}/s.db", [])
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        UsageAnalyzer(url.format(tmp=tmp_path), **filters).get_stats()


def test_bad_arguments(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    export(url, [])
    analyzer = UsageAnalyzer(url)
    with pytest.raises(ValueError, match="days must be a positive whole number"):
        analyzer.get_usage_by_time_period(days=-2)
    with pytest.raises(ValueError, match="max_cost must not be negative"):
        analyzer.check_thresholds(max_cost=-1)
    with pytest.raises(ValueError, match="cannot write"):
        analyzer.export_user_report("u", output_file=tmp_path / "no" / "such" / "dir.json")
    sqlite_not_store = tmp_path / "other.db"
    import sqlite3

    sqlite3.connect(sqlite_not_store).close()
    with pytest.raises(ValueError, match="is not a store"):
        UsageAnalyzer(f"sqlite:///{sqlite_not_store}")
