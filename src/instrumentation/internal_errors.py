"""The one rule of an instrumentation: our failures never reach the caller."""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("instrumentation")

_reported: set[str] = set()
_lock = threading.Lock()


def report_internal_error(where: str) -> None:
    """Log a failure of our own code, from inside an `except` block.

    The first failure at each place is a warning with its traceback; repeats go to debug,
    so a broken extractor cannot flood the application's logs.
    """
    with _lock:
        first = where not in _reported
        _reported.add(where)
    if first:
        logger.warning(
            "LiteLLM instrumentation failed in %s; the LLM call itself is unaffected", where, exc_info=True
        )
    else:
        logger.debug("LiteLLM instrumentation failed again in %s", where, exc_info=True)
