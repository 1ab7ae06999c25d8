"""`llm-usage` shows its progress on stderr while it reads a store: rewritten in place on a terminal (a
real pseudo-terminal here), a line per stage and tenth read with `--progress` elsewhere; never on stdout,
so `--json` output stays the same. Warnings logged meanwhile get lines of their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from instrumentation.analytics import UsageAnalyzer
from instrumentation.analytics.cli import main
from instrumentation.analytics.progress import ERASE
from instrumentation.store import sqlite_reader

from .test_analytics import export, generated_spans
from .test_analytics_reading import damaged_jsonl


@pytest.fixture(params=["sqlite", "jsonl"])
def store(request, tmp_path) -> str:
    url = (
        f"sqlite:///{tmp_path}/llm_usage.db"
        if request.param == "sqlite"
        else f"jsonl://{tmp_path}/calls.jsonl"
    )
    export(url, generated_spans(200, seed=11))
    return url


def test_progress_flag_writes_stages_to_stderr_only(store, capsys):
    assert main(["--store", store, "summary", "--json"]) == 0
    quiet, nothing = capsys.readouterr()
    assert nothing == ""  # Stderr is not a terminal here: no progress unless asked.
    assert main(["--store", store, "--progress", "summary", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == quiet
    assert json.loads(out) == json.loads(json.dumps(UsageAnalyzer(store).get_usage_summary()))
    assert err.splitlines() == [
        f"llm-usage: reading {store}",
        f"llm-usage: reading {store}: 200 rows (100%)",
        "llm-usage: computing",
    ]
    assert main(["--store", store, "summary", "--progress", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_a_line_per_tenth_read(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sqlite_reader, "CHUNK_ROWIDS", 10)  # 20 chunks; a line for each new tenth only.
    url = f"sqlite:///{tmp_path}/llm_usage.db"
    export(url, generated_spans(200, seed=11))
    assert main(["--store", url, "users", "--progress"]) == 0
    lines = capsys.readouterr().err.splitlines()
    read = [f"llm-usage: reading {url}: {rows:,} rows ({rows // 2}%)" for rows in (10, *range(20, 201, 20))]
    assert lines == [f"llm-usage: reading {url}", *read, "llm-usage: computing"]


def test_on_a_terminal_the_line_is_rewritten_then_erased(store):
    code, out, shown = on_a_terminal("--store", store, "summary", "--json")
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(UsageAnalyzer(store).get_usage_summary()))
    assert shown == (
        f"{ERASE}llm-usage: reading {store}{ERASE}llm-usage: reading {store}: 200 rows (100%)"
        f"{ERASE}llm-usage: computing{ERASE}"
    )


def test_on_a_terminal_the_line_is_erased_before_an_error(tmp_path):
    url = f"sqlite:///{tmp_path}/llm_usage.db"
    export(url, generated_spans(20))
    code, out, shown = on_a_terminal("--store", url, "report", "--html", "/no/such/dir/r.html")
    assert (code, out) == (2, b"")
    assert shown.endswith(
        f"{ERASE}llm-usage: computing{ERASE}llm-usage: error: cannot write /no/such/dir/r.html: "
        "No such file or directory\r\n"
    )


def test_warnings_on_lines_of_their_own(tmp_path, capsys):
    url = damaged_jsonl(tmp_path)
    warning = (
        f"llm-usage: warning: {tmp_path}/calls.jsonl: skipped 4 lines that are not a whole JSON row "
        "(a writer killed mid-line leaves one)"
    )
    assert main(["--store", url, "summary", "--json"]) == 0
    assert capsys.readouterr().err == warning + "\n"
    assert main(["--store", url, "summary", "--json", "--progress"]) == 0
    assert capsys.readouterr().err.splitlines() == [
        f"llm-usage: reading {url}",
        f"llm-usage: reading {url}: 140 rows (100%)",  # Lines read, repeats included.
        warning,
        "llm-usage: computing",
    ]
    code, out, shown = on_a_terminal("--store", url, "summary", "--json")
    assert code == 0 and json.loads(out)["total_calls"] == 120
    assert shown == (
        f"{ERASE}llm-usage: reading {url}{ERASE}llm-usage: reading {url}: 140 rows (100%){ERASE}"
        f"{warning}\r\n{ERASE}llm-usage: reading {url}: 120 rows (100%){ERASE}llm-usage: computing{ERASE}"
    )


def on_a_terminal(*argv: str) -> tuple[int, bytes, str]:
    """Run `llm-usage` with stderr on a pseudo-terminal: exit code, stdout, what the terminal received."""
    terminal, child_side = os.openpty()
    try:
        done = subprocess.run(
            [Path(sys.executable).with_name("llm-usage"), *argv],
            stdout=subprocess.PIPE,
            stderr=child_side,
            timeout=120,
            check=False,
        )
    finally:
        os.close(child_side)
    chunks = []
    try:
        while chunk := os.read(terminal, 4096):
            chunks.append(chunk)
    except OSError:  # EIO: all read, the other side is closed.
        pass
    finally:
        os.close(terminal)
    return done.returncode, done.stdout, b"".join(chunks).decode()
