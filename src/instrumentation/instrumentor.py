"""OpenTelemetry instrumentation for LiteLLM.

Usage::

    from instrumentation import LiteLLMInstrumentor

    LiteLLMInstrumentor().instrument()          # global tracer provider
    LiteLLMInstrumentor().instrument(tracer_provider=provider, capture_content=True)

or, with no code change, ``opentelemetry-instrument python app.py``.

Every call of a wrapped LiteLLM entry point (``litellm.completion``, ``litellm.acompletion``,
…) then makes exactly one ``CLIENT`` span named ``"{operation} {model}"`` carrying the
``llm.*`` and ``gen_ai.*`` attributes of docs/telemetry.md. Wrapping replaces the attributes of the
``litellm`` package, so code that did ``from litellm import completion`` before
``instrument()`` keeps the unwrapped function.

``instrument()`` keyword arguments:

- ``tracer_provider``: where spans go (default: the global provider).
- ``meter_provider``: where the GenAI client metrics go (default: the global provider).
- ``capture_content``: record prompts and completions (``True``/``False`` or one of
  ``NO_CONTENT``, ``SPAN_ONLY``, ``EVENT_ONLY``, ``SPAN_AND_EVENT``). Default off.
- ``max_content_length``: characters of captured content kept per attribute (10 000).
- ``semconv``: attribute families emitted: ``"llm"``, ``"gen_ai"`` or ``"both"`` (default).

Environment variables (used when the argument is not given):

- ``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``: as ``capture_content``.
- ``OTEL_INSTRUMENTATION_LITELLM_MAX_CONTENT_LENGTH``: as ``max_content_length``.
- ``OTEL_INSTRUMENTATION_LITELLM_SEMCONV``: as ``semconv``.

Calls made while instrumentation is suppressed
(``opentelemetry.instrumentation.utils.suppress_instrumentation``) make no span.
"""

from __future__ import annotations

import inspect
from collections.abc import Collection
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor
from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.semconv.schemas import Schemas
from wrapt import wrap_function_wrapper

from . import litellm_callbacks
from .config import settings_from
from .metrics import Metrics
from .package import _instruments
from .telemetry import Telemetry
from .version import __version__
from .wrappers import async_wrapper, retry_wrapper, sync_wrapper

SCHEMA_URL = Schemas.V1_37_0.value


class LiteLLMInstrumentor(BaseInstrumentor):
    """Wraps LiteLLM's entry points so that every LLM call makes one span."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        settings = settings_from(
            capture_content=kwargs.get("capture_content"),
            max_content_length=kwargs.get("max_content_length"),
            semconv=kwargs.get("semconv"),
        )
        import litellm  # Imported here, not at package import: it takes seconds.

        from .operations import OPERATIONS, RETRIES, ROUTER_OPERATIONS

        tracer = trace.get_tracer(__name__, __version__, kwargs.get("tracer_provider"), schema_url=SCHEMA_URL)
        meter = metrics.get_meter(__name__, __version__, kwargs.get("meter_provider"), schema_url=SCHEMA_URL)
        telemetry = Telemetry(tracer, settings, Metrics(meter))
        self.telemetry: Telemetry | None = telemetry  # Manual tracking uses it too.
        self._wrapped: list[tuple[Any, str]] = []
        for owner, operations in ((litellm, OPERATIONS), (litellm.Router, ROUTER_OPERATIONS)):
            for name, operation in operations.items():
                entry_point = getattr(owner, name, None)
                if not callable(entry_point):
                    continue  # An entry point this LiteLLM release does not have.
                factory = async_wrapper if inspect.iscoroutinefunction(entry_point) else sync_wrapper
                wrap_function_wrapper(owner, name, factory(telemetry, operation))
                self._wrapped.append((owner, name))
        for name in RETRIES:
            if callable(getattr(litellm, name, None)):
                wrap_function_wrapper(litellm, name, retry_wrapper)
                self._wrapped.append((litellm, name))
        from .callback import CallbackHandler

        self._handler = CallbackHandler(telemetry)
        self._routed = litellm_callbacks.route(self._handler)
        litellm_callbacks.register(self._handler)

    def _uninstrument(self, **kwargs: Any) -> None:
        for owner, name in self._wrapped:
            unwrap(owner, name)
        self._wrapped = []
        if self._routed:
            litellm_callbacks.unroute()
        litellm_callbacks.unregister(self._handler)
        self.telemetry = None
