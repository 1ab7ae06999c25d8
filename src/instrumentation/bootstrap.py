"""`init()`: everything in one call, for applications that have no OpenTelemetry set-up yet.

    import instrumentation
    instrumentation.init()                        # SQLite store ./llm_usage.db, LiteLLM instrumented
    instrumentation.init(store="jsonl:///var/log/llm/calls.jsonl", console=True)

It uses the global SDK tracer provider when the application already set one, else creates one
(with `service_name`) and makes it global; adds the OTLP exporter when
`OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, the local store
unless `store=None`, and the console exporter when asked; then instruments LiteLLM. Calling it
again changes nothing and returns the same provider. Spans are flushed at exit (the SDK's own
`shutdown_on_exit`).
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from opentelemetry import trace

logger = logging.getLogger(__name__)

_DEFAULT_STORE = "sqlite:///llm_usage.db"
_OTLP_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")

_lock = threading.Lock()
_provider: Any = None


def init(
    *,
    store: str | os.PathLike[str] | None = _DEFAULT_STORE,
    console: bool = False,
    service_name: str | None = None,
    **instrument_options: Any,
) -> Any:
    """Set up tracing to the local store (and OTLP, console) and instrument LiteLLM; returns the
    SDK TracerProvider. `instrument_options` go to `LiteLLMInstrumentor.instrument()`."""
    global _provider
    with _lock:
        if _provider is not None:
            return _provider
        try:
            from opentelemetry.sdk.resources import SERVICE_NAME, Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
        except ImportError as error:
            raise ImportError(
                "instrumentation.init() needs the OpenTelemetry SDK and SQLAlchemy: "
                "pip install 'litellm-instrumentation[store]'"
            ) from error
        exporters = []
        if store is not None:
            from .store import StoreSpanExporter

            exporters.append(StoreSpanExporter(store))  # A bad URL raises here, before any change.
        if any(os.environ.get(name) for name in _OTLP_ENDPOINTS):
            exporters.append(_otlp_exporter())
        if console:
            exporters.append(ConsoleSpanExporter())

        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            resource = Resource.create({SERVICE_NAME: service_name} if service_name else {})
            provider = TracerProvider(resource=resource)
            trace.set_tracer_provider(provider)
        for exporter in exporters:
            provider.add_span_processor(BatchSpanProcessor(exporter))

        from .instrumentor import LiteLLMInstrumentor

        instrumentor = LiteLLMInstrumentor()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=provider, **instrument_options)
        _provider = provider
        return provider


def _otlp_exporter() -> Any:
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError as error:
        raise ImportError(
            "OTEL_EXPORTER_OTLP_ENDPOINT is set but the OTLP exporter is not installed: "
            "pip install 'litellm-instrumentation[otlp]'"
        ) from error
    return OTLPSpanExporter()
