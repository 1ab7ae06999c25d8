"""Speech to text and text to speech: sizes in and out, duration where the provider says it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .. import semconv
from .fields import field


def transcription_request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    size = _file_size(request.get("file"))
    return {} if size is None else {semconv.LLM_REQUEST_AUDIO_BYTES: size}


def transcription_response_attributes(response: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    text = field(response, "text")
    if isinstance(text, str):
        attributes[semconv.LLM_RESPONSE_CONTENT_LENGTH] = len(text)
    duration = field(response, "duration")
    if isinstance(duration, (int, float)) and not isinstance(duration, bool):
        attributes[semconv.LLM_RESPONSE_AUDIO_DURATION] = float(duration)
    return attributes


def speech_request_attributes(request: Mapping[str, Any]) -> dict[str, Any]:
    text = request.get("input")
    return {semconv.LLM_REQUEST_INPUT_CHARACTERS: len(text)} if isinstance(text, str) else {}


def speech_response_attributes(response: Any) -> dict[str, Any]:
    content = getattr(response, "content", None)  # LiteLLM's HttpxBinaryResponseContent.
    return {semconv.LLM_RESPONSE_AUDIO_BYTES: len(content)} if isinstance(content, (bytes, bytearray)) else {}


def _file_size(file: Any) -> int | None:
    """Bytes of an upload given as bytes, a (name, content, …) tuple, a path or a file object,
    without reading it or moving its position."""
    if isinstance(file, tuple) and len(file) >= 2:
        file = file[1]
    if isinstance(file, (bytes, bytearray, memoryview)):
        return len(file)
    if isinstance(file, (str, os.PathLike)):
        try:
            return os.path.getsize(file)
        except OSError:
            return None
    getbuffer = getattr(file, "getbuffer", None)  # io.BytesIO
    if getbuffer is not None:
        return len(getbuffer())
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return None
