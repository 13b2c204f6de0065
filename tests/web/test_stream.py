"""Streamed downloads: the bytes are those the format writes directly; a reader that stops
early stops the writer (no thread left writing into a queue nobody reads)."""

from __future__ import annotations

import io
import threading
import time

import pytest

from seaudit.export import get_format
from seaudit.web.stream import stream
from tests.web.corpus import web_records


@pytest.mark.parametrize("name", ["csv", "jsonl", "ocsf"])
def test_streamed_bytes_equal_the_direct_write(name: str) -> None:
    fmt = get_format(name)
    records = web_records() * 20
    direct = io.BytesIO()
    fmt.write(records, direct)
    streamed = b"".join(stream(lambda sink: fmt.write(records, sink)))
    assert streamed == direct.getvalue()


def test_closing_the_reader_stops_the_writer() -> None:
    written = []

    def endless(sink: io.BufferedWriter) -> None:
        while True:
            sink.write(b"x" * 1000)
            written.append(1)

    chunks = stream(endless)
    assert next(chunks)
    chunks.close()
    time.sleep(0.5)
    count = len(written)
    time.sleep(0.5)
    assert len(written) == count
    assert not [t for t in threading.enumerate() if t.name == "seaudit-download"]


def test_an_error_in_the_writer_reaches_the_reader() -> None:
    def broken(sink: io.BufferedWriter) -> None:
        sink.write(b"partial")
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError, match="store went away"):
        b"".join(stream(broken))
