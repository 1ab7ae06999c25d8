"""Chat completion requests (messages, tools) and responses (choices, tool calls)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import semconv
from .fields import field

# List attributes keep at most this many entries: 10,000 messages must not make a huge span.
MAX_LISTED = 1000

# Text part types of chat messages and of Responses API input items.
_TEXT_PARTS = ("text", "input_text", "output_text")


def messages_attributes(messages: Any) -> dict[str, Any]:
    """Shape of the conversation sent: count, roles, text length, whether it is multimodal."""
    if not isinstance(messages, (list, tuple)):
        return {}
    roles: list[str] = []
    content_length = 0
    multimodal = False
    for message in messages:
        role = field(message, "role")
        roles.append(role if isinstance(role, str) else "unknown")
        length, has_media = _content_size(field(message, "content"))
        content_length += length
        multimodal = multimodal or has_media
    return {
        semconv.LLM_REQUEST_MESSAGES_COUNT: len(messages),
        semconv.LLM_REQUEST_MESSAGE_ROLES: roles[:MAX_LISTED],
        semconv.LLM_REQUEST_CONTENT_LENGTH: content_length,
        semconv.LLM_REQUEST_MULTIMODAL: multimodal,
    }


def tools_attributes(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Tools (or legacy functions) offered, and the tool choice when one was passed."""
    attributes: dict[str, Any] = {}
    tools = kwargs.get("tools") or kwargs.get("functions")
    if isinstance(tools, (list, tuple)):
        attributes[semconv.LLM_REQUEST_TOOLS_COUNT] = len(tools)
        names = [name for name in map(_tool_name, tools) if name]
        if names:
            attributes[semconv.LLM_REQUEST_TOOL_NAMES] = names[:MAX_LISTED]
    choice = kwargs.get("tool_choice") or kwargs.get("function_call")
    if isinstance(choice, str):
        attributes[semconv.LLM_REQUEST_TOOL_CHOICE] = choice
    elif choice is not None:
        name = field(field(choice, "function"), "name") or field(choice, "name") or field(choice, "type")
        if isinstance(name, str):
            attributes[semconv.LLM_REQUEST_TOOL_CHOICE] = name
    return attributes


def response_attributes(response: Any) -> dict[str, Any]:
    """Identity and choices of a (non-streamed) chat completion response."""
    attributes = response_identity(response)
    choices = field(response, "choices")
    if not isinstance(choices, (list, tuple)):
        return attributes
    finish_reasons: list[str] = []
    content_length = 0
    tool_call_names: list[str] = []
    tool_calls_count = 0
    for choice in choices:
        reason = field(choice, "finish_reason")
        if isinstance(reason, str):
            finish_reasons.append(reason)
        message = field(choice, "message")
        content = field(message, "content") if message is not None else choice_text(choice)
        if isinstance(content, str):
            content_length += len(content)
        calls = _tool_calls(message)
        if calls:
            tool_calls_count += len(calls)
            tool_call_names.extend(name for name in map(_call_name, calls) if name)
    attributes.update(
        choices_attributes(len(choices), finish_reasons, content_length, tool_calls_count, tool_call_names)
    )
    return attributes


def response_text(response: Any) -> str:
    """The text of every choice of a response, joined."""
    texts = (choice_text(choice) for choice in field(response, "choices") or ())
    return "".join(text for text in texts if isinstance(text, str))


def choice_text(choice: Any) -> Any:
    """A choice's text: a chat message's content, a stream delta's, or a text completion's."""
    for part in ("message", "delta"):
        holder = field(choice, part)
        if holder is not None:
            return field(holder, "content")
    return field(choice, "text")


def prompt_attributes(prompt: Any) -> dict[str, Any]:
    """Text length of a text completion's prompt (a string or a list of strings)."""
    prompts = [prompt] if isinstance(prompt, str) else prompt
    if not isinstance(prompts, (list, tuple)) or not all(isinstance(item, str) for item in prompts):
        return {}
    return {semconv.LLM_REQUEST_CONTENT_LENGTH: sum(map(len, prompts))}


def response_identity(response: Any) -> dict[str, Any]:
    """Response id and model, when the response carries them."""
    attributes: dict[str, Any] = {}
    response_id = field(response, "id")
    if isinstance(response_id, str) and response_id:
        attributes[semconv.LLM_RESPONSE_ID] = response_id
    model = field(response, "model")
    if isinstance(model, str) and model:
        attributes[semconv.LLM_RESPONSE_MODEL] = model
    return attributes


def choices_attributes(
    choices_count: int,
    finish_reasons: list[str],
    content_length: int,
    tool_calls_count: int,
    tool_call_names: list[str],
) -> dict[str, Any]:
    """The per-choice summary, shared by plain and streamed responses."""
    attributes: dict[str, Any] = {
        semconv.LLM_RESPONSE_CHOICES_COUNT: choices_count,
        semconv.LLM_RESPONSE_CONTENT_LENGTH: content_length,
        semconv.LLM_RESPONSE_TOOL_CALLS_COUNT: tool_calls_count,
    }
    if finish_reasons:
        attributes[semconv.LLM_RESPONSE_FINISH_REASON] = finish_reasons[0]
        attributes[semconv.LLM_RESPONSE_FINISH_REASONS] = finish_reasons[:MAX_LISTED]
    if tool_call_names:
        attributes[semconv.LLM_RESPONSE_TOOL_CALL_NAMES] = tool_call_names[:MAX_LISTED]
    return attributes


def _content_size(content: Any) -> tuple[int, bool]:
    """(characters of text, whether non-text parts are present) of a message's content."""
    if isinstance(content, str):
        return len(content), False
    if not isinstance(content, (list, tuple)):
        return 0, False
    length = 0
    has_media = False
    for part in content:
        if isinstance(part, str):
            length += len(part)
        elif field(part, "type") in _TEXT_PARTS:
            text = field(part, "text")
            length += len(text) if isinstance(text, str) else 0
        else:
            has_media = True
    return length, has_media


def _tool_name(tool: Any) -> str | None:
    name = field(field(tool, "function"), "name") or field(tool, "name")
    return name if isinstance(name, str) else None


def _tool_calls(message: Any) -> list[Any]:
    calls = field(message, "tool_calls")
    if isinstance(calls, (list, tuple)):
        return list(calls)
    legacy = field(message, "function_call")
    return [{"function": legacy}] if legacy else []


def _call_name(call: Any) -> str | None:
    name = field(field(call, "function"), "name")
    return name if isinstance(name, str) else None
