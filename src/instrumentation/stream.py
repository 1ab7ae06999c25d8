"""StreamWrapper: LiteLLM's stream object, unchanged for the caller, observed for the span.

LiteLLM's `CustomStreamWrapper` serves sync and async iteration alike, so one proxy does
too. Per chunk it only takes a timestamp and keeps a reference; everything else is worked
out once, when the stream ends. The span is never current between chunks, and it ends
exactly once: on exhaustion, on an error, on `close()`/`aclose()`/`__exit__`, or when the
stream is garbage-collected unconsumed.
"""

from __future__ import annotations

import weakref
from time import perf_counter_ns
from typing import Any

import wrapt

from .attributes.fields import as_name
from .call import LLMCall
from .internal_errors import report_internal_error
from .operations import StreamShape
from .outcome import Timing


class StreamState:
    """What a stream's span needs, kept apart from the proxy so a finalizer can hold it."""

    __slots__ = (
        "call",
        "chunks",
        "ended",
        "first_chunk_at",
        "first_output_at",
        "last_chunk_at",
        "served_by",
        "shape",
    )

    def __init__(self, call: LLMCall, shape: StreamShape, served_by: str | None) -> None:
        self.call = call
        self.shape = shape
        self.served_by = served_by
        self.chunks: list[Any] = []
        self.first_output_at: int | None = None
        self.first_chunk_at: int | None = None
        self.last_chunk_at: int | None = None
        self.ended = False

    def on_chunk(self, chunk: Any) -> None:
        """Per chunk: a timestamp and a reference, nothing else."""
        if self.ended:  # Chunks read after the span ended (e.g. after a cancellation) are not kept.
            return
        now = perf_counter_ns()
        if self.first_chunk_at is None:
            self.first_chunk_at = now
        if self.first_output_at is None and self.shape.first_output(chunk):
            self.first_output_at = now
        self.last_chunk_at = now
        self.chunks.append(chunk)

    def on_end(self, completed: bool, error: BaseException | None = None) -> None:
        """End the span once, with everything the chunks tell."""
        if self.ended:
            return
        self.ended = True
        chunks, self.chunks = self.chunks, []
        timing = Timing(
            self.call.started,
            perf_counter_ns(),
            first_chunk=self.first_chunk_at,
            first_output=self.first_output_at,
            last_chunk=self.last_chunk_at,
            chunk_count=len(chunks),
            stream_completed=completed,
        )
        self.call.finish(lambda: self.shape.read(chunks, self.served_by), timing, error)


class StreamWrapper(wrapt.ObjectProxy):
    """Transparent proxy of a LiteLLM stream that ends the call's span when the stream ends."""

    def __init__(self, stream: Any, call: LLMCall, shape: StreamShape) -> None:
        super().__init__(stream)
        state = StreamState(call, shape, as_name(getattr(stream, "custom_llm_provider", None)))
        self._self_state = state
        # Ends the span of a stream dropped unconsumed; holds the state, never the proxy.
        self._self_finalizer = weakref.finalize(self, state.on_end, False)

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
        self._self_state.on_end(completed, error)
