"""A stand-in for OpenAI, so that every example runs as is: no API key, no outside server.

It is the loopback OpenAI-compatible server of the test suite (tests/openai_server.py), so LiteLLM makes
real HTTP round trips. It answers every chat call with "Hello from the test server!" and 12 prompt plus
7 completion tokens, and can be scripted to fail (`server.script(path, Scripted(status=429))`).

To call a real provider instead, leave out `**call_args(server)` and set the provider's key in the
environment (e.g. OPENAI_API_KEY): the rest of each example is unchanged.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # The repository root, for `tests`.
from tests.openai_server import OpenAIServer, Scripted

__all__ = ["OpenAIServer", "Scripted", "call_args", "openai_standin"]


@contextlib.contextmanager
def openai_standin() -> Iterator[OpenAIServer]:
    """The stand-in server on 127.0.0.1, for the duration of the `with` block."""
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


def call_args(server: OpenAIServer) -> dict[str, Any]:
    """What a LiteLLM call needs to reach the stand-in: its URL, any key, and no retries."""
    return {"api_base": server.base_url, "api_key": "sk-standin", "max_retries": 0, "num_retries": 0}
