"""What the stream test files share: the server's stream shapes and how to open and read a stream."""

from __future__ import annotations

from typing import Any

import litellm

from .conftest import MODEL

CHAT = "/v1/chat/completions"
HI = [{"role": "user", "content": "hi"}]
PIECES = ["Stream", "ed ", "answer", "!"]
# What the server sends for PIECES: a role chunk, one chunk per piece, the finish chunk.
PIECES_CHUNKS = len(PIECES) + 2


def content_of(chunks: list[Any]) -> str:
    return "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)


def open_sync(call_args: dict[str, Any], **kwargs: Any) -> Any:
    return litellm.completion(model=MODEL, messages=HI, stream=True, **call_args, **kwargs)


async def open_async(call_args: dict[str, Any], **kwargs: Any) -> Any:
    return await litellm.acompletion(model=MODEL, messages=HI, stream=True, **call_args, **kwargs)


async def consume(mode: str, call_args: dict[str, Any], **kwargs: Any) -> list[Any]:
    """Open and fully consume a stream, sync or async."""
    if mode == "sync":
        return list(open_sync(call_args, **kwargs))
    return [chunk async for chunk in await open_async(call_args, **kwargs)]
