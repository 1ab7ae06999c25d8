"""StreamWrapper: LiteLLM's stream object, unchanged for the caller, observed for the span.

LiteLLM's `CustomStreamWrapper` serves sync and async iteration alike, so one proxy does
too. Per chunk it only takes a timestamp and keeps a reference; everything else is worked
out once, when the stream ends. The span is never current between chunks, and it ends
exactly once: on exhaustion, on an error, on `close()`/`aclose()`/`__exit__`, or when the
stream is garbage-collected unconsumed.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

import wrapt

from . import semconv
from .attributes.content import Message
from .attributes.cost import priced_attributes
from .call import LLMCall, StreamShape
from .safety import report_internal_error


class StreamState:
    """What a stream's span needs, kept apart from the proxy so a finalizer can hold it."""

    __slots__ = (
        "call",
        "chunks",
        "ended",
        "first_chunk_at",
        "first_token_at",
        "last_chunk_at",
        "provider",
        "shape",
    )

    def __init__(self, call: LLMCall, shape: StreamShape, provider: str | None) -> None:
        self.call = call
        self.shape = shape
        self.provider = provider
        self.chunks: list[Any] = []
        self.first_token_at: float | None = None
        self.first_chunk_at: float | None = None
        self.last_chunk_at: float | None = None
        self.ended = False

    def on_chunk(self, chunk: Any) -> None:
        if self.ended:  # Chunks read after the span ended (e.g. after a cancellation) are not kept.
            return
        now = time.perf_counter()
        if self.first_chunk_at is None:
            self.first_chunk_at = now
        if self.first_token_at is None and self.shape.first_output(chunk):
            self.first_token_at = now
        self.last_chunk_at = now
        self.chunks.append(chunk)

    def finish(self, completed: bool, error: BaseException | None = None) -> None:
        """End the span once, with everything the chunks tell."""
        if self.ended:
            return
        self.ended = True
        attributes: dict[str, Any] = {}
        output: list[Message] = []
        try:
            attributes = self._attributes(completed)
            if self.shape.output_messages and self.call.captures_content and self.call.span.is_recording():
                output = self.shape.output_messages(self.chunks)
        except Exception:
            report_internal_error("aggregating a stream")
        if error is None:
            self.call.complete(attributes, output)
        else:
            self.call.fail(error, attributes)
        self.chunks = []

    def _attributes(self, completed: bool) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            semconv.LLM_RESPONSE_IS_STREAMING: True,
            semconv.LLM_RESPONSE_STREAM_COMPLETED: completed,
            semconv.LLM_RESPONSE_CHUNK_COUNT: len(self.chunks),
        }
        if self.first_token_at is not None:
            attributes[semconv.LLM_RESPONSE_TIME_TO_FIRST_TOKEN] = self.first_token_at - self.call.started
        generation_time = None
        if self.first_chunk_at is not None and self.last_chunk_at is not None:
            duration = self.last_chunk_at - self.first_chunk_at
            attributes[semconv.LLM_RESPONSE_STREAM_DURATION] = duration
            if duration > 0:
                attributes[semconv.LLM_RESPONSE_CHUNKS_PER_SECOND] = len(self.chunks) / duration
            generation_time = self.last_chunk_at - (self.first_token_at or self.first_chunk_at)
        attributes |= self.shape.response(self.chunks, self.call.kwargs)
        if self.call.provider is None and self.provider:
            attributes[semconv.LLM_PROVIDER] = self.provider
        attributes |= priced_attributes(
            self.call.kwargs.get("model"), self.call.provider or self.provider, attributes
        )
        completion = attributes.get(semconv.LLM_USAGE_COMPLETION_TOKENS)
        if completion and generation_time:
            attributes[semconv.LLM_RESPONSE_TOKENS_PER_SECOND] = completion / generation_time
        return attributes


class StreamWrapper(wrapt.ObjectProxy):
    """Transparent proxy of a LiteLLM stream that ends the call's span when the stream ends."""

    def __init__(self, stream: Any, call: LLMCall, shape: StreamShape) -> None:
        super().__init__(stream)
        provider = getattr(stream, "custom_llm_provider", None)
        state = StreamState(call, shape, provider if isinstance(provider, str) else None)
        self._self_state = state
        # Ends the span of a stream dropped unconsumed; holds the state, never the proxy.
        self._self_finalizer = weakref.finalize(self, state.finish, False)

    # Iteration must go through the proxy: the stream's own __iter__ returns itself.
    def __iter__(self) -> StreamWrapper:
        return self

    def __next__(self) -> Any:
        try:
            chunk = self.__wrapped__.__next__()
        except StopIteration:
            self._self_end(True)
            raise
        except BaseException as error:
            self._self_end(False, error)
            raise
        try:
            self._self_state.on_chunk(chunk)
        except Exception:
            report_internal_error("observing a chunk")
        return chunk

    def __aiter__(self) -> StreamWrapper:
        return self

    async def __anext__(self) -> Any:
        try:
            chunk = await self.__wrapped__.__anext__()
        except StopAsyncIteration:
            self._self_end(True)
            raise
        except BaseException as error:
            self._self_end(False, error)
            raise
        try:
            self._self_state.on_chunk(chunk)
        except Exception:
            report_internal_error("observing a chunk")
        return chunk

    def __enter__(self) -> StreamWrapper:
        enter = getattr(self.__wrapped__, "__enter__", None)
        if enter is not None:
            enter()
        return self

    def __exit__(self, *exc_info: Any) -> Any:
        try:
            exit_ = getattr(self.__wrapped__, "__exit__", None)
            return exit_(*exc_info) if exit_ is not None else None
        finally:
            self._self_end(False)

    async def __aenter__(self) -> StreamWrapper:
        aenter = getattr(self.__wrapped__, "__aenter__", None)
        if aenter is not None:
            await aenter()
        return self

    async def __aexit__(self, *exc_info: Any) -> Any:
        try:
            aexit = getattr(self.__wrapped__, "__aexit__", None)
            return await aexit(*exc_info) if aexit is not None else None
        finally:
            self._self_end(False)

    def close(self) -> Any:
        try:
            close = getattr(self.__wrapped__, "close", None)
            return close() if close is not None else None
        finally:
            self._self_end(False)

    async def aclose(self) -> Any:
        try:
            aclose = getattr(self.__wrapped__, "aclose", None)
            return await aclose() if aclose is not None else None
        finally:
            self._self_end(False)

    def _self_end(self, completed: bool, error: BaseException | None = None) -> None:
        self._self_finalizer.detach()
        self._self_state.finish(completed, error)
