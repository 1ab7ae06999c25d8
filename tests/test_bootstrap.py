"""`instrumentation.init()`: one call, and every LLM call lands in the local store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).parent / "apps" / "init_app.py"


def _run(*arguments: str) -> None:
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    environment.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    result = subprocess.run(
        [sys.executable, str(APP), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("done")


@pytest.mark.parametrize("twice", [False, True], ids=["once", "init-twice"])
def test_init_stores_every_call_in_sqlite(twice, openai_server, tmp_path):
    database = tmp_path / "usage.db"

    _run(openai_server.base_url, f"sqlite:///{database}", *(["--twice"] if twice else []))

    rows = (
        sqlite3.connect(database)
        .execute(
            "SELECT operation, api_provider, model, status, input_tokens, output_tokens, user_id, session_id,"
            " cost_usd FROM llm_calls ORDER BY timestamp"
        )
        .fetchall()
    )
    assert [row[:8] for row in rows] == [
        ("chat", "openai", "openai/gpt-4o-mini", "success", 12, 7, "u-init", "s-init"),
        ("chat", "openai", "openai/gpt-4o-mini", "success", rows[1][4], rows[1][5], "u-init", "s-init"),
    ]
    assert all(row[8] > 0 for row in rows)


def test_init_stores_every_call_in_jsonl(openai_server, tmp_path):
    path = tmp_path / "calls.jsonl"

    _run(openai_server.base_url, str(path))

    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(row["operation"], row["user_id"], row["status"]) for row in rows] == [
        ("chat", "u-init", "success")
    ] * 2


def test_a_bad_store_url_is_refused_before_anything_changes():
    import instrumentation

    with pytest.raises(ValueError):
        instrumentation.init(store="nosuchscheme://x")
