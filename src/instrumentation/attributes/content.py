"""Captured content (opt-in): messages in and out, in the GenAI conventions' JSON shape.

Text is kept; images, audio and files become placeholders with their type and size, never
their bytes; URLs lose their query string (signed URLs carry tokens there).
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from .common import safe_url
from .fields import field

Message = dict[str, Any]

# Tool call arguments longer than this stay a string (and are cut like text) rather than parsed.
_MAX_PARSED_ARGUMENTS = 100_000


def input_messages(messages: Any) -> list[Message]:
    """The request's messages as GenAI input messages."""
    if not isinstance(messages, (list, tuple)):
        return []
    converted = []
    for message in messages:
        role = field(message, "role")
        parts = _content_parts(field(message, "content"))
        parts += [_tool_call_part(call) for call in field(message, "tool_calls") or ()]
        if role == "tool":
            parts = [
                {
                    "type": "tool_call_response",
                    "id": field(message, "tool_call_id"),
                    "response": field(message, "content"),
                }
            ]
        converted.append({"role": role if isinstance(role, str) else "unknown", "parts": parts})
    return converted


def output_message(text: str | None, tool_calls: list[Any], finish_reason: str | None) -> Message:
    """One choice of the response as a GenAI output message."""
    parts: list[dict[str, Any]] = [{"type": "text", "content": text}] if text else []
    parts += [_tool_call_part(call) for call in tool_calls]
    return {"role": "assistant", "parts": parts, "finish_reason": finish_reason or "unknown"}


def output_messages(response: Any) -> list[Message]:
    """Every choice of a (non-streamed) chat response as GenAI output messages."""
    messages = []
    for choice in field(response, "choices") or ():
        message = field(choice, "message")
        text = field(message, "content")
        messages.append(
            output_message(
                text if isinstance(text, str) else None,
                list(field(message, "tool_calls") or ()),
                field(choice, "finish_reason"),
            )
        )
    return messages


def serialized(messages: list[Message], max_length: int) -> str:
    """JSON, cut to `max_length` characters (the cut is marked with "…").

    Messages are serialized one by one, each text cut first, and serializing stops once the
    limit is reached: a 5 MB prompt or 10,000 messages cost no more than the limit allows.
    """
    pieces: list[str] = []
    size = 0
    for message in messages:
        if size > max_length:
            break
        piece = json.dumps(_with_texts_cut(message, max_length), ensure_ascii=False, default=str)
        pieces.append(piece)
        size += len(piece) + 2
    text = "[" + ", ".join(pieces) + "]"
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


def _with_texts_cut(message: Message, limit: int) -> Message:
    parts = message.get("parts") or ()
    if all(len(part.get("content") or "") <= limit for part in parts if isinstance(part.get("content"), str)):
        return message
    cut = [
        {**part, "content": part["content"][:limit]} if isinstance(part.get("content"), str) else part
        for part in parts
    ]
    return {**message, "parts": cut}


def _content_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "content": content}] if content else []
    if not isinstance(content, (list, tuple)):
        return []
    return [_part(part) for part in content]


def _part(part: Any) -> dict[str, Any]:
    if isinstance(part, str):
        return {"type": "text", "content": part}
    kind = field(part, "type")
    if kind == "text":
        return {"type": "text", "content": field(part, "text")}
    if kind == "image_url":
        url = field(field(part, "image_url"), "url") or field(part, "image_url")
        return _media_placeholder("image", url)
    if kind == "input_audio":
        audio = field(part, "input_audio")
        return {
            "type": "blob",
            "modality": "audio",
            "mime_type": f"audio/{field(audio, 'format') or 'unknown'}",
            "size": _base64_size(field(audio, "data")),
        }
    if kind == "file":
        file = field(part, "file")
        return {
            "type": "file",
            "size": _base64_size(field(file, "file_data")),
            "file_id": field(file, "file_id"),
        }
    return {"type": kind if isinstance(kind, str) else "unknown"}


def _media_placeholder(modality: str, url: Any) -> dict[str, Any]:
    if isinstance(url, str) and url.startswith("data:"):
        header, _, data = url.partition(",")
        mime_type = header[len("data:") :].split(";")[0] or None
        return {"type": "blob", "modality": modality, "mime_type": mime_type, "size": _base64_size(data)}
    return {"type": "uri", "modality": modality, "uri": safe_url(url)}


def _base64_size(data: Any) -> int | None:
    """Bytes encoded by a base64 string, without decoding it."""
    if not isinstance(data, str):
        return None
    return len(data) * 3 // 4 - data[-2:].count("=")


def _tool_call_part(call: Any) -> dict[str, Any]:
    function = field(call, "function")
    arguments = field(function, "arguments")
    if isinstance(arguments, str) and len(arguments) <= _MAX_PARSED_ARGUMENTS:
        with contextlib.suppress(ValueError):  # Kept as the string the model produced.
            arguments = json.loads(arguments)
    return {
        "type": "tool_call",
        "id": field(call, "id"),
        "name": field(function, "name"),
        "arguments": arguments,
    }
