"""LiteLLM's own OpenTelemetry callback enabled beside ours: no crash, no duplicate, no broken span."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_litellm_otel_callback_beside_ours(openai_server):
    app = Path(__file__).parent / "apps" / "litellm_otel_callback.py"
    result = subprocess.run(
        [sys.executable, str(app), openai_server.base_url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")},
    )

    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["contents"] == ["Hello from the test server!"] * 2
    assert summary["our_spans"] == ["chat openai/gpt-4o-mini"] * 3
    assert summary["usage"][0] == 19
    assert summary["other_spans"] == []  # LiteLLM's spans go to its own provider, not ours.
