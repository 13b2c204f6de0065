"""Where lines come from: audit.log files (with their rotated siblings), a text stream, or
auditd's plugin stream, read by a thread that never stops reading.

auditd drops events for a plugin whose pipe is full, so the plugin reader only ever reads
and queues; when the bounded queue is full it counts the lines it had to drop, and the
agent turns that count into a product-error record: loss is never silent.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from seaudit.agent.parse import MAX_LINE

ROTATED = re.compile(r"\.(\d+)$")
QUEUE_SIZE = 65_536


def with_rotated(paths: list[str]) -> list[Path]:
    """The files to replay, oldest first: for each ``audit.log`` its rotated ``audit.log.N``
    (highest N first), then itself; each file once."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        siblings = []
        if not ROTATED.search(path.name) and path.parent.is_dir():
            for other in path.parent.iterdir():
                rest = other.name[len(path.name) :]
                if other.name.startswith(path.name) and re.fullmatch(r"\.\d+", rest):
                    siblings.append((int(rest[1:]), other))
        for _, other in sorted(siblings, reverse=True):
            if other not in out:
                out.append(other)
        if path not in out:
            out.append(path)
    return out


def lines_of(stream: BinaryIO) -> Iterator[str]:
    """Decoded lines, none longer than ``MAX_LINE`` (a longer one is cut into pieces, each of
    which the parser rejects)."""
    while True:
        chunk = stream.readline(MAX_LINE + 1)
        if not chunk:
            return
        yield chunk.decode("utf-8", "surrogateescape")


class PluginReader:
    """A daemon thread reading ``stream`` into a bounded queue; ``None`` marks the end."""

    def __init__(self, stream: BinaryIO, maxsize: int = QUEUE_SIZE) -> None:
        self.stream = stream
        self.queue: queue.Queue[str | None] = queue.Queue(maxsize)
        self.dropped = 0
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="seaudit-plugin-reader", daemon=True)

    def start(self) -> PluginReader:
        self.thread.start()
        return self

    def take_dropped(self) -> int:
        with self._lock:
            count, self.dropped = self.dropped, 0
        return count

    def _run(self) -> None:
        try:
            for line in lines_of(self.stream):
                try:
                    self.queue.put_nowait(line)
                except queue.Full:
                    with self._lock:
                        self.dropped += 1
        finally:
            self.queue.put(None)  # the end always gets through (the consumer is draining)
