"""`llm-usage summary` over 1,000,000 stored rows, in SQLite and in JSONL (goal: under 2 s each).

    python benchmarks/analytics_summary.py [--rows 1000000] [--dir /tmp/bench]

Rows are generated and bulk-inserted straight into the store's table / file (not through spans: that
is the exporter's benchmark), with the store's own schema, then `UsageAnalyzer(url).get_usage_summary()`
is timed (best of --repeat, each a fresh analyzer: the whole read from disk and the computation).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from instrumentation.analytics import UsageAnalyzer
from instrumentation.store import COLUMN_NAMES, SCHEMA_VERSION, open_store
from instrumentation.store.schema import TABLE

MODELS = [
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-4o"),
    ("anthropic", "claude-3-5-haiku"),
    ("gemini", "gemini-2.0"),
]


def rows(count: int, seed: int = 1):
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for index in range(count):
        provider, model = MODELS[index % len(MODELS)]
        failed = rng.random() < 0.05
        prompt, completion = rng.randrange(1, 4000), rng.randrange(0, 1000)
        moment = start + timedelta(seconds=index * 30 + rng.random())
        yield {
            "id": f"{index:048x}",
            "trace_id": f"{index:032x}",
            "span_id": f"{index:016x}",
            "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "operation": "chat",
            "api_provider": provider,
            "api_type": "chat",
            "model": model,
            "response_model": model,
            "status": "error" if failed else "success",
            "error_category": rng.choice(["rate_limit", "timeout", "auth"]) if failed else None,
            "error_message": "boom" if failed else None,
            "input_tokens": None if failed else prompt,
            "output_tokens": None if failed else completion,
            "total_tokens": None if failed else prompt + completion,
            "latency_ms": rng.random() * 5000,
            "time_to_first_token_ms": rng.random() * 800 if index % 3 == 0 else None,
            "cost_usd": None if failed else (prompt + completion) * 1e-6,
            "temperature": 0.2,
            "max_tokens": 1000,
            "user_id": f"user-{index % 500}",
            "session_id": f"session-{index % 20000}",
            "agent": "agent",
            "workspace": "ws",
            "source_id": f"doc-{index % 1000}",
            "source_function": "handler",
            "extras": {"llm.vendor": "litellm"},
        }


def fill_sqlite(path: Path, count: int) -> str:
    url = f"sqlite:///{path}"
    open_store(url).close()  # The store's own tables and version.
    columns = ", ".join(COLUMN_NAMES)
    marks = ", ".join("?" for _ in COLUMN_NAMES)
    with sqlite3.connect(path) as connection:
        connection.executemany(
            f"INSERT INTO {TABLE} ({columns}) VALUES ({marks})",
            (
                tuple(json.dumps(row[name]) if name == "extras" else row[name] for name in COLUMN_NAMES)
                for row in rows(count)
            ),
        )
    return url


def fill_jsonl(path: Path, count: int) -> str:
    with open(path, "w") as file:
        for row in rows(count):
            file.write(json.dumps({"schema_version": SCHEMA_VERSION, **row}) + "\n")
    return f"jsonl://{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where to write the stores (default: a temporary one)")
    options = parser.parse_args()
    base = Path(options.dir or tempfile.mkdtemp(prefix="llm-usage-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    for kind, fill, name in (("sqlite", fill_sqlite, "bench.db"), ("jsonl", fill_jsonl, "bench.jsonl")):
        path = base / name
        path.unlink(missing_ok=True)
        began = time.perf_counter()
        url = fill(path, options.rows)
        filled = time.perf_counter() - began
        timings = []
        for _ in range(options.repeat):
            began = time.perf_counter()
            summary = UsageAnalyzer(url).get_usage_summary()
            timings.append(time.perf_counter() - began)
        assert summary["total_calls"] == options.rows, summary["total_calls"]
        size = path.stat().st_size / 1e6
        print(
            f"{kind:6}  {options.rows:,} rows ({size:,.0f} MB, filled in {filled:.1f} s): summary best "
            f"{min(timings):.2f} s, median {sorted(timings)[len(timings) // 2]:.2f} s "
            f"(calls {summary['total_calls']:,}, cost ${summary['total_cost_usd']:,.2f}, "
            f"p95 latency {summary['p95_latency_ms']:.0f} ms, users {summary['unique_users']})"
        )


if __name__ == "__main__":
    main()
