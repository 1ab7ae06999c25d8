"""What the loopback OpenAI server answers with: bodies in the shapes of OpenAI's APIs (and Cohere's and
vLLM's rerank), and the default values tests assert against. Pure functions of their arguments: the
server (`openai_server`) picks which one answers a request."""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any

DEFAULT_TEXT = "Hello from the test server!"
DEFAULT_USAGE: dict[str, int] = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
DEFAULT_CREATED = 1700000000
DEFAULT_EMBEDDING_USAGE: dict[str, int] = {"prompt_tokens": 5, "total_tokens": 5}
DEFAULT_RESPONSES_USAGE: dict[str, Any] = {
    "input_tokens": 12,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 7,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 19,
}
# What GPT Image models report for a 1024x1024 medium-quality image (DALL-E models report no usage at all).
GPT_IMAGE_USAGE: dict[str, Any] = {
    "input_tokens": 12,
    "input_tokens_details": {"image_tokens": 0, "text_tokens": 12},
    "output_tokens": 1056,
    "total_tokens": 1068,
}
DEFAULT_TRANSCRIPT = "hello world"
DEFAULT_AUDIO_DURATION = 2.5
# A valid 1x1 PNG, so clients that decode `b64_json` get a real image.
TINY_PNG_B64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="


def error_body(message: str, type_: str = "invalid_request_error", code: str | None = None) -> dict:
    """Build the `{"error": {...}}` envelope OpenAI uses, which clients turn into their exception messages."""
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def chat_completion(
    model: str,
    content: str | None = DEFAULT_TEXT,
    *,
    id: str = "chatcmpl-test",
    finish_reason: str = "stop",
    tool_calls: list[dict] | None = None,
    choices: int = 1,
    usage: dict | None = DEFAULT_USAGE,
    created: int = DEFAULT_CREATED,
) -> dict:
    """Build a non-streaming `chat.completion` response; `usage=None` omits the usage key entirely."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    response: dict[str, Any] = {
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": index, "message": dict(message), "logprobs": None, "finish_reason": finish_reason}
            for index in range(choices)
        ],
    }
    if usage is not None:
        response["usage"] = dict(usage)
    return response


def stream_chunks(
    model: str,
    pieces: list[str],
    *,
    id: str = "chatcmpl-stream",
    finish_reason: str = "stop",
    tool_calls: list[dict] | None = None,
    usage: dict | None = None,
    role_chunk: bool = True,
) -> list[dict]:
    """Build the `chat.completion.chunk` payloads OpenAI would stream for the same answer.

    Tool call arguments are split over several chunks, as OpenAI does, so clients' delta merging is tested.
    A `usage` chunk with `"choices": []` comes last, which is what `stream_options.include_usage` produces.
    """

    def chunk(delta: dict, finish: str | None = None) -> dict:
        return {
            "id": id,
            "object": "chat.completion.chunk",
            "created": DEFAULT_CREATED,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    chunks = [chunk({"role": "assistant", "content": ""})] if role_chunk else []
    chunks += [chunk({"content": piece}) for piece in pieces]
    for index, call in enumerate(tool_calls or []):
        opening: dict[str, Any] = {"index": index, "id": call["id"], "type": "function"}
        opening["function"] = {"name": call["function"]["name"], "arguments": ""}
        parts = _split_in_three(call["function"].get("arguments", ""))
        deltas = [opening, *({"index": index, "function": {"arguments": part}} for part in parts)]
        chunks += [chunk({"tool_calls": [delta]}) for delta in deltas]
    chunks.append(chunk({}, finish_reason))
    if usage is not None:
        chunks.append({**chunk({}), "choices": [], "usage": dict(usage)})
    return chunks


def _split_in_three(text: str) -> list[str]:
    """Split `text` into up to three non-empty pieces (fewer only when the text is that short)."""
    step = max(1, -(-len(text) // 3))
    return [text[start : start + step] for start in range(0, len(text), step)]


def embedding_response(
    model: str,
    inputs_count: int = 1,
    dimensions: int = 8,
    usage: dict | None = DEFAULT_EMBEDDING_USAGE,
    *,
    encoding_format: str = "float",
) -> dict:
    """Build an embeddings `list` response with one deterministic vector per input.

    Vector `i` holds `sin(i * dimensions + j + 1)` rounded to 6 places, so tests can compare exact values;
    `encoding_format="base64"` packs them as little-endian float32, as OpenAI does.
    """
    data = []
    for index in range(inputs_count):
        vector = embedding_vector(index, dimensions)
        encoded: list[float] | str = vector
        if encoding_format == "base64":
            encoded = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    response: dict[str, Any] = {"object": "list", "data": data, "model": model}
    if usage is not None:
        response["usage"] = dict(usage)
    return response


def embedding_vector(index: int, dimensions: int = 8) -> list[float]:
    """The vector `embedding_response` returns for input number `index`."""
    return [round(math.sin(index * dimensions + position + 1), 6) for position in range(dimensions)]


def image_response(
    n: int = 1,
    *,
    b64_json: bool = False,
    revised_prompt: str | None = None,
    usage: dict | None = None,
    created: int = DEFAULT_CREATED,
    **extra: Any,
) -> dict:
    """Build an images response with `n` images, as URLs or as base64 PNGs.

    DALL-E models answer with only `created` and `data`; GPT Image models always send `b64_json` and add
    `usage` plus `background`, `output_format`, `quality` and `size`, which go in `usage` and `extra`.
    """
    images = []
    for index in range(n):
        image: dict[str, Any] = (
            {"b64_json": TINY_PNG_B64}
            if b64_json
            else {"url": f"https://images.test/generated/img-{index}.png?sig=test"}
        )
        if revised_prompt is not None:
            image["revised_prompt"] = revised_prompt
        images.append(image)
    response: dict[str, Any] = {"created": created, "data": images, **extra}
    if usage is not None:
        response["usage"] = dict(usage)
    return response


MODERATION_CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
FLAGGED_SCORES: dict[str, float] = {"harassment": 0.91, "violence": 0.87}


def moderation_result(flagged: bool, input_types: tuple[str, ...] = ("text",)) -> dict:
    """One moderation result; a flagged one has `harassment` and `violence` set, with high scores."""
    scores = FLAGGED_SCORES if flagged else {}
    return {
        "flagged": flagged,
        "categories": {name: name in scores for name in MODERATION_CATEGORIES},
        "category_scores": {name: scores.get(name, 0.000012) for name in MODERATION_CATEGORIES},
        "category_applied_input_types": {name: list(input_types) for name in MODERATION_CATEGORIES},
    }


def moderation_response(model: str, inputs: str | list, *, id: str = "modr-test") -> dict:
    """Build a moderations response for the request's `input`: one result per string, flagged when it
    contains "hate". A list of multi-modal parts (`{"type": "text", ...}`) is one input, so one result."""
    if isinstance(inputs, str):
        items: list[str] = [inputs]
        input_types: tuple[str, ...] = ("text",)
    elif inputs and all(isinstance(item, dict) for item in inputs):
        items = [" ".join(str(part.get("text", "")) for part in inputs)]
        input_types = tuple(
            dict.fromkeys("image" if part.get("type") == "image_url" else "text" for part in inputs)
        )
    else:
        items = [str(item) for item in inputs]
        input_types = ("text",)
    results = [moderation_result("hate" in item.lower(), input_types) for item in items]
    return {"id": id, "model": model, "results": results}


def text_completion(
    model: str,
    text: str = DEFAULT_TEXT,
    *,
    id: str = "cmpl-test",
    finish_reason: str = "stop",
    choices: int = 1,
    usage: dict | None = DEFAULT_USAGE,
    created: int = DEFAULT_CREATED,
) -> dict:
    """Build a legacy `text_completion` response; `usage=None` omits the usage key entirely."""
    response: dict[str, Any] = {
        "id": id,
        "object": "text_completion",
        "created": created,
        "model": model,
        "choices": [
            {"text": text, "index": index, "logprobs": None, "finish_reason": finish_reason}
            for index in range(choices)
        ],
    }
    if usage is not None:
        response["usage"] = dict(usage)
    return response


def text_completion_chunks(
    model: str,
    pieces: list[str],
    *,
    id: str = "cmpl-stream",
    finish_reason: str = "stop",
    usage: dict | None = None,
) -> list[dict]:
    """Build the `text_completion` chunks OpenAI streams: one per piece of text, then an empty-text chunk
    with the finish reason, then (only with `stream_options.include_usage`) a `"choices": []` usage chunk."""

    def chunk(text: str, finish: str | None = None) -> dict:
        return {
            "id": id,
            "object": "text_completion",
            "created": DEFAULT_CREATED,
            "model": model,
            "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish}],
        }

    chunks = [chunk(piece) for piece in pieces]
    chunks.append(chunk("", finish_reason))
    if usage is not None:
        chunks.append({**chunk(""), "choices": [], "usage": dict(usage)})
    return chunks


def response_message(text: str = DEFAULT_TEXT, *, id: str = "msg_test", status: str = "completed") -> dict:
    """A Responses API `message` output item holding one `output_text` part."""
    part = {"type": "output_text", "annotations": [], "logprobs": [], "text": text}
    return {"id": id, "type": "message", "status": status, "content": [part], "role": "assistant"}


def response_object(
    model: str,
    text: str = DEFAULT_TEXT,
    *,
    id: str = "resp_test",
    status: str = "completed",
    output: list[dict] | None = None,
    usage: dict | None = DEFAULT_RESPONSES_USAGE,
    created_at: int = DEFAULT_CREATED,
    **request_echo: Any,
) -> dict:
    """Build a Responses API `response` object; `output` replaces the single message holding `text`.

    OpenAI echoes the request's settings (instructions, temperature, tools, ...): pass them as keywords.
    """
    response: dict[str, Any] = {
        "id": id,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": model,
        "output": [response_message(text)] if output is None else output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": True,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": dict(usage) if usage is not None else None,
        "user": None,
        "metadata": {},
    }
    response.update(request_echo)
    return response


def response_stream_events(
    model: str,
    pieces: list[str],
    *,
    id: str = "resp_test",
    usage: dict | None = DEFAULT_RESPONSES_USAGE,
    **request_echo: Any,
) -> list[dict]:
    """Build the events OpenAI streams for a one-message answer, from `response.created` to
    `response.completed` (which carries the whole response, usage included); send with named events."""
    text = "".join(pieces)
    in_progress = response_object(model, id=id, status="in_progress", output=[], usage=None, **request_echo)
    completed = response_object(model, text, id=id, usage=usage, **request_echo)
    item = response_message(text)
    part = item["content"][0]
    where = {"item_id": item["id"], "output_index": 0}
    events: list[dict] = [
        {"type": "response.created", "response": in_progress},
        {"type": "response.in_progress", "response": in_progress},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "status": "in_progress", "content": []},
        },
        {"type": "response.content_part.added", **where, "content_index": 0, "part": {**part, "text": ""}},
    ]
    events += [
        {"type": "response.output_text.delta", **where, "content_index": 0, "delta": piece, "logprobs": []}
        for piece in pieces
    ]
    events += [
        {"type": "response.output_text.done", **where, "content_index": 0, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **where, "content_index": 0, "part": part},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": completed},
    ]
    return [{"type": event["type"], "sequence_number": index, **event} for index, event in enumerate(events)]


def transcription(
    text: str = DEFAULT_TRANSCRIPT,
    *,
    verbose: bool = False,
    duration: float = DEFAULT_AUDIO_DURATION,
    language: str = "english",
    words: bool = False,
    usage: dict | None = None,
) -> dict:
    """Build a transcription: `{"text", "usage"}` for `json`, plus task, language, duration and segments
    (and words, when asked for word timestamps) for `verbose_json`. Whisper bills by the second, so the
    default usage is `{"type": "duration", "seconds": <duration rounded up>}`."""
    response: dict[str, Any] = {"text": text}
    if verbose:
        response = {"task": "transcribe", "language": language, "duration": duration, "text": text}
        response["segments"] = [
            {
                "id": 0,
                "seek": 0,
                "start": 0.0,
                "end": duration,
                "text": f" {text}",
                "tokens": [50364, 7751, 1002, 50489],
                "temperature": 0.0,
                "avg_logprob": -0.25,
                "compression_ratio": 0.73,
                "no_speech_prob": 0.01,
            }
        ]
        if words:
            spoken = text.split()
            step = duration / max(1, len(spoken))
            response["words"] = [
                {"word": word, "start": round(index * step, 2), "end": round((index + 1) * step, 2)}
                for index, word in enumerate(spoken)
            ]
    response["usage"] = (
        dict(usage) if usage is not None else {"type": "duration", "seconds": math.ceil(duration)}
    )
    return response


def speech_audio(size: int = 2048) -> bytes:
    """`size` bytes that look like an MP3 file (ID3 header, then MPEG frame-sync bytes), deterministic."""
    header = b"ID3\x04\x00\x00\x00\x00\x00\x00"
    frame = b"\xff\xf3\x44\xc4" + bytes(range(60))
    body = (frame * (size // len(frame) + 1))[: max(0, size - len(header))]
    return (header + body)[:size]


def rerank_results(
    query: str,
    documents: list,
    *,
    top_n: int | None = None,
    return_documents: bool = False,
) -> list[dict]:
    """Score each document by how many query words it contains (ties: earlier documents first), best first.

    Scores are deterministic and in (0, 1); `top_n` keeps the best ones; `return_documents` adds the text.
    """
    words = {word for word in query.lower().split() if word}
    scored = []
    for index, document in enumerate(documents):
        text = document_text(document)
        hits = sum(word in text.lower() for word in words)
        score = round(0.8 * hits / max(1, len(words)) + 0.19 / (index + 1), 4)
        result: dict[str, Any] = {"index": index, "relevance_score": score}
        if return_documents:
            result["document"] = {"text": text}
        scored.append(result)
    scored.sort(key=lambda result: -result["relevance_score"])
    return scored[:top_n] if top_n is not None else scored


def rerank_response(
    query: str,
    documents: list,
    *,
    top_n: int | None = None,
    return_documents: bool = False,
    id: str = "rerank-test",
    meta: dict | None = None,
    model: str | None = None,
    usage: dict | None = None,
) -> dict:
    """Build a rerank response: Cohere's shape (`id`, `results`, `meta` with billed search units) when given
    `meta`; vLLM / Jina / Infinity's (`id`, `model`, `usage.total_tokens`, `results`) when given those."""
    response: dict[str, Any] = {"id": id}
    if model is not None:
        response["model"] = model
    response["results"] = rerank_results(query, documents, top_n=top_n, return_documents=return_documents)
    if meta is not None:
        response["meta"] = meta
    if usage is not None:
        response["usage"] = dict(usage)
    return response


def cohere_rerank_meta(api_version: str = "2", search_units: int = 1) -> dict:
    """The `meta` Cohere returns: API version and billed search units (one per query of up to 100 docs)."""
    return {"api_version": {"version": api_version}, "billed_units": {"search_units": search_units}}


def document_text(document: object) -> str:
    """A rerank document's text (a string, or a dict's `text`)."""
    if isinstance(document, dict):
        return str(document.get("text", json.dumps(document, sort_keys=True)))
    return str(document)
