"""`llm-usage`: the calls in a store, from the command line.

    llm-usage summary                              # totals, latencies, errors, top models and users
    llm-usage --store jsonl:///var/log/calls.jsonl users --last-days 7
    llm-usage sessions --user u-1 --json
    llm-usage export --user u-1 --output u-1.json
    llm-usage check --max-cost 5 --period-days 1   # exit 1 when a limit is breached (cron, CI)
    llm-usage report --html usage.html             # one offline HTML file with charts

Exit codes: 0 done, 1 a `check` limit breached, 2 bad input (unknown store scheme, missing store,
malformed date, negative number), told in one line on stderr.

While a store is read, progress (the stage, rows read) shows on stderr when it is a terminal, or
always with `--progress` (never with `--no-progress`); never on stdout, never in `--json` output.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .filters import UsageFilter
from .progress import StderrProgress, StderrWarnings

if TYPE_CHECKING:
    from .analyzer import UsageAnalyzer


def _filter_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("filters (every one optional; together they all must hold)")
    group.add_argument("--start", help="first day or moment, ISO: 2024-05-01 or 2024-05-01T12:00 (UTC)")
    group.add_argument("--end", help="last day (whole day included) or moment before which calls count")
    group.add_argument("--last-days", type=float, help="only the calls of the last N days (N * 24 h)")
    group.add_argument("--provider", help="api provider, e.g. openai, anthropic")
    group.add_argument("--model", help="requested model, as stored (e.g. openai/gpt-4o-mini)")
    group.add_argument("--operation", help="operation: chat, embeddings, image_generation...")
    group.add_argument("--api-type", help="api type column")
    group.add_argument("--status", help="success, error or timeout")
    group.add_argument("--user", help="user id (llm_context(user_id=...))")
    group.add_argument("--session", help="session id")
    group.add_argument("--source", help="source id")
    group.add_argument("--agent", help="agent name")
    group.add_argument("--workspace", help="workspace")
    group.add_argument("--min-tokens", type=int, help="at least this many total tokens")
    group.add_argument("--max-tokens", type=int, help="at most this many total tokens")
    group.add_argument("--min-latency-ms", type=float, help="at least this latency, in ms")
    group.add_argument("--max-latency-ms", type=float, help="at most this latency, in ms")
    group.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a tag of llm_context(tags=...); repeatable",
    )


FILTER_NAMES = tuple(name for name in UsageFilter.__dataclass_fields__ if name != "tags")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-usage",
        description="Who spent what, on which model, how fast, how often it failed: the calls in a store.",
        epilog="Exit codes: 0 done, 1 a check limit breached, 2 bad input.",
    )
    parser.add_argument(
        "--store",
        default=None,
        help="store URL: sqlite:///llm_usage.db (the default), jsonl:///path/calls.jsonl or a path ending in "
        ".jsonl, postgresql+psycopg://user@host/db",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr while reading the store (default: when stderr is a terminal)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--json", action="store_true", help="print JSON instead of a table")
        sub.add_argument("--store", default=argparse.SUPPRESS, help="store URL (as before the command)")
        sub.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=argparse.SUPPRESS,
            help="progress on stderr (as before the command)",
        )
        _filter_flags(sub)
        return sub

    command("summary", "totals, latency percentiles, errors, top models, users and days")
    command("users", "one line per user: calls, failures, tokens, cost, sessions")
    command("sessions", "one line per session (--user for one user's sessions)")
    command("sources", "one line per source id")
    command("models", "one line per model")
    export = command("export", "one user's JSON report: overall stats, last 30 days, sessions")
    export.add_argument("--output", help="file to write (default: print it)")
    check = command("check", "exit 1 when a limit is breached over the period (for cron or CI)")
    check.add_argument("--max-total-tokens", type=int, help="limit on total tokens")
    check.add_argument("--max-failed", type=int, help="limit on failed calls")
    check.add_argument("--max-avg-latency-ms", type=float, help="limit on the average latency, ms")
    check.add_argument("--max-cost", type=float, help="limit on the cost, USD")
    check.add_argument("--period-days", type=float, help="look at the last N days only (default: all time)")
    report = command("report", "write one self-contained offline HTML report with charts")
    report.add_argument("--html", required=True, metavar="FILE", help="the HTML file to write")
    return parser


def _filters(options: argparse.Namespace) -> dict[str, Any]:
    values = {name: getattr(options, name) for name in FILTER_NAMES if getattr(options, name) is not None}
    tags = []
    for tag in options.tag:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise ValueError(f"--tag {tag!r} must be KEY=VALUE")
        tags.append((key, value))
    if tags:
        values["tags"] = tuple(tags)
    return values


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """Aligned columns: text left, numbers right."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    numeric = [all(_is_number(row[i]) for row in rows) and bool(rows) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line(list(header)), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0:
            return "0"
        return f"{value:.6f}" if abs(value) < 1 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# The figures of a breakdown the summary shows, and their headings; those of the cache and retries only
# when some call was a cache hit or retried (else they would be columns of zeros).
BREAKDOWN_FIGURES = {
    "calls": "calls",
    "input_tokens": "input",
    "output_tokens": "output",
    "total_tokens": "total tokens",
    "cost_usd": "cost (USD)",
}
CACHE_AND_RETRY_FIGURES = {
    "cache_hits": "cache hits",
    "saved_cost_usd": "saved (USD)",
    "retried_calls": "retried",
}


def _summary_text(summary: dict[str, Any]) -> str:
    pairs = [
        ("calls", summary["total_calls"]),
        ("successful", summary["successful_calls"]),
        ("failed", summary["failed_calls"]),
        ("input tokens", summary["total_input_tokens"]),
        ("output tokens", summary["total_output_tokens"]),
        ("total tokens", summary["total_tokens"]),
        ("cost (USD)", summary["total_cost_usd"]),
        ("cache hits", summary["cache_hits"]),
        ("cache hit tokens", summary["cache_hit_tokens"]),
        ("saved by the cache (USD)", summary["saved_cost_usd"]),
        ("retried calls", summary["retried_calls"]),
        ("attempts", summary["total_attempts"]),
        ("avg latency (ms)", summary["avg_latency_ms"]),
        (
            "p50 / p95 / p99 latency (ms)",
            "{} / {} / {}".format(*(_cell(summary[f"p{p}_latency_ms"]) for p in (50, 95, 99))),
        ),
        ("p50 / p95 TTFT (ms)", f"{_cell(summary['p50_ttft_ms'])} / {_cell(summary['p95_ttft_ms'])}"),
        (
            "users / sessions / sources",
            "{} / {} / {}".format(
                summary["unique_users"], summary["unique_sessions"], summary["unique_sources"]
            ),
        ),
        ("first call", summary["first_call"]),
        ("last call", summary["last_call"]),
    ]
    parts = [table([(name, value) for name, value in pairs], ("summary", "value"))]
    if summary["error_categories"]:
        parts.append(table(list(summary["error_categories"].items()), ("error category", "calls")))
    figures = dict(BREAKDOWN_FIGURES)
    if summary["cache_hits"] or summary["retried_calls"]:
        figures.update(CACHE_AND_RETRY_FIGURES)
    for name, title in (("by_model", "model"), ("by_user", "user"), ("by_day", "day")):
        rows = [
            (key, *(entry[figure] for figure in figures)) for key, entry in list(summary[name].items())[:10]
        ]
        if rows:
            parts.append(table(rows, (title, *figures.values())))
    return "\n\n".join(parts)


def _groups_text(rows: list[dict[str, Any]], title: str) -> str:
    header = (
        title,
        "calls",
        "failed",
        "input",
        "output",
        "total tokens",
        "cost (USD)",
        "avg ms",
        "last call",
    )
    keys = (
        "key",
        "calls",
        "failed_calls",
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "cost_usd",
        "avg_latency_ms",
        "last_call",
    )
    return table([[row[key] for key in keys] for row in rows], header)


def run(options: argparse.Namespace, out: Any, progress: StderrProgress | None = None) -> int:
    from .analyzer import UsageAnalyzer

    filters = _filters(options)
    UsageFilter.of(**filters)  # Bad filters before opening the store.
    try:
        result, text = _answer(options, UsageAnalyzer(options.store, progress=progress, **filters))
    finally:
        if progress is not None:
            progress.close()  # Off the terminal before the result or an error is printed.
    print(json.dumps(result, indent=2) if options.json else text, file=out)
    return 1 if options.command == "check" and result else 0


def _answer(options: argparse.Namespace, analyzer: UsageAnalyzer) -> tuple[Any, str]:
    """The command's result, and its text for a terminal."""
    command = options.command
    result: Any
    if command == "summary":
        result = analyzer.get_usage_summary()
        text = _summary_text(result)
    elif command in ("users", "sessions", "sources", "models"):
        column = {"users": "user_id", "sessions": "session_id", "sources": "source_id", "models": "model"}
        result = analyzer.group_usage(column[command])
        text = _groups_text(result, command[:-1])
    elif command == "export":
        if not options.user:
            raise ValueError("export needs --user USER_ID")
        result = analyzer.export_user_report(options.user, output_file=options.output)
        if options.output and not options.json:
            text = f"wrote {options.output}: {result['overall_stats']['total_calls']} calls"
        else:
            text = json.dumps(result, indent=2)
    elif command == "check":
        result = analyzer.check_thresholds(
            max_tokens=options.max_total_tokens,
            max_failed=options.max_failed,
            max_avg_latency_ms=options.max_avg_latency_ms,
            max_cost=options.max_cost,
            period_days=options.period_days,
        )
        text = (
            table(
                [(b["limit"], b["threshold"], b["actual"]) for b in result], ("breached", "limit", "actual")
            )
            if result
            else "all limits hold"
        )
    else:
        from .report import write_report

        result = write_report(analyzer, options.html)
        text = f"wrote {options.html}: {result['total_calls']} calls"
    return result, text


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    options = parser.parse_args(argv)  # argparse itself exits 2 with a one-line error on bad flags.
    live = sys.stderr.isatty()
    shown = live if options.progress is None else options.progress
    progress = StderrProgress(sys.stderr, live=live) if shown else None
    warnings = StderrWarnings(sys.stderr, progress)
    logger = logging.getLogger("instrumentation.store")  # Its readers warn of lines they skip.
    logger.addHandler(warnings)
    try:
        return run(options, sys.stdout, progress)
    except (ValueError, OSError) as error:
        message = " ".join(str(error).split())
        print(f"llm-usage: error: {message}", file=sys.stderr)
        return 2
    except Exception as error:  # A store that failed while being read: still one line, no traceback.
        from ..store.messages import brief

        print(f"llm-usage: error: {brief(error)}", file=sys.stderr)
        return 2
    finally:
        logger.removeHandler(warnings)


if __name__ == "__main__":
    sys.exit(main())
