"""Overhead in instructions: bare and instrumented LiteLLM counted by callgrind, immune to machine noise.

`overhead.py` measures CPU time, which moves by ±20 % between runs on a shared virtual machine: more
than the instrumentation costs. Instructions executed do not move: this script runs the same
scenarios (non-streamed and streamed chat completion) in three workers, each under
`valgrind --tool=callgrind` with every thread of the process counted (LiteLLM's logging threads,
our callback, the span processor's export thread and the metrics SDK included):

- bare LiteLLM;
- LiteLLM with a do-nothing `CustomLogger` registered: what LiteLLM itself spends on any callback
  (per call, and per streamed chunk, where it calls every logger's stream hook);
- instrumented LiteLLM,

and reports the instructions per call and per chunk each adds to bare LiteLLM. It also counts our
code alone around a prebuilt response, the figure `overhead.py` times.

Each worker warms a scenario up, then the orchestrator zeroes the counters, lets the measured calls
run, and dumps the counters (`callgrind_control`). Import and warm-up are not counted.

Run: `python benchmarks/instructions.py` (needs valgrind; about five minutes, most of it importing
LiteLLM under valgrind).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from overhead import MESSAGES, instrumented_provider, prebuilt_calls  # noqa: E402
from tests import openai_server  # noqa: E402  (the loopback stand-in for OpenAI)

STEPS = ("completion", "stream", "alone")
KINDS = ("bare", "callback", "instrumented")


# --- Worker: runs under callgrind, one step at a time, when told ---------------------------------------


def worker(base_url: str, kind: str, calls: int, signals: Path) -> None:
    import litellm

    litellm.suppress_debug_info = True
    if kind == "callback":
        from litellm.integrations.custom_logger import CustomLogger

        litellm.callbacks.append(CustomLogger())
    elif kind == "instrumented":
        from instrumentation import LiteLLMInstrumentor

        LiteLLMInstrumentor().instrument(**instrumented_provider())
    args = {"api_base": base_url, "api_key": "sk-bench", "max_retries": 0, "num_retries": 0}
    model = "openai/gpt-4o-mini"

    def completion(count: int) -> int:
        for _ in range(count):
            litellm.completion(model=model, messages=MESSAGES, **args)
        return count

    def stream(count: int) -> int:
        chunks = 0
        for _ in range(max(1, count // 4)):  # Streams are long: a quarter as many suffice.
            for _chunk in litellm.completion(model=model, messages=MESSAGES, stream=True, **args):
                chunks += 1
        return chunks

    steps: dict[str, Callable[[int], int]] = {"completion": completion, "stream": stream}
    if kind == "instrumented":
        alone = prebuilt_calls(litellm)[0]
        steps["alone"] = lambda count: alone(count * 10) or count * 10
    for name, step in steps.items():
        step(3)  # Warm-up: LiteLLM's first calls are slow.
        time.sleep(0.5)  # Let the warm-up's logging threads finish outside the count.
        _signal(signals, f"{name}.ready")
        _wait(signals, f"{name}.go")
        units = step(calls)
        time.sleep(1)  # LiteLLM's success logging runs in a thread after the call returns.
        _signal(signals, f"{name}.done", str(units))
        _wait(signals, f"{name}.next")


def _signal(signals: Path, name: str, text: str = "") -> None:
    (signals / name).write_text(text)


def _wait(signals: Path, name: str, timeout: float = 3600) -> None:
    deadline = time.monotonic() + timeout
    while not (signals / name).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(name)
        time.sleep(0.1)


# --- Orchestration ------------------------------------------------------------------------------------


def count(base_url: str, kind: str, calls: int, workdir: Path) -> dict[str, tuple[int, int]]:
    """(instructions, units: calls or chunks) of each step of one worker, all threads."""
    signals = workdir / kind
    signals.mkdir()
    out = signals / "callgrind.out"
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        "--dump-instr=no",
        sys.executable,
        __file__,
        "--worker",
        base_url,
        "--calls",
        str(calls),
        "--signals",
        str(signals),
        "--kind",
        kind,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    counts = {}
    try:
        for step in STEPS if kind == "instrumented" else STEPS[:2]:
            _wait(signals, f"{step}.ready")
            _control("-z", process.pid)
            _signal(signals, f"{step}.go")
            _wait(signals, f"{step}.done")
            _control("-d", process.pid)
            counts[step] = (_dumped_instructions(out), int((signals / f"{step}.done").read_text()))
            _signal(signals, f"{step}.next")
    finally:
        process.kill()
        process.wait()
    return counts


def _control(option: str, pid: int) -> None:
    subprocess.run(["callgrind_control", option, str(pid)], check=True, capture_output=True)


def _dumped_instructions(out: Path) -> int:
    """The instructions of the newest dump (`summary:`, the exclusive total of every thread)."""
    deadline = time.monotonic() + 60
    while True:
        dumps = sorted(out.parent.glob(f"{out.name}.*"), key=lambda path: int(path.suffix[1:]))
        if dumps:
            match = re.search(r"^summary: (\d+)$", dumps[-1].read_text(errors="replace"), re.MULTILINE)
            if match:
                dumps[-1].unlink()
                return int(match.group(1))
        if time.monotonic() > deadline:
            raise TimeoutError("no callgrind dump")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20, help="measured calls per scenario")
    parser.add_argument("--chunks", type=int, default=200, help="content chunks per streamed answer")
    parser.add_argument("--worker", metavar="BASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--signals", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--kind", choices=KINDS, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(options.worker, options.kind, options.calls, options.signals)
        return

    openai_server.DEFAULT_STREAM_PIECES = [f"w{i} " for i in range(options.chunks)]
    server = openai_server.OpenAIServer().start()
    try:
        with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(len(KINDS)) as pool:
            runs = pool.map(lambda kind: count(server.base_url, kind, options.calls, Path(workdir)), KINDS)
            counted = dict(zip(KINDS, runs, strict=True))
    finally:
        server.stop()
    print(f"instructions executed, all threads, callgrind ({options.calls} calls per scenario):")
    for step, unit in (("completion", "call"), ("stream", "chunk")):
        bare_total, units = counted["bare"][step]
        per_unit = bare_total / units
        print(f"  {step}: bare LiteLLM {per_unit:,.0f} per {unit}")
        for kind, label in (
            ("callback", "a do-nothing CustomLogger adds"),
            ("instrumented", "instrumented adds"),
        ):
            added = (counted[kind][step][0] - bare_total) / counted[kind][step][1]
            print(f"    {label:<32} {added:>10,.0f} per {unit} (x{1 + added / per_unit:.3f})")
    total, units = counted["instrumented"]["alone"]
    print(f"  our code alone around a prebuilt response: {total / units:,.0f} per call")


if __name__ == "__main__":
    main()
