"""How the examples print spans: one headline per span, then the attributes worth a look::

chat openai/gpt-4o-mini  [CLIENT, UNSET, 41.3 ms]
    llm.usage.prompt_tokens = 12
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan


def show(spans: Iterable[ReadableSpan], names: Sequence[str], indent: str = "") -> None:
    """Print each span's headline and those of `names` it carries, in that order."""
    for span in spans:
        duration_ms = ((span.end_time or 0) - (span.start_time or 0)) / 1e6
        status = span.status.status_code.name
        print(f"{indent}{span.name}  [{span.kind.name}, {status}, {duration_ms:.1f} ms]")
        attributes = span.attributes or {}
        for name in names:
            if name in attributes:
                print(f"{indent}    {name} = {_text(name, attributes[name])}")


def _text(name: str, value: Any) -> str:
    """Costs as plain decimals (0.000006, not 5.999999999999999e-06), other numbers to 4 significant
    digits, lists as comma-separated names."""
    if isinstance(value, float):
        return f"{value:.9f}".rstrip("0").rstrip(".") if name.endswith("_usd") else f"{value:.4g}"
    if isinstance(value, (tuple, list)):
        return ", ".join(str(item) for item in value)
    return str(value)
