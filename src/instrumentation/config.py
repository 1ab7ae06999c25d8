"""Settings, from `instrument()` keyword arguments first and environment variables second.

Bad values passed to `instrument()` raise `ValueError` at once; bad environment values log
one warning and fall back to the default, so a typo in a deployment never breaks the app.
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")

CAPTURE_CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
MAX_CONTENT_LENGTH_ENV = "OTEL_INSTRUMENTATION_LITELLM_MAX_CONTENT_LENGTH"
SEMCONV_ENV = "OTEL_INSTRUMENTATION_LITELLM_SEMCONV"

DEFAULT_MAX_CONTENT_LENGTH = 10_000


class ContentCapture(enum.Enum):
    """The values of `opentelemetry-util-genai`'s content capturing mode."""

    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"

    @property
    def on_span(self) -> bool:
        return self in (ContentCapture.SPAN_ONLY, ContentCapture.SPAN_AND_EVENT)

    @property
    def as_event(self) -> bool:
        return self in (ContentCapture.EVENT_ONLY, ContentCapture.SPAN_AND_EVENT)


class Semconv(enum.Enum):
    """Which attribute families the spans carry."""

    LLM = "llm"
    GEN_AI = "gen_ai"
    BOTH = "both"

    @property
    def llm(self) -> bool:
        return self is not Semconv.GEN_AI

    @property
    def gen_ai(self) -> bool:
        return self is not Semconv.LLM


# Legacy boolean spellings used by other GenAI instrumentations.
_CAPTURE_ALIASES = {"TRUE": ContentCapture.SPAN_ONLY, "FALSE": ContentCapture.NO_CONTENT}


@dataclass(frozen=True)
class Settings:
    capture_content: ContentCapture = ContentCapture.NO_CONTENT
    max_content_length: int = DEFAULT_MAX_CONTENT_LENGTH
    semconv: Semconv = Semconv.BOTH


def settings_from(
    *,
    capture_content: bool | str | ContentCapture | None = None,
    max_content_length: int | None = None,
    semconv: str | Semconv | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Resolve the settings: explicit arguments win over the environment."""
    return Settings(
        capture_content=_capture_from_argument(capture_content)
        if capture_content is not None
        else _from_env(environ, CAPTURE_CONTENT_ENV, _parse_capture, ContentCapture.NO_CONTENT),
        max_content_length=_check_length(max_content_length)
        if max_content_length is not None
        else _from_env(environ, MAX_CONTENT_LENGTH_ENV, _parse_length, DEFAULT_MAX_CONTENT_LENGTH),
        semconv=_parse_semconv(semconv)
        if semconv is not None
        else _from_env(environ, SEMCONV_ENV, _parse_semconv, Semconv.BOTH),
    )


def _capture_from_argument(value: bool | str | ContentCapture) -> ContentCapture:
    if isinstance(value, bool):
        return ContentCapture.SPAN_ONLY if value else ContentCapture.NO_CONTENT
    return _parse_capture(value)


def _parse_capture(value: str | ContentCapture) -> ContentCapture:
    if isinstance(value, ContentCapture):
        return value
    key = str(value).strip().upper()
    if key in _CAPTURE_ALIASES:
        return _CAPTURE_ALIASES[key]
    try:
        return ContentCapture(key)
    except ValueError:
        choices = ", ".join(mode.value for mode in ContentCapture)
        raise ValueError(f"capture_content must be a bool or one of {choices}; got {value!r}") from None


def _parse_semconv(value: str | Semconv) -> Semconv:
    if isinstance(value, Semconv):
        return value
    try:
        return Semconv(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(family.value for family in Semconv)
        raise ValueError(f"semconv must be one of {choices}; got {value!r}") from None


def _parse_length(value: str) -> int:
    try:
        return _check_length(int(value))
    except (TypeError, ValueError):
        raise ValueError(f"max_content_length must be a positive integer; got {value!r}") from None


def _check_length(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"max_content_length must be a positive integer; got {value!r}")
    return value


def _from_env(environ: Mapping[str, str], name: str, parse: Callable[[str], T], default: T) -> T:
    raw = environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        return parse(raw)
    except ValueError as error:
        logger.warning(
            "Ignoring %s: %s. Using the default, %s.", name, error, getattr(default, "value", default)
        )
        return default
