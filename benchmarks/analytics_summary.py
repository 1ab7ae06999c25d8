"""`llm-usage summary` over 1,000,000 stored rows, in SQLite and in JSONL (goal: under 2 s each).

    python benchmarks/analytics_summary.py [--rows 1000000] [--repeat 5] [--dir /tmp/bench [--reuse]]

Rows are generated and bulk-inserted straight into the store's table / file (not through spans: that
is the exporter's benchmark), with the store's own schema, then `UsageAnalyzer(url).get_usage_summary()`
is timed --repeat times, each with a fresh analyzer: the whole read from disk and the computation. The
median wall time is the figure; the median CPU time of the process (all its threads) is printed beside it,
since wall time on a shared machine also measures the neighbours.
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
from statistics import median

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
        hit = not failed and index % 20 == 0  # Answered from LiteLLM's cache.
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
            "cost_usd": None if failed else 0.0 if hit else (prompt + completion) * 1e-6,
            "cache_hit": hit,
            "saved_cost_usd": (prompt + completion) * 1e-6 if hit else None,
            "attempts": 2 if index % 25 == 0 else 1,
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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default=None, help="where to write the stores (default: a temporary one)")
    parser.add_argument(
        "--reuse", action="store_true", help="time the stores an earlier run left in --dir, without refilling"
    )
    parser.add_argument("--only", choices=("sqlite", "jsonl"), help="time one kind of store only")
    options = parser.parse_args()
    base = Path(options.dir or tempfile.mkdtemp(prefix="llm-usage-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    for kind, fill, name in (("sqlite", fill_sqlite, "bench.db"), ("jsonl", fill_jsonl, "bench.jsonl")):
        if options.only not in (None, kind):
            continue
        path = base / name
        began = time.perf_counter()
        if options.reuse and path.exists():
            url = f"sqlite:///{path}" if kind == "sqlite" else f"jsonl://{path}"
            filled = "reused"
        else:
            path.unlink(missing_ok=True)
            url = fill(path, options.rows)
            filled = f"filled in {time.perf_counter() - began:.1f} s"
        walls, cpus = [], []
        for _ in range(options.repeat):
            began, began_cpu = time.perf_counter(), time.process_time()
            summary = UsageAnalyzer(url).get_usage_summary()
            walls.append(time.perf_counter() - began)
            cpus.append(time.process_time() - began_cpu)
        assert summary["total_calls"] == options.rows, f"{path} holds {summary['total_calls']:,} calls"
        size = path.stat().st_size / 1e6
        print(
            f"{kind:6}  {options.rows:,} rows ({size:,.0f} MB, {filled}): summary median "
            f"{median(walls):.2f} s (best {min(walls):.2f} s, CPU median {median(cpus):.2f} s; "
            f"{options.repeat} runs) (calls {summary['total_calls']:,}, "
            f"cost ${summary['total_cost_usd']:,.2f}, p95 latency {summary['p95_latency_ms']:.0f} ms, "
            f"users {summary['unique_users']})"
        )


if __name__ == "__main__":
    main()
