"""OpenTelemetry instrumentation for LiteLLM. Importing this package does not import LiteLLM."""

from .bootstrap import init
from .context import llm_context
from .instrumentor import LiteLLMInstrumentor
from .manual import arecord_llm_call, record_llm_call, track_llm_call
from .version import __version__

__all__ = [
    "LiteLLMInstrumentor",
    "StoreSpanExporter",
    "__version__",
    "arecord_llm_call",
    "init",
    "llm_context",
    "record_llm_call",
    "track_llm_call",
]


def __getattr__(name: str) -> object:
    """`StoreSpanExporter` on first use: it needs the OpenTelemetry SDK (the `store` extra)."""
    if name == "StoreSpanExporter":
        from .store import StoreSpanExporter

        return StoreSpanExporter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
