"""Which LiteLLM calls already have a span, by `litellm_call_id`: how the wrappers and the callback
agree on one span per call.

The current span cannot tell (sync success callbacks run on a logging thread after the
wrapper's span ended), the call id can: LiteLLM hands it to every hook. A claim stays until
newer ones push it out (LiteLLM fires two hooks for some calls); both maps are bounded, so
ids of calls whose callback never comes (abandoned streams) cannot pile up.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any

from opentelemetry import context

DEFAULT_CAPACITY = 10_000


class BoundedMap:
    """A thread-safe dict that forgets its oldest entries beyond `capacity`."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def put(self, key: str, value: Any = None) -> None:
        with self._lock:
            self._entries[key] = value
            if len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self._entries.get(key, default)

    def pop(self, key: str, default: Any = None) -> Any:
        with self._lock:
            return self._entries.pop(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)


class CallClaims:
    """Call ids whose span is someone else's business, and callers' contexts for the others."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        # Calls the wrappers traced (-> the `Attempts` of the call they are part of), or that ran with
        # instrumentation suppressed (-> None).
        self.claimed = BoundedMap(capacity)
        # The caller's OpenTelemetry context of a call only the callback will see.
        self.parents = BoundedMap(capacity)


# Set in the context while a wrapped call runs, to its `Attempts`: an entry point that LiteLLM calls from
# inside another one (a Router's attempt, a retry, a helper) is part of the outer call, not a second span.
INSIDE_CALL = context.create_key("litellm-instrumentation-inside-call")

# Call ids are process-wide, and so is what LiteLLM's logging threads may still deliver after
# an uninstrument/instrument cycle: one ledger for the process.
CALLS = CallClaims()


def new_call_id() -> str:
    """An id for a call the caller gave none, of the form LiteLLM's own ids have (a UUID 4)."""
    return str(uuid.uuid4())
