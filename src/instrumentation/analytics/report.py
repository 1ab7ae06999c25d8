"""The offline HTML report: one self-contained file (inline SVG charts and CSS, no script, nothing fetched)
with calls, tokens and cost per day, cache hits and retried calls, latency and TTFT distributions, error
categories per day, and the top users, models and sessions by cost."""

from __future__ import annotations

import html
import math
import os
from datetime import datetime, timezone
from typing import Any

import polars as pl

from .analyzer import NONE_KEY, UsageAnalyzer, compute_stats
from .frames import with_day

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7")
WIDTH, HEIGHT, PAD = 720, 240, 48
# Axis labels are 10 px text: about 6 px a character, and a gap between neighbours.
LABEL_CHAR_PX, LABEL_GAP_PX = 6, 10


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def bar_chart(title: str, labels: list[str], series: dict[str, list[float]]) -> str:
    """Bars per label, stacked when several series; an inline <svg> with a <title> and a legend."""
    count = max(len(labels), 1)
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(totals, default=0) or 1
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    step = inner_w / count
    bar = max(step * 0.8, 1)
    shown = axis_labels(labels)
    every = label_interval(shown, step)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}"><title>{_esc(title)}</title>',
        f'<text x="{PAD}" y="20" class="t">{_esc(title)}</text>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#888"/>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end" class="a">{_number(top)}</text>',
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" text-anchor="end" class="a">0</text>',
    ]
    for i, label in enumerate(labels):
        x = PAD + i * step + (step - bar) / 2
        base = HEIGHT - PAD
        for k, (name, values) in enumerate(series.items()):
            h = values[i] / top * inner_h
            if h <= 0:
                continue
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{_esc(label)} {_esc(name)}: '
                f"{_number(values[i])}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PAD + 14}" text-anchor="middle" class="a">'
                f"{_esc(shown[i])}</text>"
            )
    if len(series) > 1:
        for k, name in enumerate(series):
            x = PAD + k * 130
            parts.append(
                f'<rect x="{x}" y="{HEIGHT - 18}" width="10" height="10" fill="{PALETTE[k % len(PALETTE)]}"/>'
                f'<text x="{x + 14}" y="{HEIGHT - 9}" class="a">{_esc(name[:18])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def axis_labels(labels: list[str]) -> list[str]:
    """Labels short enough for an axis: days as MM-DD when they all fall in one year, else whole."""
    days = [label for label in labels if len(label) == 10 and label[4] == "-" and label[7] == "-"]
    if days and len(days) == len(labels) and len({day[:4] for day in days}) == 1:
        return [day[5:] for day in days]
    return [label[:12] for label in labels]


def label_interval(labels: list[str], step: float) -> int:
    """Label every n-th bar, n the smallest that keeps neighbouring labels from overlapping."""
    widest = max((len(label) for label in labels), default=0) * LABEL_CHAR_PX + LABEL_GAP_PX
    return max(1, math.ceil(widest / step)) if step > 0 else 1


def histogram(title: str, values: list[float], bins: int = 20) -> str:
    """The distribution of `values` in equal-width bins, as a bar chart."""
    if not values:
        return bar_chart(title + " (no data)", [], {})
    low, high = min(values), max(values)
    width = (high - low) / bins or 1
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / width), bins - 1)] += 1
    labels = [_number(low + i * width) for i in range(bins)]
    return bar_chart(title, labels, {"calls": [float(c) for c in counts]})


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_esc(_number(c) if isinstance(c, float) else c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _top(title: str, entries: dict[str, dict[str, Any]], limit: int = 10) -> str:
    items = list(entries.items())[:limit]
    chart = bar_chart(title, [key for key, _ in items], {"cost (USD)": [e["cost_usd"] for _, e in items]})
    rows = [
        [key, e["calls"], e["total_tokens"], e["cost_usd"], e["cache_hits"], e["retried_calls"]]
        for key, e in items
    ]
    return chart + _table(["key", "calls", "total tokens", "cost (USD)", "cache hits", "retried"], rows)


# The figures of the per-day table, and their headings.
DAY_FIGURES = {
    "calls": "calls",
    "input_tokens": "input tokens",
    "output_tokens": "output tokens",
    "cost_usd": "cost (USD)",
    "cache_hits": "cache hits",
    "saved_cost_usd": "saved (USD)",
    "retried_calls": "retried",
}
CSS = (
    "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:800px}"
    "h1{font-size:22px}h2{font-size:17px;margin-top:28px}.t{font-size:13px;font-weight:600}"
    ".a{font-size:10px;fill:#555}table{border-collapse:collapse;margin:8px 0;font-size:13px}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child"
    "{text-align:left}.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ccc;"
    "border-radius:6px;padding:8px 12px}.card b{display:block;font-size:18px}"
)


def render(analyzer: UsageAnalyzer) -> tuple[str, dict[str, Any]]:
    """The report's HTML and the summary it shows."""
    frame = analyzer.to_polars()
    stats = compute_stats(frame)
    summary = stats.to_dict()
    days = list(stats.by_day)
    daily = lambda key: [float(stats.by_day[d][key]) for d in days]  # noqa: E731
    failed = (
        with_day(frame)
        .filter(pl.col("status").fill_null("") != "success")
        .with_columns(pl.col("error_category").fill_null("unknown"))
    )
    errors: dict[str, list[float]] = {}
    for category in stats.error_categories:
        per_day = dict(failed.filter(pl.col("error_category") == category).group_by("day").len().iter_rows())
        errors[category] = [float(per_day.get(d, 0)) for d in days]
    cards = [
        ("calls", stats.total_calls),
        ("failed", stats.failed_calls),
        ("total tokens", stats.total_tokens),
        ("cost (USD)", stats.total_cost_usd),
        ("cache hits", stats.cache_hits),
        ("saved by the cache (USD)", stats.saved_cost_usd),
        ("retried calls", stats.retried_calls),
        ("p50 latency (ms)", stats.p50_latency_ms),
        ("p95 latency (ms)", stats.p95_latency_ms),
        ("p95 TTFT (ms)", stats.p95_ttft_ms),
    ]
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = [
        f"<h1>LLM usage report</h1><p>{_esc(analyzer.description)}, generated {generated}.</p>",
        '<div class="cards">'
        + "".join(
            f'<div class="card">{_esc(n)}<b>{_esc("-" if v is None else _number(float(v)))}</b></div>'
            for n, v in cards
        )
        + "</div>",
        "<h2>Per day</h2>",
        bar_chart("Calls per day", days, {"calls": daily("calls")}),
        bar_chart("Tokens per day", days, {"input": daily("input_tokens"), "output": daily("output_tokens")}),
        bar_chart("Cost per day (USD)", days, {"cost": daily("cost_usd")}),
        "<h2>Latency</h2>",
        histogram("Latency distribution (ms)", frame["latency_ms"].drop_nulls().to_list()),
        histogram(
            "Time to first token distribution (ms)", frame["time_to_first_token_ms"].drop_nulls().to_list()
        ),
        "<h2>Errors</h2>",
        bar_chart("Error categories per day", days, errors),
        _table(["error category", "calls"], [[k, v] for k, v in stats.error_categories.items()]),
        "<h2>Top users by cost</h2>",
        _top("Top users by cost", {k: v for k, v in stats.by_user.items() if k != NONE_KEY}),
        "<h2>Top models by cost</h2>",
        _top("Top models by cost", stats.by_model),
        "<h2>Top sessions by cost</h2>",
        _top("Top sessions by cost", {k: v for k, v in stats.by_session.items() if k != NONE_KEY}),
        "<h2>Per day, in numbers</h2>",
        _table(
            ["day", *DAY_FIGURES.values()],
            [[day, *(entry[figure] for figure in DAY_FIGURES)] for day, entry in stats.by_day.items()],
        ),
    ]
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>LLM usage report</title>'
        f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
    return page, summary


def write_report(analyzer: UsageAnalyzer, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the report to `path`; returns the UsageStats it shows, as a dict."""
    page, summary = render(analyzer)
    try:
        with open(path, "w", encoding="utf-8") as file:
            file.write(page)
    except OSError as error:
        raise ValueError(f"cannot write {os.fspath(path)}: {error.strerror or error}") from None
    return summary
