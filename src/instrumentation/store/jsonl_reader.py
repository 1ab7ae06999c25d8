"""A JSONL store's rows -> Polars, with Polars' own parallel NDJSON reader and an explicit schema.

A file holding a line that is not a whole JSON object (a writer killed mid-line leaves a torn one; the
next writer ends it, so it may sit anywhere) makes that reader fail. The file is then read in ranges of
whole lines, two at a time: each range by Polars when it can, else line by line with `json.loads`,
skipping the lines that are not JSON objects, as the store's own reader does. The skipped lines are
counted and logged as a warning. A file whose last line is unfinished goes to the ranges at once.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from .reading import PartDone


logger = logging.getLogger(__name__)

RANGE_BYTES = 32 << 20
READERS = 2  # Ranges parsed at once (Polars does not hold the GIL while it parses).


def read_jsonl(path: Path, schema: dict[str, Any], range_done: PartDone) -> pl.DataFrame:
    """Every whole row of the file, in file order, with the `schema` columns (absent keys are null).
    `range_done` hears of each range read when the file is read range by range."""
    if _ends_with_a_whole_line(path):
        try:
            return pl.read_ndjson(path, schema=schema)
        except pl.exceptions.PolarsError:
            pass
    frames, rows, skipped = [], 0, 0
    with (
        open(path, "rb") as file,
        mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ThreadPoolExecutor(READERS, thread_name_prefix="llm-usage-read") as pool,
    ):
        ranges = _ranges(data)
        parts = pool.map(lambda bounds: _read_range(data[slice(*bounds)], schema), ranges)
        for (_, end), (frame, bad) in zip(ranges, parts, strict=True):
            frames.append(frame)
            rows, skipped = rows + frame.height, skipped + bad
            range_done(rows, end / len(data))
    if skipped:
        logger.warning(
            "%s: skipped %d line%s that %s not a whole JSON row (a writer killed mid-line leaves one)",
            path,
            skipped,
            "" if skipped == 1 else "s",
            "is" if skipped == 1 else "are",
        )
    return pl.concat(frames)


def _ends_with_a_whole_line(path: Path) -> bool:
    with open(path, "rb") as file:
        if file.seek(0, os.SEEK_END) == 0:
            return True
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def _ranges(data: mmap.mmap) -> list[tuple[int, int]]:
    """(start, end) of consecutive ranges of whole lines, about RANGE_BYTES each."""
    ranges, start = [], 0
    while start < len(data):
        end = data.find(b"\n", start + RANGE_BYTES)
        end = len(data) if end < 0 else end + 1
        ranges.append((start, end))
        start = end
    return ranges


def _read_range(lines: bytes, schema: dict[str, Any]) -> tuple[pl.DataFrame, int]:
    """The rows of these whole lines, and how many lines were skipped."""
    try:
        return pl.read_ndjson(lines, schema=schema), 0
    except pl.exceptions.PolarsError:
        pass
    rows, skipped = [], 0
    for line in lines.split(b"\n"):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        if not isinstance(row, dict):
            skipped += 1
            continue
        rows.append({name: _as_read(row.get(name), schema[name]) for name in schema})
    return pl.DataFrame(rows, schema=schema), skipped


def _as_read(value: Any, dtype: Any) -> Any:
    """A value as Polars' reader gives it: a nested JSON value in a text column as JSON text; a value
    of the wrong type (never written by the store) as null."""
    if dtype == pl.String:
        if isinstance(value, (dict, list)):
            return json.dumps(value)
        return value if isinstance(value, str) else None
    if dtype == pl.Boolean:
        return value if isinstance(value, bool) else None
    number = int if dtype == pl.Int64 else (int, float)
    return value if isinstance(value, number) and not isinstance(value, bool) else None
