"""Statistics that stay right with LiteLLM's response cache, retries and fallbacks: a store holding cache
hits, misses, retried calls (succeeded and failed) and a row written before schema version 3, in SQLite,
JSONL and PostgreSQL; every figure an exact number worked out by hand, in the analyzer, the `llm-usage`
summary (text and JSON), the user report and the HTML report."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from instrumentation.analytics import UsageAnalyzer
from instrumentation.analytics.cli import main

from .test_analytics import export
from .test_store_schema import V2_ROW, make_old_store
from .test_store_support import START_NS, chat_attributes, llm_span

DAY_NS = 86_400 * 10**9
ODD_MODEL = "m<2>&"  # Text the HTML report must escape.


def usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "llm.usage.prompt_tokens": prompt,
        "llm.usage.completion_tokens": completion,
        "llm.usage.total_tokens": prompt + completion,
    }


def calls() -> list[Any]:
    """Six calls over two days (2023-11-14 and -15); the costs are exact in binary."""
    day1, day2 = START_NS, START_NS + DAY_NS

    def chat(model: str, user: str | None, **extra: Any) -> dict[str, Any]:
        attributes = chat_attributes()
        for name in ("llm.usage.prompt_tokens", "llm.usage.completion_tokens", "llm.usage.total_tokens"):
            attributes.pop(name)  # Each call says its own usage, or none.
        attributes.update({"llm.request.model": model, **extra})
        if user is not None:
            attributes["llm.context.user_id"] = user
        return attributes

    return [
        # A: a miss, one attempt.
        llm_span(chat("m1", "u1", **usage(100, 50), **{"llm.cost.total_usd": 0.5}), start_ns=day1),
        # B: the same call answered from the cache: its usage replayed, cost 0, 0.5 saved.
        llm_span(
            chat(
                "m1",
                "u1",
                **usage(100, 50),
                **{"llm.response.cache_hit": True, "llm.cost.total_usd": 0.0, "llm.cost.saved_usd": 0.5},
            ),
            start_ns=day1 + 1,
        ),
        # C: three attempts, a Router fallback among them, then success.
        llm_span(
            chat(
                ODD_MODEL,
                "u2",
                **usage(10, 5),
                **{"llm.cost.total_usd": 0.25, "llm.request.attempts": 3, "llm.router.fallbacks": 1},
            ),
            start_ns=day1 + 2,
        ),
        # D: two attempts, and still failed.
        llm_span(
            chat(ODD_MODEL, "u2", **{"llm.request.attempts": 2, "llm.error.category": "rate_limit"}),
            start_ns=day2,
            error="RateLimitError",
        ),
        # E: an embedding answered from the cache, what it would have cost unknown.
        llm_span(
            chat(
                ODD_MODEL,
                "u1",
                **usage(20, 0),
                **{"llm.operation": "embeddings", "llm.response.cache_hit": True, "llm.cost.total_usd": 0.0},
            ),
            start_ns=day2 + 1,
        ),
        # F: timed out after one attempt.
        llm_span(chat("m1", None, **{"llm.error.category": "timeout"}), start_ns=day2 + 2, error="Timeout"),
    ]


def entry(
    calls: int,
    tokens: tuple[int, int, int] = (0, 0, 0),
    cost: float = 0.0,
    hits: int = 0,
    hit_tokens: int = 0,
    saved: float = 0.0,
    retried: int = 0,
    attempts: int = 1,
) -> dict[str, Any]:
    return {
        "calls": calls,
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "total_tokens": tokens[2],
        "cost_usd": cost,
        "cache_hits": hits,
        "cache_hit_tokens": hit_tokens,
        "saved_cost_usd": saved,
        "retried_calls": retried,
        "attempts": attempts,
    }


# The row of version 2 (V2_ROW: gpt-4, 3 input tokens, success, 2024-01-01) has no cache_hit and no
# attempts: a call a provider answered, in one attempt. Hits B and E: tokens not counted (150 + 20 apart).
EVERYTHING = entry(7, (113, 55, 165), 0.75, hits=2, hit_tokens=170, saved=0.5, retried=2, attempts=10)
OLD = entry(1, (3, 0, 0))
EXPECTED_BREAKDOWNS = {
    "by_model": {
        "m1": entry(3, (100, 50, 150), 0.5, hits=1, hit_tokens=150, saved=0.5, attempts=3),
        ODD_MODEL: entry(3, (10, 5, 15), 0.25, hits=1, hit_tokens=20, retried=2, attempts=6),
        "gpt-4": OLD,
    },
    "by_operation": {
        "chat": entry(6, (113, 55, 165), 0.75, hits=1, hit_tokens=150, saved=0.5, retried=2, attempts=9),
        "embeddings": entry(1, hits=1, hit_tokens=20),
    },
    "by_provider": {"openai": EVERYTHING},
    "by_user": {
        "u1": entry(3, (100, 50, 150), 0.5, hits=2, hit_tokens=170, saved=0.5, attempts=3),
        "u2": entry(2, (10, 5, 15), 0.25, retried=2, attempts=5),
        "(none)": entry(2, (3, 0, 0), attempts=2),
    },
    "by_session": {"(none)": EVERYTHING},
    "by_day": {
        "2023-11-14": entry(
            3, (110, 55, 165), 0.75, hits=1, hit_tokens=150, saved=0.5, retried=1, attempts=5
        ),
        "2023-11-15": entry(3, hits=1, hit_tokens=20, retried=1, attempts=4),
        "2024-01-01": OLD,
    },
}


@pytest.fixture(params=["sqlite", "jsonl", "postgresql"])
def mixed(request, tmp_path) -> str:
    """The six calls, after a row of a version 2 store (migrated in place for SQL, kept as it was in
    JSONL, where each row carries its version)."""
    if request.param == "jsonl":
        url = f"jsonl://{tmp_path}/calls.jsonl"
        (tmp_path / "calls.jsonl").write_text(json.dumps({"schema_version": 2, **V2_ROW}) + "\n")
    else:
        url = (
            f"sqlite:///{tmp_path}/llm_usage.db"
            if request.param == "sqlite"
            else request.getfixturevalue("postgres_url")
        )
        make_old_store(url, 2)
    export(url, calls())
    return url


def test_the_stats_count_what_providers_processed(mixed):
    stats = UsageAnalyzer(mixed).get_stats()
    assert (stats.total_calls, stats.successful_calls, stats.failed_calls) == (7, 5, 2)
    # Failed: the final outcome of D (after two attempts) and F; C failed twice before it succeeded.
    assert stats.error_categories == {"rate_limit": 1, "timeout": 1}
    assert (stats.total_input_tokens, stats.total_output_tokens, stats.total_tokens) == (113, 55, 165)
    assert stats.total_cost_usd == 0.75
    assert (stats.cache_hits, stats.cache_hit_tokens, stats.saved_cost_usd) == (2, 170, 0.5)
    assert (stats.retried_calls, stats.total_attempts) == (2, 10)
    for name, expected in EXPECTED_BREAKDOWNS.items():
        assert getattr(stats, name) == expected, name
    assert list(stats.by_model) == ["m1", ODD_MODEL, "gpt-4"]  # By cost, largest first.


def test_the_figures_follow_the_filters(mixed):
    analyzer = UsageAnalyzer(mixed)
    hits_of_u1 = analyzer.get_stats(user="u1")
    assert (hits_of_u1.total_calls, hits_of_u1.total_tokens, hits_of_u1.cache_hits) == (3, 150, 2)
    assert (hits_of_u1.cache_hit_tokens, hits_of_u1.saved_cost_usd, hits_of_u1.total_attempts) == (
        170,
        0.5,
        3,
    )
    failed = analyzer.get_stats(status="error")
    assert (failed.total_calls, failed.retried_calls, failed.total_attempts, failed.cache_hits) == (
        1,
        1,
        2,
        0,
    )
    old = analyzer.get_stats(model="gpt-4")
    assert (
        old.total_calls,
        old.total_input_tokens,
        old.cache_hits,
        old.retried_calls,
        old.total_attempts,
    ) == (
        1,
        3,
        0,
        0,
        1,
    )


def test_groups_and_the_period_carry_the_figures(mixed):
    analyzer = UsageAnalyzer(mixed)
    users = {row["key"]: row for row in analyzer.get_user_usage()}
    for key, expected in EXPECTED_BREAKDOWNS["by_user"].items():
        assert {name: users[key][name] for name in expected} == expected, key
    assert (users["u2"]["failed_calls"], users["u1"]["failed_calls"]) == (1, 0)


def test_days_without_calls_are_zeros(mixed):
    period = UsageAnalyzer(mixed).get_usage_by_time_period(days=2)
    assert list(period.values()) == [entry(0, attempts=0)] * 2


def run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_the_summary_shows_them(mixed, capsys):
    out = run(capsys, "--store", mixed, "summary")
    for label, value in (
        ("calls", "7"),
        ("failed", "2"),
        ("total tokens", "165"),
        ("cost \\(USD\\)", "0.750000"),
        ("cache hits", "2"),
        ("cache hit tokens", "170"),
        ("saved by the cache \\(USD\\)", "0.500000"),
        ("retried calls", "2"),
        ("attempts", "10"),
    ):
        assert re.search(rf"^{label}\s+{value}$", out, re.M), label
    lines = out.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("model ")))
    assert lines[header + 2].split() == ["m1", "3", "100", "50", "150", "0.500000", "1", "0.500000", "0"]
    assert lines[header + 3].split() == [ODD_MODEL, "3", "10", "5", "15", "0.250000", "1", "0", "2"]
    day = next(line for line in lines if line.startswith("2023-11-15"))
    assert day.split() == ["2023-11-15", "3", "0", "0", "0", "0", "1", "0", "1"]


def test_without_cache_hits_or_retries_the_breakdowns_have_no_columns_of_zeros(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/plain.db"
    export(url, [llm_span(chat_attributes(**{"llm.cost.total_usd": 0.5}))])
    out = run(capsys, "--store", url, "summary")
    assert re.search(r"^cache hits\s+0$", out, re.M) and re.search(r"^attempts\s+1$", out, re.M)
    header = next(line for line in out.splitlines() if line.startswith("model "))
    assert header.split() == ["model", "calls", "input", "output", "total", "tokens", "cost", "(USD)"]


def test_the_json_summary_and_user_report_carry_them(mixed, capsys, tmp_path):
    summary = json.loads(run(capsys, "--store", mixed, "summary", "--json"))
    figures = {
        "total_calls": 7,
        "failed_calls": 2,
        "total_input_tokens": 113,
        "total_output_tokens": 55,
        "total_tokens": 165,
        "total_cost_usd": 0.75,
        "cache_hits": 2,
        "cache_hit_tokens": 170,
        "saved_cost_usd": 0.5,
        "retried_calls": 2,
        "total_attempts": 10,
    }
    assert {name: summary[name] for name in figures} == figures
    assert summary["by_model"] == EXPECTED_BREAKDOWNS["by_model"]

    output = tmp_path / "u1.json"
    run(capsys, "--store", mixed, "export", "--user", "u1", "--output", str(output))
    overall = json.loads(output.read_text())["overall_stats"]
    assert {
        name: overall[name]
        for name in ("total_tokens", "cache_hits", "cache_hit_tokens", "saved_cost_usd", "total_attempts")
    } == {
        "total_tokens": 150,
        "cache_hits": 2,
        "cache_hit_tokens": 170,
        "saved_cost_usd": 0.5,
        "total_attempts": 3,
    }


def test_the_html_report_shows_them(mixed, capsys, tmp_path):
    output = tmp_path / "usage.html"
    run(capsys, "--store", mixed, "report", "--html", str(output))
    text = output.read_text()
    for card, value in (
        ("total tokens", "165"),
        ("cache hits", "2"),
        ("saved by the cache (USD)", "0.5"),
        ("retried calls", "2"),
    ):
        assert f'<div class="card">{card}<b>{value}</b></div>' in text, card
    assert (
        "<th>day</th><th>calls</th><th>input tokens</th><th>output tokens</th><th>cost (USD)</th>"
        "<th>cache hits</th><th>saved (USD)</th><th>retried</th>"
    ) in text
    assert (
        "<tr><td>2023-11-14</td><td>3</td><td>110</td><td>55</td><td>0.75</td><td>1</td><td>0.5</td><td>1</td></tr>"
        in text
    )
    # The top models, their text escaped.
    assert "<tr><td>m&lt;2&gt;&amp;</td><td>3</td><td>15</td><td>0.25</td><td>1</td><td>2</td></tr>" in text
    assert ODD_MODEL not in text
