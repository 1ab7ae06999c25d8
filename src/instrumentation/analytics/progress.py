"""Progress while a store is read: the callbacks' shapes, and what `llm-usage` shows on stderr.

`UsageAnalyzer(..., progress=callback)` calls `callback(stage, rows read so far or None, fraction read
or None)`: a `store.reading.Progress`, which the store's readers call as they read.

`StderrProgress` is the command line's: on a terminal one line is rewritten in place, and erased when
done so that the result (on stdout) starts on a clean line; elsewhere (`--progress` into a log) each new
stage and each further tenth of the store read is a line of its own. Never on stdout, so never in
`--json` output. `StderrWarnings` shows the warnings logged meanwhile (lines skipped in a JSONL file) on
lines of their own.
"""

from __future__ import annotations

import logging
from typing import TextIO

from ..store.reading import Progress, no_progress

__all__ = ["ERASE", "Progress", "StderrProgress", "StderrWarnings", "no_progress"]

ERASE = "\r\x1b[K"  # Back to the start of the line, and clear it.


class StderrProgress:
    """A `progress(stage, rows, fraction)` callback for `UsageAnalyzer`, writing to `stream` (a terminal
    when `live`)."""

    def __init__(self, stream: TextIO, *, live: bool) -> None:
        self.stream = stream
        self.live = live
        self._stage, self._tenth, self._text = "", -1, ""  # What was shown last.

    def __call__(self, stage: str, rows: int | None = None, fraction: float | None = None) -> None:
        tenth = -1 if fraction is None else int(fraction * 10)
        if not self.live and stage == self._stage and tenth <= self._tenth:
            return
        text = f"llm-usage: {stage}"
        if rows is not None:
            text += f": {rows:,} rows"
        if fraction is not None:
            text += f" ({fraction:.0%})"
        if text == self._text:
            return
        self._stage, self._tenth, self._text = stage, tenth, text
        self.stream.write(ERASE + text if self.live else text + "\n")
        self.stream.flush()

    def close(self) -> None:
        """Erase the line on a terminal (nothing to do elsewhere)."""
        if self.live and self._text:
            self.stream.write(ERASE)
            self.stream.flush()
        self._stage, self._tenth, self._text = "", -1, ""


class StderrWarnings(logging.Handler):
    """Logged warnings as `llm-usage: warning: ...` lines on `stream`, clear of the progress line."""

    def __init__(self, stream: TextIO, progress: StderrProgress | None) -> None:
        super().__init__(logging.WARNING)
        self.stream = stream
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        if self.progress is not None and self.progress.live:
            self.progress.close()  # Drawn again at its next step.
        self.stream.write(f"llm-usage: warning: {record.getMessage()}\n")
        self.stream.flush()
