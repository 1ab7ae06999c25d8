"""Overhead of the instrumentation against bare LiteLLM, measured in the same process.

Three figures, each from interleaved rounds (bare, instrumented, bare, …) so that drift of
the machine hits both sides alike; medians over rounds:

1. a non-streamed `completion` over real HTTP to the loopback server: caller CPU and wall time per call;
2. a streamed `completion` (many chunks) over real HTTP: caller CPU per chunk;
3. the stream proxy alone, iterating pre-built LiteLLM chunks: the cost we add per chunk.

Spans go through a BatchSpanProcessor to an exporter that drops them, as in production
minus the network. Run: `make bench` (or `python benchmarks/overhead.py --rounds 7`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from instrumentation import LiteLLMInstrumentor

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.openai_server import OpenAIServer, Scripted, stream_chunks  # The loopback stand-in for OpenAI.


class DroppingExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def measure(work: Callable[[], int]) -> tuple[float, float, int]:
    """(caller-thread CPU seconds, wall seconds, units of work) of one run."""
    cpu, wall = time.thread_time(), time.perf_counter()
    units = work()
    return time.thread_time() - cpu, time.perf_counter() - wall, units


def compare(
    name: str,
    unit: str,
    work: Callable[[], int],
    instrumentor: LiteLLMInstrumentor,
    provider: TracerProvider,
    meters: MeterProvider,
    rounds: int,
) -> dict[str, float]:
    bare_cpu, inst_cpu, bare_wall, inst_wall = [], [], [], []
    for _ in range(rounds):
        cpu, wall, units = measure(work)
        bare_cpu.append(cpu / units)
        bare_wall.append(wall / units)
        instrumentor.instrument(tracer_provider=provider, meter_provider=meters)
        try:
            cpu, wall, units = measure(work)
        finally:
            instrumentor.uninstrument()
        inst_cpu.append(cpu / units)
        inst_wall.append(wall / units)
    row = {
        "bare_cpu_us": statistics.median(bare_cpu) * 1e6,
        "instrumented_cpu_us": statistics.median(inst_cpu) * 1e6,
        "bare_wall_us": statistics.median(bare_wall) * 1e6,
        "instrumented_wall_us": statistics.median(inst_wall) * 1e6,
    }
    added = row["instrumented_cpu_us"] - row["bare_cpu_us"]
    cpu_ratio = row["instrumented_cpu_us"] / row["bare_cpu_us"]
    wall_ratio = row["instrumented_wall_us"] / row["bare_wall_us"]
    print(
        f"{name:<34} per {unit:<6} caller CPU bare {row['bare_cpu_us']:9.1f} µs  instrumented "
        f"{row['instrumented_cpu_us']:9.1f} µs  (+{added:7.2f} µs, x{cpu_ratio:.3f})  wall x{wall_ratio:.3f}"
    )
    return row


def ours_alone(response: object, chunks: list, repeats: int) -> tuple[float, float]:
    """(µs per call, µs per chunk) that the instrumentation itself costs, LiteLLM and HTTP taken out:
    the real wrapper around a function returning a prebuilt response, and the real stream proxy
    over prebuilt chunks, end-of-stream aggregation included. Best of `repeats`."""
    from instrumentation.config import Settings
    from instrumentation.metrics import Metrics
    from instrumentation.operations import CHAT
    from instrumentation.telemetry import Telemetry
    from instrumentation.wrappers import sync_wrapper

    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DroppingExporter()))
    meter = MeterProvider([InMemoryMetricReader()]).get_meter("bench")  # Metrics aggregated too.
    wrapper = sync_wrapper(Telemetry(provider.get_tracer("bench"), Settings(), Metrics(meter)), CHAT)
    request = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}

    def respond(**kwargs: object) -> object:
        return response

    def stream(**kwargs: object) -> object:
        return iter(chunks)

    per_call, per_chunk = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(1000):
            wrapper(respond, None, (), request)
        instrumented = time.perf_counter() - start
        start = time.perf_counter()
        for _ in range(1000):
            respond(**request)
        per_call.append((instrumented - (time.perf_counter() - start)) / 1000)
        start = time.perf_counter()
        for _chunk in wrapper(stream, None, (), request | {"stream": True}):
            pass
        instrumented = time.perf_counter() - start
        start = time.perf_counter()
        for _chunk in stream():
            pass
        per_chunk.append((instrumented - (time.perf_counter() - start)) / len(chunks))
    provider.shutdown()
    return min(per_call) * 1e6, min(per_chunk) * 1e6


def callback_when_wrapped(repeats: int) -> float:
    """µs our LiteLLM success hook costs for a call a wrapper already traced (the both-active case):
    the wrapper's claim of the call id and the hook's lookup of it. Best of `repeats`."""
    from instrumentation.callback import CallbackHandler
    from instrumentation.registry import CALLS

    handler = CallbackHandler(telemetry=None)  # Never reached for a claimed call.
    details = {"litellm_call_id": "bench-call", "call_type": "completion"}
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(10_000):
            CALLS.claimed.put("bench-call")
            handler.log_success_event(details, None, None, None)
        timings.append((time.perf_counter() - start) / 10_000)
    return min(timings) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200, help="non-streamed calls per round")
    parser.add_argument("--chunks", type=int, default=500, help="chunks per stream")
    parser.add_argument("--streams", type=int, default=10, help="streams per round")
    options = parser.parse_args()

    import litellm

    litellm.suppress_debug_info = True
    provider = TracerProvider()
    provider.add_span_processor(BatchSpanProcessor(DroppingExporter()))
    meters = MeterProvider([InMemoryMetricReader()])
    instrumentor = LiteLLMInstrumentor()
    server = OpenAIServer().start()
    args = {"api_base": server.base_url, "api_key": "sk-bench", "max_retries": 0, "num_retries": 0}
    messages = [{"role": "user", "content": "Say hello"}]
    pieces = [f"w{i} " for i in range(options.chunks)]

    def calls() -> int:
        for _ in range(options.calls):
            litellm.completion(model="openai/gpt-4o-mini", messages=messages, **args)
        return options.calls

    def streams() -> int:
        received = 0
        server.script(
            "/v1/chat/completions",
            *[Scripted(chunks=stream_chunks("gpt-4o-mini", pieces)) for _ in range(options.streams)],
        )
        for _ in range(options.streams):
            for _chunk in litellm.completion(
                model="openai/gpt-4o-mini", messages=messages, stream=True, **args
            ):
                received += 1
        return received

    try:
        calls(), streams()  # Warm-up: LiteLLM's first calls are slow.
        print(
            f"litellm {__import__('importlib.metadata').metadata.version('litellm')}, "
            f"{options.rounds} rounds, medians"
        )
        compare(
            "completion, non-streamed (HTTP)", "call", calls, instrumentor, provider, meters, options.rounds
        )
        compare(
            "completion, streamed (HTTP)", "chunk", streams, instrumentor, provider, meters, options.rounds
        )
    finally:
        server.stop()

    response = litellm.completion(model="openai/gpt-4o-mini", messages=messages, mock_response="Hello there")
    chunks = list(
        litellm.completion(
            model="openai/gpt-4o-mini", messages=messages, stream=True, mock_response="".join(pieces)
        )
    )
    call_us, chunk_us = ours_alone(response, chunks, repeats=20)
    print(f"{'callback, call already wrapped':<34} per call {callback_when_wrapped(repeats=5):7.2f} µs")
    print(
        f"{'instrumentation alone':<34} per call {call_us:7.1f} µs   per chunk {chunk_us:5.2f} µs "
        f"(a {len(chunks)}-chunk stream, end-of-stream aggregation included)"
    )
    provider.shutdown()


if __name__ == "__main__":
    main()
