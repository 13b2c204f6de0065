"""Reading seaudit text for import: records and rejects, each with the number of input lines
it spans, so an import can prove ``lines read = stored + rejected + duplicate + blank``.

``seaudit import`` reads with the bulk parser (``store.bulkimport``); ``read_items`` is the
per-record reader it is tested against (same records, same line accounting).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from seaudit.text.reader import Item, Reject, read_stream

#: ``HOST.audit``, ``HOST.seaudit``, ``HOST_seaudit.txt``, ``HOST-audit.log`` ... -> HOST
NODE_FROM_NAME = re.compile(
    r"(?P<host>[A-Za-z0-9][A-Za-z0-9.-]*?)[._-](?:se)?audit(?:\.(?:txt|log|out))?"
)


def node_from_name(path: str) -> str | None:
    """The endpoint a file name names, by the documented rule, or None."""
    if path == "-":
        return None
    m = NODE_FROM_NAME.fullmatch(Path(path).name)
    return m["host"] if m else None


def is_blank(line: bytes) -> bool:
    """A line the reader skips: nothing but whitespace (as ``str.strip`` sees it)."""
    return not line.decode("utf-8", "surrogateescape").strip()


class _Counting:
    """A binary stream that counts the lines read and remembers which were blank (read
    whole: an over-long line, read in pieces, is never blank)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.lines = 0
        self.bytes = 0
        self.blank: list[int] = []
        self._open = False  # inside a line that was read only in part
        self._last = b""  # that line's only piece so far

    def readline(self, size: int = -1) -> bytes:
        chunk = self.raw.readline(size)
        self.bytes += len(chunk)
        if not chunk:
            if self._open:  # an unterminated last line
                self.lines += 1
                if self._last and is_blank(self._last) and (size < 0 or len(self._last) < size):
                    self.blank.append(self.lines)
                self._open = False
            return chunk
        if chunk.endswith(b"\n"):
            if not self._open and is_blank(chunk):
                self.blank.append(self.lines + 1)
            self.lines += 1
            self._open = False
        else:
            self._last = b"" if self._open else chunk
            self._open = True
        return chunk


@dataclass
class Progress:
    bytes_read: int = 0
    blank_lines: int = 0
    lines: int = 0


def read_items(
    path: str,
    progress: Progress,
    platform: str | None = None,
) -> Iterator[tuple[Item, int]]:
    """(record or reject, lines it spans) of a file or ``-``, in input order."""
    if path == "-":
        yield from _spans(sys.stdin.buffer, "<stdin>", progress, platform)
        return
    with open(path, "rb") as raw:
        yield from _spans(raw, path, progress, platform)


def _spans(
    raw: BinaryIO,
    source: str,
    progress: Progress,
    platform: str | None,
) -> Iterator[tuple[Item, int]]:
    stream = _Counting(raw)
    pending: Item | None = None
    start = 0
    blank_seen = 0

    def blanks_before(line: int) -> int:
        nonlocal blank_seen
        n = 0
        while blank_seen < len(stream.blank) and stream.blank[blank_seen] < line:
            blank_seen += 1
            n += 1
        return n

    for item in read_stream(stream, source=source, platform=platform):  # type: ignore[arg-type]
        line = item.line if isinstance(item, Reject) else (item.origin.line if item.origin else 0)
        if pending is not None:
            yield pending, line - start - blanks_before(line)
        else:
            blanks_before(line)  # blank lines at the top
        pending, start = item, line
        progress.bytes_read = stream.bytes
    if stream._open:
        stream.lines += 1
    end = stream.lines + 1
    if pending is not None:
        yield pending, end - start - blanks_before(end)
    progress.blank_lines += len(stream.blank)
    progress.lines += stream.lines
    progress.bytes_read = stream.bytes
