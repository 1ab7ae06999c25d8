"""The failed attempts inside one call: LiteLLM's retries (`num_retries`) and a Router's retries and
fallbacks, as LiteLLM's failure hook reports each of them while the call goes on.

The call's wrapper claims its call id with its `Attempts`, and the attempts it makes inside (a Router
picks a new call id for each) are claimed with the same `Attempts` by the pre-call hook; the failure
hook then adds each failed attempt here, and the call's end reads them once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FailedAttempt:
    error: BaseException
    start_ns: int
    end_ns: int
    model: str | None  # What the attempt asked for: the deployment's model under a Router.
    deployment: str | None  # The Router deployment's `model_info.id`.
    model_group: str | None  # The Router model group the attempt served.


class Attempts:
    """The failed attempts of one call, in the order they failed; closed when the call ends."""

    __slots__ = ("_closed", "_failed", "_lock", "_seen", "next_start_ns")

    def __init__(self, start_ns: int) -> None:
        self._failed: list[FailedAttempt] = []
        self._seen: set[Any] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.next_start_ns = (
            start_ns  # When the next attempt began: the call's start, then each failure's end.
        )

    def failed(self, call_id: str | None, attempt: FailedAttempt) -> None:
        """One attempt failed. Kept once, though LiteLLM may report it twice (to its sync and async hooks,
        or to a hook and to its retry)."""
        keys = ((call_id, attempt.start_ns), id(attempt.error))
        with self._lock:
            if self._closed or any(key in self._seen for key in keys):
                return
            self._seen.update(keys)
            self._failed.append(attempt)
            self.next_start_ns = max(self.next_start_ns, attempt.end_ns)

    def close(self) -> list[FailedAttempt]:
        """The failed attempts; later reports (a hook running after the call ended) are ignored. Not kept
        here: the claims ledger holds this object long after the call, and an error holds its frames."""
        with self._lock:
            self._closed = True
            failed, self._failed, self._seen = self._failed, [], set()
            return failed
