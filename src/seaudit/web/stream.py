"""Streaming a format's output to an HTTP response: the format writes in a worker thread into
a bounded queue (so memory stays bounded, whatever the size of the download) and the response
sends what it finds there; a client that goes away stops the writer."""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, cast

CHUNK = 64 * 1024
DEPTH = 8  # chunks queued at most
_END = b""


class Cancelled(Exception):
    """The reader went away: the writer stops here."""


class _QueueSink(io.RawIOBase):
    def __init__(self, chunks: queue.Queue[bytes | BaseException], stop: threading.Event) -> None:
        self._chunks = chunks
        self._stop = stop

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        while True:
            if self._stop.is_set():
                raise Cancelled
            try:
                self._chunks.put(chunk, timeout=0.2)
                return len(chunk)
            except queue.Full:
                continue


def stream(write: Callable[[io.BufferedWriter], object]) -> Iterator[bytes]:
    """The bytes ``write(sink)`` writes, as they come; closing the iterator stops it."""
    chunks: queue.Queue[bytes | BaseException] = queue.Queue(DEPTH)
    stop = threading.Event()
    sink = io.BufferedWriter(cast(Any, _QueueSink(chunks, stop)), CHUNK)

    def run() -> None:
        try:
            write(sink)
            sink.flush()
            chunks.put(_END)
        except Cancelled:
            pass
        except BaseException as exc:  # handed to the reader, which raises it
            chunks.put(exc)

    worker = threading.Thread(target=run, name="seaudit-download", daemon=True)
    worker.start()
    try:
        while True:
            item = chunks.get()
            if isinstance(item, BaseException):
                raise item
            if item == _END:
                return
            yield item
    finally:
        stop.set()
