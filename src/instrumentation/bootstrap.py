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

The OTLP protocol is `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`:
`http/protobuf` (the default) or `grpc` (an `http://` endpoint then means no TLS). The Python
exporters have no `http/json`: that, or any other value, is a `ValueError`. The exporter the
protocol needs comes with the `otlp` extra; without it, an `ImportError` says so. Either error is
raised before anything is changed. Endpoint, headers, timeout and compression are the exporters'
own `OTEL_EXPORTER_OTLP_*` variables.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from typing import Any

from opentelemetry import trace

logger = logging.getLogger(__name__)

_DEFAULT_STORE = "sqlite:///llm_usage.db"
_OTLP_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
# Read in this order, as the SDK's own configuration does: the traces-specific variable wins.
_OTLP_PROTOCOLS = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")
_DEFAULT_OTLP_PROTOCOL = "http/protobuf"
# Protocol -> (module of its OTLPSpanExporter, the package that ships it).
_OTLP_EXPORTERS = {
    "http/protobuf": (
        "opentelemetry.exporter.otlp.proto.http.trace_exporter",
        "opentelemetry-exporter-otlp-proto-http",
    ),
    "grpc": (
        "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
        "opentelemetry-exporter-otlp-proto-grpc",
    ),
}

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
        otlp_exporter_class = _otlp_exporter_class()  # A bad protocol or a missing exporter raises here.
        exporters = []
        if store is not None:
            from .store import StoreSpanExporter

            exporters.append(StoreSpanExporter(store))  # A bad URL raises here, before any change.
        if otlp_exporter_class is not None:
            exporters.append(otlp_exporter_class())
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


def _otlp_exporter_class() -> Any:
    """The OTLP span exporter class for the configured protocol, None when no OTLP endpoint is set
    (the exporter reads the endpoint and its other settings from the environment itself)."""
    if not any(os.environ.get(name) for name in _OTLP_ENDPOINTS):
        return None
    protocol, variable = _otlp_protocol()
    if protocol not in _OTLP_EXPORTERS:
        why = (
            "the OpenTelemetry Python exporters do not implement it" if protocol == "http/json" else "unknown"
        )
        raise ValueError(
            f"{variable}={protocol!r} is not a supported OTLP protocol ({why}): "
            f"use {' or '.join(map(repr, _OTLP_EXPORTERS))}"
        )
    module, package = _OTLP_EXPORTERS[protocol]
    try:
        return importlib.import_module(module).OTLPSpanExporter
    except ImportError as error:
        raise ImportError(
            f"OTLP export over {protocol} needs {package}, which is not installed: "
            "pip install 'litellm-instrumentation[otlp]'"
        ) from error


def _otlp_protocol() -> tuple[str, str]:
    """(protocol, the variable that set it); the default protocol and no variable when neither is set."""
    for variable in _OTLP_PROTOCOLS:
        protocol = os.environ.get(variable, "").strip()
        if protocol:
            return protocol, variable
    return _DEFAULT_OTLP_PROTOCOL, ""
