"""What the wrappers share: the tracer and the settings, and how attributes reach a span."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import Span, Tracer

from . import semconv
from .attributes.content import Message, serialized
from .config import Semconv, Settings
from .metrics import Metrics


@dataclass(frozen=True)
class Telemetry:
    tracer: Tracer
    settings: Settings
    metrics: Metrics

    def span_attributes(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """The `llm.*` attributes, their `gen_ai.*` twins, or both, as configured."""
        family = self.settings.semconv
        if family is Semconv.BOTH:
            return {**attributes, **semconv.gen_ai_attributes(attributes)}
        selected = {
            name: value
            for name, value in attributes.items()
            if (family.llm or not name.startswith("llm."))
            and (family.gen_ai or not name.startswith("gen_ai."))
        }
        if family.gen_ai:
            selected.update(semconv.gen_ai_attributes(attributes))
        return selected

    def serialized(self, messages: list[Message]) -> str:
        return serialized(messages, self.settings.max_content_length)

    def set_attributes(self, span: Span, attributes: Mapping[str, Any]) -> None:
        if attributes:
            span.set_attributes(self.span_attributes(attributes))
