"""Usage analytics over the local store: `UsageAnalyzer` (Polars), the `llm-usage` command line and an
offline HTML report. Reads what `instrumentation.store` wrote; needs the `store` extra (Polars).

See `analyzer` for the Python API and `cli` for the command line (`llm-usage --help`).
"""

from __future__ import annotations

from .analyzer import UsageAnalyzer, UsageStats
from .filters import UsageFilter

__all__ = ["UsageAnalyzer", "UsageFilter", "UsageStats"]
