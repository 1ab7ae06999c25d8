"""Fixtures: the loopback OpenAI server, the real OTel SDK with in-memory export, a fresh
instrumentation per test."""

from __future__ import annotations

import os

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"  # Before LiteLLM is imported: no network.

import gc
import glob
import importlib.metadata
import importlib.util
import logging
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import litellm
import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from instrumentation import LiteLLMInstrumentor

from .openai_server import OpenAIServer

litellm.suppress_debug_info = True

LITELLM_VERSION = tuple(int(part) for part in importlib.metadata.version("litellm").split(".")[:3])
# Bugs of the oldest LiteLLM releases we support, which fail with or without instrumentation.
ACOMPLETION_FLAG_WORKS = pytest.mark.skipif(
    LITELLM_VERSION < (1, 109), reason="LiteLLM 1.108.x breaks completion(..., acompletion=True)"
)
NEEDS_MCP = LITELLM_VERSION < (1, 108, 14) and importlib.util.find_spec("mcp") is None
TOOLS_WORK = pytest.mark.skipif(
    NEEDS_MCP, reason="LiteLLM < 1.108.14 needs the optional `mcp` package for any call with tools"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """LiteLLM < 1.108.14 also fails every Responses API call without the optional `mcp` package."""
    if NEEDS_MCP:
        for item in items:
            if "responses" in item.name:
                item.add_marker(
                    pytest.mark.skip(reason="LiteLLM < 1.108.14 needs `mcp` for the Responses API")
                )


API_KEY = "sk-canary-7c1f9e2d4b"  # Must never appear in anything exported.
MODEL = "openai/gpt-4o-mini"
# The server's default chat stream: a role chunk, five pieces, the finish chunk.
DEFAULT_CHUNKS = 7


@pytest.fixture(scope="session")
def server() -> Iterator[OpenAIServer]:
    running = OpenAIServer().start()
    yield running
    running.stop()


@pytest.fixture
def openai_server(server: OpenAIServer) -> OpenAIServer:
    server.reset()
    return server


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer_provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
def instrument(tracer_provider: TracerProvider) -> Iterator[LiteLLMInstrumentor]:
    instrumentor = LiteLLMInstrumentor()
    instrumentor.instrument(tracer_provider=tracer_provider)
    yield instrumentor
    instrumentor.uninstrument()


@pytest.fixture
def call_args(openai_server: OpenAIServer) -> dict[str, Any]:
    """What every call needs to reach the loopback server, with retries off."""
    return {"api_base": openai_server.base_url, "api_key": API_KEY, "max_retries": 0, "num_retries": 0}


def llm_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if "llm.operation" in (span.attributes or {})]


def settled_spans(
    exporter: InMemorySpanExporter, expected: int = 1, timeout: float = 5.0, grace: float = 0.3
) -> list[ReadableSpan]:
    """The LLM spans once `expected` are there (callback spans are made on LiteLLM's logging
    thread), and `grace` seconds longer, so that a duplicate would show."""
    deadline = time.monotonic() + timeout
    while len(llm_spans(exporter)) < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(grace)
    return llm_spans(exporter)


def only_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    spans = llm_spans(exporter)
    assert len(spans) == 1, [span.name for span in spans]
    return spans[0]


# Guards of the stream tests (`pytest.mark.usefixtures("warm_litellm", "ledger", ...)`): no span left
# open, no OTel complaint, no internal error of ours.


class SpanLedger(SpanProcessor):
    """Records every start and end the SDK sees, so a span left open shows.

    (The SDK never reports a second end to processors: that shows as its "Calling end() on an
    ended span." warning, which `otel_problems` catches.)
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started: dict[int, str] = {}
        self.ended: set[int] = set()

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        with self._lock:
            self.started[span.context.span_id] = span.name

    def on_end(self, span: Any) -> None:
        with self._lock:
            self.ended.add(span.context.span_id)

    @property
    def open(self) -> list[str]:
        with self._lock:
            return [name for span_id, name in self.started.items() if span_id not in self.ended]


def otel_problems(records: list[logging.LogRecord]) -> list[str]:
    """OTel SDK warnings (ended twice, attribute on an ended span) and our own internal errors."""
    return [
        record.getMessage()
        for record in records
        if (record.name.startswith("opentelemetry") and record.levelno >= logging.WARNING)
        or record.name.startswith("instrumentation")
    ]


@pytest.fixture
def ledger(tracer_provider, caplog):
    """Nothing open once everything is dropped, nothing ended twice, no warning."""
    span_ledger = SpanLedger()
    tracer_provider.add_span_processor(span_ledger)
    caplog.set_level(logging.WARNING, logger="opentelemetry")
    caplog.set_level(logging.DEBUG, logger="instrumentation")
    yield span_ledger
    if span_ledger.open:  # Dropped streams may wait in a reference cycle; a full collection is slow.
        gc.collect()
    assert span_ledger.open == []
    records = caplog.get_records("setup") + caplog.get_records("call") + caplog.records
    assert otel_problems(records) == []


@pytest.fixture(scope="module")
def warm_litellm(server):
    """The first stream in a process pays LiteLLM's lazy imports (~0.5 s): keep that out of timings."""
    stream = litellm.completion(
        model=MODEL,
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        api_base=server.base_url,
        api_key=API_KEY,
        num_retries=0,
    )
    assert len(list(stream)) == DEFAULT_CHUNKS


# PostgreSQL for the store tests: a throwaway server from Debian's binaries, on 127.0.0.1.
PG_MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin or on PATH: "
    "install Debian's postgresql package (.ci/run does: apt-get install -y postgresql)"
)


class PostgresServer:
    """A cluster in a temporary directory, run as the `postgres` user when the tests run as root
    (PostgreSQL refuses to run as root). `stop()` and `start()` let a test take it away and back."""

    def __init__(self, bin_dir: Path, base: Path, run_as: str | None) -> None:
        self.bin_dir, self.base, self.run_as = bin_dir, base, run_as
        self.data = base / "cluster"
        self.log = base / "server.log"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    def command(self, program: str, *args: str) -> list[str]:
        command = [str(self.bin_dir / program), *args]
        return ["runuser", "-u", self.run_as, "--", *command] if self.run_as else command

    def _run(self, program: str, *args: str) -> None:
        command = self.command(program, *args)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            pytest.fail(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{log}")

    def init(self) -> None:
        options = ["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        self._run("initdb", "-D", str(self.data), *options)

    def start(self) -> None:
        server = f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off -c full_page_writes=off"
        data, log = str(self.data), str(self.log)
        self._run("pg_ctl", "-D", data, "-l", log, "-o", server, "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def discard(self) -> None:
        command = self.command("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        subprocess.run(command, capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        name = f"store_{uuid.uuid4().hex[:12]}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


def _postgres_bin_dir() -> Path | None:
    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if all((Path(candidate) / program).exists() for program in ("initdb", "pg_ctl", "createdb")):
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        pytest.fail(PG_MISSING)
    run_as = None
    base = Path(tempfile.mkdtemp(prefix="llm-store-pg-"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            pytest.fail("as root, PostgreSQL needs a `postgres` user to run as: install Debian's postgresql")
        os.chown(base, account.pw_uid, account.pw_gid)
        run_as = account.pw_name
    server = PostgresServer(bin_dir, base, run_as)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.discard()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The SQLAlchemy URL of a fresh, empty database on the throwaway server."""
    return postgres_server.create_database()
