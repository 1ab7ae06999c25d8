"""Rows of calls LiteLLM answered from its response cache, and of calls that took retries or fallbacks:
`cache_hit`, `saved_cost_usd` and `attempts`, in real SQLite and JSONL files."""

from __future__ import annotations

import pytest

from instrumentation.store import span_to_row

from .test_store import export, ids_of, row_of, stored
from .test_store_support import START_NS, chat_attributes, llm_span

NEW_COLUMNS = ("cache_hit", "saved_cost_usd", "attempts")


@pytest.fixture(params=["sqlite", "jsonl"])
def store_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/llm_usage.db"
    return f"jsonl://{tmp_path}/calls.jsonl"


def new_columns(row: dict) -> tuple:
    return tuple(row[name] for name in NEW_COLUMNS)


def test_a_cache_hit(store_url):
    span = llm_span(
        chat_attributes(
            **{"llm.response.cache_hit": True, "llm.cost.total_usd": 0.0, "llm.cost.saved_usd": 4.2e-05}
        ),
        duration_ns=3_000_000,
    )
    export(store_url, span)

    row = row_of(store_url)
    assert new_columns(row) == (True, 4.2e-05, 1)
    # The replayed usage as the response says; the cost 0.0, known, not NULL.
    assert (row["input_tokens"], row["output_tokens"], row["total_tokens"], row["cost_usd"]) == (
        12,
        7,
        19,
        0.0,
    )
    assert row["latency_ms"] == 3.0
    assert row["extras"] == {"llm.vendor": "litellm"}  # The new attributes are columns, not extras too.


def test_a_call_without_the_attributes_was_not_a_hit_and_made_one_attempt(store_url):
    export(store_url, llm_span(chat_attributes(**{"llm.cost.total_usd": 1.5e-05})))

    row = row_of(store_url)
    assert new_columns(row) == (False, None, 1)
    assert row["cost_usd"] == 1.5e-05
    assert row["extras"] == {"llm.vendor": "litellm"}


def test_a_call_that_retried_and_fell_back(store_url):
    retried = llm_span(chat_attributes(**{"llm.request.attempts": 3}))
    fell_back = llm_span(
        chat_attributes(
            **{
                "llm.request.attempts": 2,
                "llm.router.fallbacks": 1,
                "llm.router.model_group": "gpt",
                "llm.router.deployment": "dep-2",
            }
        ),
        start_ns=START_NS + 1,
    )
    failed = llm_span(
        {"llm.operation": "chat", "llm.request.attempts": 4, "llm.error.category": "rate_limit"},
        error="RateLimitError",
        start_ns=START_NS + 2,
    )
    export(store_url, retried, fell_back, failed)

    rows = {row["id"]: row for row in stored(store_url)}
    assert new_columns(rows[ids_of(retried)["id"]]) == (False, None, 3)
    assert rows[ids_of(retried)["id"]]["extras"] == {"llm.vendor": "litellm"}
    back = rows[ids_of(fell_back)["id"]]
    assert new_columns(back) == (False, None, 2)
    # The Router's fallbacks are no column: kept in extras, with the Router's other attributes.
    assert back["extras"] == {
        "llm.vendor": "litellm",
        "llm.router.fallbacks": 1,
        "llm.router.model_group": "gpt",
        "llm.router.deployment": "dep-2",
    }
    failure = rows[ids_of(failed)["id"]]
    assert (failure["status"], *new_columns(failure)) == ("error", False, None, 4)


def test_values_of_the_wrong_type_leave_null_and_are_kept_in_extras(store_url):
    span = llm_span(
        {
            "llm.operation": "chat",
            "llm.response.cache_hit": "yes",
            "llm.cost.saved_usd": "a lot",
            "llm.request.attempts": 0,
        }
    )
    other = llm_span(
        {"llm.operation": "chat", "llm.response.cache_hit": 1, "llm.request.attempts": 2.5},
        start_ns=START_NS + 1,
    )
    export(store_url, span, other)

    rows = {row["id"]: row for row in stored(store_url)}
    first, second = rows[ids_of(span)["id"]], rows[ids_of(other)["id"]]
    assert new_columns(first) == (None, None, None)
    assert first["extras"] == {
        "llm.response.cache_hit": "yes",
        "llm.cost.saved_usd": "a lot",
        "llm.request.attempts": 0,
    }
    assert new_columns(second) == (None, None, None)
    assert second["extras"] == {"llm.response.cache_hit": 1, "llm.request.attempts": 2.5}


def test_whole_floats_are_counts_and_false_is_kept():
    """As for the token counts: an attempts count of 2.0 is 2; an explicit false is false."""
    row = span_to_row(
        llm_span({"llm.operation": "chat", "llm.request.attempts": 2.0, "llm.response.cache_hit": False})
    )
    assert (new_columns(row), row["extras"]) == ((False, None, 2), {})
