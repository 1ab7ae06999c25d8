"""Transcription, speech and rerank over real HTTP, sync and async: one span per call, exact attributes,
and the cost of each as its provider bills it (by the second, the character, the search).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from .conftest import only_span
from .helpers import expected_rerank_cost, expected_speech_cost, expected_transcription_cost
from .openai_bodies import DEFAULT_AUDIO_DURATION, DEFAULT_TRANSCRIPT
from .operations_support import (
    ASYNC,
    AUDIO,
    DOCUMENTS,
    RERANK_MODEL,
    TTS,
    WHISPER,
    assert_absent,
    assert_attributes,
    assert_operation_span,
    invoke,
)

pytestmark = pytest.mark.usefixtures("instrument")


# --- Transcription ------------------------------------------------------------------------------------------


def _bytes_tuple(tmp_path: Path) -> Any:
    return ("clip.wav", AUDIO)


def _bytes_io(tmp_path: Path) -> Any:
    return io.BytesIO(AUDIO)


def _path(tmp_path: Path) -> Any:
    path = tmp_path / "clip.wav"
    path.write_bytes(AUDIO)
    return path


def _open_file(tmp_path: Path) -> Any:
    return _path(tmp_path).open("rb")


@ASYNC
@pytest.mark.parametrize(
    "make_file", [_bytes_tuple, _bytes_io, _path, _open_file], ids=lambda f: f.__name__[1:]
)
def test_transcription_span(is_async, make_file, tmp_path, openai_server, exporter, call_args):
    file = make_file(tmp_path)
    try:
        response, _ = invoke("transcription", is_async, model=WHISPER, file=file, **call_args)
    finally:
        if hasattr(file, "close"):
            file.close()

    assert response.text == DEFAULT_TRANSCRIPT
    (upload,) = [request for request in openai_server.requests if request.path == "/v1/audio/transcriptions"]
    assert upload.files["file"][1] == AUDIO
    span = only_span(exporter)
    assert_operation_span(span, "transcription", WHISPER, "openai", openai_server.base_url)
    assert_attributes(
        span.attributes,
        {
            "llm.request.audio_bytes": len(AUDIO),
            "llm.response.content_length": len(DEFAULT_TRANSCRIPT),
            "llm.response.audio_duration": DEFAULT_AUDIO_DURATION,
        },
    )
    # Whisper is billed by the second of audio.
    expected = expected_transcription_cost(DEFAULT_AUDIO_DURATION)
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


# --- Speech -------------------------------------------------------------------------------------------------


@ASYNC
def test_speech_span(is_async, openai_server, exporter, call_args):
    text = "Good morning, world"

    response, _ = invoke("speech", is_async, model=TTS, input=text, voice="alloy", **call_args)

    assert len(response.content) == 2048
    span = only_span(exporter)
    assert_operation_span(span, "speech", TTS, "openai", openai_server.base_url)
    assert_attributes(
        span.attributes, {"llm.request.input_characters": len(text), "llm.response.audio_bytes": 2048}
    )
    # LiteLLM bills TTS per character, not counting whitespace.
    billed = len(text.replace(" ", ""))
    expected = expected_speech_cost(billed)
    assert span.attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)


# --- Rerank -------------------------------------------------------------------------------------------------


@ASYNC
@pytest.mark.parametrize("top_n", [2, None], ids=["top-2", "all"])
def test_rerank_span(is_async, top_n, openai_server, exporter, call_args):
    options = {} if top_n is None else {"top_n": top_n}

    response, _ = invoke(
        "rerank", is_async, model=RERANK_MODEL, query="cat food", documents=DOCUMENTS, **options, **call_args
    )

    assert response.results[0]["index"] == 2
    assert [request.path for request in openai_server.requests] == ["/v1/v2/rerank"]
    span = only_span(exporter)
    assert_operation_span(span, "rerank", RERANK_MODEL, "cohere", openai_server.base_url)
    attributes = span.attributes
    assert_attributes(
        attributes,
        {
            "llm.request.query_length": len("cat food"),
            "llm.request.documents_count": 4,
            "llm.response.results_count": top_n or 4,
            "llm.response.id": "rerank-test",
        },
    )
    if top_n is None:
        assert_absent(attributes, "llm.request.top_n")
    else:
        assert attributes["llm.request.top_n"] == top_n
    # Cohere bills one search unit per query (of up to 100 documents).
    expected = expected_rerank_cost(searches=1)
    assert attributes["llm.cost.total_usd"] == pytest.approx(expected, rel=1e-9)
