"""`llm-usage`: every command and flag, `--json` parsed back and checked against the analyzer and plain
Python; bad input exits 2 with one line on stderr; the offline HTML report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from instrumentation.analytics import UsageAnalyzer
from instrumentation.analytics.cli import main
from instrumentation.analytics.report import (
    LABEL_CHAR_PX,
    LABEL_GAP_PX,
    PAD,
    WIDTH,
    axis_labels,
    bar_chart,
    label_interval,
)

from .test_analytics import check_stats, export, generated_spans, group, stored, totals

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="module", params=["sqlite", "jsonl"])
def store(request, tmp_path_factory) -> str:
    base = tmp_path_factory.mktemp(request.param)
    url = f"sqlite:///{base}/llm_usage.db" if request.param == "sqlite" else f"jsonl://{base}/calls.jsonl"
    export(url, generated_spans(200, seed=11))
    return url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, store: str, *argv: str):
    code, out, err = run(capsys, "--store", store, *argv, "--json")
    assert (code, err) == (0, ""), err
    return json.loads(out)


def test_summary(store, capsys):
    rows = stored(store)
    summary = as_json(capsys, store, "summary")
    check_stats(UsageAnalyzer(store).get_stats(), rows)
    assert summary == json.loads(json.dumps(UsageAnalyzer(store).get_usage_summary()))
    assert summary["total_calls"] == len(rows)
    assert summary["unique_users"] == len({row["user_id"] for row in rows} - {None})
    code, out, err = run(capsys, "--store", store, "summary")
    assert code == 0 and not err
    assert re.search(rf"^calls\s+{len(rows)}$", out, re.M)
    assert "p50 / p95 / p99 latency (ms)" in out and "error category" in out
    header = next(line for line in out.splitlines() if line.startswith("model "))
    assert header.split() == [
        *("model", "calls", "input", "output", "total", "tokens", "cost", "(USD)"),
        *("cache", "hits", "saved", "(USD)", "retried"),
    ]


@pytest.mark.parametrize(
    ("command", "column"),
    [("users", "user_id"), ("sessions", "session_id"), ("sources", "source_id"), ("models", "model")],
)
def test_groups(store, capsys, command, column):
    rows = stored(store)
    result = as_json(capsys, store, command)
    want = group(rows, lambda row: row[column])
    assert {entry["key"]: entry["calls"] for entry in result} == {k: v["calls"] for k, v in want.items()}
    for entry in result:
        assert entry["total_tokens"] == want[entry["key"]]["total_tokens"]
        assert entry["cost_usd"] == pytest.approx(want[entry["key"]]["cost_usd"])
    code, out, _ = run(capsys, "--store", store, command)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2 + len(want)
    # Aligned: every line of the table as wide as its dashes, numbers right-aligned under the header.
    calls_end = lines[0].index("calls") + len("calls")
    assert all(line[calls_end - 1] != " " for line in lines[2:])


def test_sessions_of_a_user(store, capsys):
    rows = [row for row in stored(store) if row["user_id"] == "bob"]
    result = as_json(capsys, store, "sessions", "--user", "bob")
    assert {entry["key"]: entry["calls"] for entry in result} == {
        key: value["calls"] for key, value in group(rows, lambda row: row["session_id"]).items()
    }


FLAGS = [
    (["--provider", "anthropic"], lambda r: r["api_provider"] == "anthropic"),
    (["--model", "gpt-4o"], lambda r: r["model"] == "gpt-4o"),
    (["--operation", "embeddings"], lambda r: r["operation"] == "embeddings"),
    (["--api-type", "llm"], lambda r: r["api_type"] == "llm"),
    (["--status", "success"], lambda r: r["status"] == "success"),
    (["--user", "carol"], lambda r: r["user_id"] == "carol"),
    (["--session", "s3"], lambda r: r["session_id"] == "s3"),
    (["--source", "doc-2"], lambda r: r["source_id"] == "doc-2"),
    (["--agent", "planner"], lambda r: r["agent"] == "planner"),
    (["--workspace", "w2"], lambda r: r["workspace"] == "w2"),
    (["--min-tokens", "1500"], lambda r: (r["total_tokens"] or -1) >= 1500),
    (["--max-tokens", "300"], lambda r: r["total_tokens"] is not None and r["total_tokens"] <= 300),
    (["--min-latency-ms", "4000"], lambda r: r["latency_ms"] >= 4000),
    (["--max-latency-ms", "100"], lambda r: r["latency_ms"] <= 100),
    (["--start", "2023-11-20"], lambda r: r["timestamp"] >= "2023-11-20"),
    (["--end", "2023-11-17"], lambda r: r["timestamp"] < "2023-11-18"),
    (["--last-days", "2.5"], lambda r: r["timestamp"] >= "2024"),
    (["--tag", "tier=free"], lambda r: (r["extras"] or {}).get("llm.context.tags.tier") == "free"),
    (
        ["--tag", "tier=pro", "--provider", "openai", "--start", "2023-11-15T00:00:00Z"],
        lambda r: (
            (r["extras"] or {}).get("llm.context.tags.tier") == "pro"
            and r["api_provider"] == "openai"
            and r["timestamp"] >= "2023-11-15"
        ),
    ),
]


@pytest.mark.parametrize(("flags", "keep"), FLAGS, ids=[" ".join(flags) for flags, _ in FLAGS])
def test_filter_flags(store, capsys, flags, keep):
    expected = [row for row in stored(store) if keep(row)]
    assert expected
    summary = as_json(capsys, store, "summary", *flags)
    assert summary["total_calls"] == len(expected)
    assert summary["total_tokens"] == totals(expected)["total_tokens"]
    assert summary["failed_calls"] == sum(row["status"] != "success" for row in expected)
    users = as_json(capsys, store, "users", *flags)
    assert sum(entry["calls"] for entry in users) == len(expected)


def test_export(store, capsys, tmp_path):
    rows = [row for row in stored(store) if row["user_id"] == "alice"]
    output = tmp_path / "alice.json"
    code, out, err = run(capsys, "--store", store, "export", "--user", "alice", "--output", str(output))
    assert (code, err) == (0, "") and str(output) in out
    report = json.loads(output.read_text())
    assert report["user_id"] == "alice" and report["overall_stats"]["total_calls"] == len(rows)
    assert report["total_sessions"] == len({row["session_id"] for row in rows} - {None})
    printed = as_json(capsys, store, "export", "--user", "alice")
    assert printed["sessions"] == report["sessions"]
    code, _, err = run(capsys, "--store", store, "export")
    assert code == 2 and err == "llm-usage: error: export needs --user USER_ID\n"


def test_check(store, capsys):
    rows = stored(store)
    tokens = totals(rows)["total_tokens"]
    failed = sum(row["status"] != "success" for row in rows)
    assert (
        as_json(capsys, store, "check", "--max-total-tokens", str(tokens), "--max-failed", str(failed)) == []
    )
    code, out, _ = run(capsys, "--store", store, "check", "--max-total-tokens", str(tokens))
    assert (code, out) == (0, "all limits hold\n")
    code, out, _ = run(capsys, "--store", store, "check", "--max-failed", "0", "--max-cost", "1e9", "--json")
    assert code == 1
    assert json.loads(out) == [{"limit": "max_failed", "threshold": 0, "actual": failed}]
    code, out, _ = run(capsys, "--store", store, "check", "--max-avg-latency-ms", "1", "--period-days", "3")
    assert code == 1 and "max_avg_latency_ms" in out
    code, _, _ = run(
        capsys, "--store", store, "check", "--max-cost", "0", "--period-days", "3", "--user", "nobody"
    )
    assert code == 0


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.titles: list[str] = []
        self.references: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_title = tag == "title"
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "data") and value:
                self.references.append(value)

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)

    def handle_endtag(self, tag):
        self._in_title = False


EXPECTED_CHARTS = [
    "Calls per day",
    "Tokens per day",
    "Cost per day (USD)",
    "Latency distribution (ms)",
    "Time to first token distribution (ms)",
    "Error categories per day",
    "Top users by cost",
    "Top models by cost",
    "Top sessions by cost",
]


def test_html_report(store, capsys, tmp_path):
    output = tmp_path / "usage.html"
    code, out, err = run(capsys, "--store", store, "report", "--html", str(output))
    assert (code, err) == (0, "") and str(output) in out
    text = output.read_text()
    page = _Page()
    page.feed(text)
    assert page.tags.count("svg") == len(EXPECTED_CHARTS)
    assert all(title in page.titles for title in EXPECTED_CHARTS), page.titles
    assert page.references == []
    assert "http://" not in text and "https://" not in text and "<script" not in text
    assert page.tags.count("rect") > 50
    users = group(stored(store), lambda row: row["user_id"])
    top = max((key for key in users if key != "(none)"), key=lambda key: users[key]["cost_usd"])
    assert f"<td>{top}</td>" in text
    summary = as_json(capsys, store, "report", "--html", str(output))
    assert summary["total_calls"] == len(stored(store))


# Headless and kept off the network: the flags Debian's build needs on a closed machine.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium(*arguments: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={user_data}", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_html_report_renders_in_chromium(store, capsys, tmp_path):
    output = tmp_path / "usage.html"
    assert main(["--store", store, "report", "--html", str(output)]) == 0
    capsys.readouterr()

    rendered = chromium("--dump-dom", output.as_uri(), user_data=tmp_path / "profile")
    page = _Page()
    page.feed(rendered.stdout)
    assert page.tags.count("svg") == len(EXPECTED_CHARTS)
    assert all(title in page.titles for title in EXPECTED_CHARTS), page.titles
    assert page.tags.count("rect") > 50

    shot = tmp_path / "shot.png"
    chromium(
        f"--screenshot={shot}", "--window-size=900,3000", output.as_uri(), user_data=tmp_path / "profile"
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (900, 3000)
    assert len(png) > 50_000  # Charts drawn: a blank page of that size compresses to a few kB.


def test_axis_labels_never_overlap_and_say_the_year_when_days_span_years():
    days = [f"2026-{month:02d}-{day:02d}" for month in (1, 2, 3) for day in range(1, 29)]
    assert axis_labels(days)[:2] == ["01-01", "01-02"]
    assert axis_labels(["2025-12-31", "2026-01-01"]) == ["2025-12-31", "2026-01-01"]
    step = (WIDTH - 2 * PAD) / len(days)
    every = label_interval(axis_labels(days), step)
    assert every * step >= 5 * LABEL_CHAR_PX + LABEL_GAP_PX
    assert (every - 1) * step < 5 * LABEL_CHAR_PX + LABEL_GAP_PX
    svg = bar_chart("Calls per day", days, {"calls": [1.0] * len(days)})
    shown = re.findall(r'class="a">(\d\d-\d\d)<', svg)
    assert shown == axis_labels(days)[::every]
    assert label_interval(["10", "20"], step=300) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--store", "foo://x", "summary"], "store URL scheme 'foo' is unknown"),
        (["--store", "{tmp}/missing.jsonl", "summary"], "no JSONL store at"),
        (["--store", "sqlite:///{tmp}/missing.db", "users"], "no SQLite store at"),
        (["summary", "--start", "2024-02-30"], "start '2024-02-30' is not an ISO date"),
        (["summary", "--end", "soon"], "end 'soon' is not an ISO date"),
        (["models", "--last-days", "-3"], "last_days must not be negative"),
        (["users", "--min-tokens", "-1"], "min_tokens must not be negative"),
        (["summary", "--tag", "tier"], "--tag 'tier' must be KEY=VALUE"),
        (["check", "--max-cost", "-1"], "max_cost must not be negative"),
        (["report", "--html", "{tmp}/no/dir/r.html"], "cannot write"),
    ],
)
def test_bad_input(store, capsys, tmp_path, argv, message):
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    if argv[0] != "--store":
        argv = ["--store", store, *argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("llm-usage: error: ") and err.count("\n") == 1 and message in err, err


def test_console_script(store, tmp_path):
    script = Path(sys.executable).with_name("llm-usage")
    done = subprocess.run(
        [script, "--store", store, "summary", "--json"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and json.loads(done.stdout)["total_calls"] == 200
    bad = subprocess.run([script, "--store", "x://y", "summary"], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1
    usage = subprocess.run([script, "summary", "--bogus"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "unrecognized arguments: --bogus" in usage.stderr
    helped = subprocess.run([script, "summary", "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0
    for flag in ("--start", "--last-days", "--provider", "--tag", "--min-latency-ms", "--json", "--store"):
        assert flag in helped.stdout
