"""What every call records into: the tracer, the metrics, and the settings decided once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import Tracer

from . import semconv
from .attributes.content import Message, serialized
from .config import Settings
from .metrics import Metrics
from .span_limits import attribute_limit


@dataclass(frozen=True)
class ContentPolicy:
    """Whether and where captured content goes, decided once from the settings."""

    on_span: bool
    as_event: bool
    max_length: int

    @classmethod
    def of(cls, settings: Settings) -> ContentPolicy:
        capture = settings.capture_content
        return cls(capture.on_span, capture.as_event, settings.max_content_length)

    @property
    def captures(self) -> bool:
        return self.on_span or self.as_event

    def serialized(self, messages: list[Message]) -> str:
        return serialized(messages, self.max_length)


@dataclass(frozen=True)
class Telemetry:
    tracer: Tracer
    settings: Settings
    metrics: Metrics
    content: ContentPolicy = field(init=False)
    # The SDK's span attribute limit (None: none), read once.
    attribute_limit: int | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "content", ContentPolicy.of(self.settings))
        object.__setattr__(self, "attribute_limit", attribute_limit())

    def span_attributes(self, attributes: Mapping[str, Any]) -> dict[str, Any]:
        """The attributes as the span carries them: in the configured families."""
        return semconv.in_families(attributes, self.settings.semconv)
