"""Reading seaudit text from files and streams: any mix of non-detailed lines and detailed
records (on one line, or as a block of ``Label: value`` lines under the positional line).

Bytes are decoded as UTF-8 with ``surrogateescape``: invalid bytes are kept (as lone
surrogates) and written back unchanged, never dropped. Lines are read with a length bound so
that a file without newlines cannot exhaust memory. Every line that is not a record becomes a
``Reject`` naming the source, the line number and the reason; reading goes on with the next.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

from seaudit.errors import ParseError
from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LABEL_KEYS
from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import find_labels, parse_detailed
from seaudit.text.short import parse_short

MAX_LINE_BYTES = 1 << 20  # longer lines are rejected (their first bytes are kept in the reject)
#: a detailed block (its positional line and the label lines under it) longer than either is
#: rejected whole, as an over-long line is: a real block has about twenty labels
MAX_BLOCK_LINES = 256
MAX_BLOCK_BYTES = MAX_LINE_BYTES
KEPT_CHARS = 1024  # what a reject keeps of a text that is too long


@dataclass(frozen=True, slots=True)
class Reject:
    """A line (or block) that is not a record: where, why, and the text as read."""

    source: str
    line: int
    reason: str
    raw: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


Item = AuditRecord | Reject


@cache
def _continuation() -> re.Pattern[str]:
    labels = "|".join(re.escape(lab) for lab in sorted(LABEL_KEYS, key=len, reverse=True))
    return re.compile(rf"\s*(?:{labels})\s*:")


def is_continuation(line: str) -> bool:
    """A line of a detailed block: it starts with a known label (``Status: Denied``)."""
    return bool(_continuation().match(line))


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def iter_lines(stream: BinaryIO, max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[str, bool]]:
    """(text without the newline, too_long) for each line, in bounded memory."""
    while True:
        chunk = stream.readline(max_bytes + 1)
        if not chunk:
            return
        if len(chunk) > max_bytes and not chunk.endswith(b"\n"):
            while True:  # skip the rest of the over-long line
                more = stream.readline(max_bytes)
                if not more or more.endswith(b"\n"):
                    break
            yield decode(chunk[:1024]), True
            continue
        yield decode(chunk.rstrip(b"\n").rstrip(b"\r")), False


def parse_group(
    text: str,
    *,
    source: str,
    lineno: int,
    platform: str | None = None,
    tables: CodeTables | None = None,
) -> Item:
    """Parse one record's text (a line, or a detailed block joined by spaces)."""
    try:
        if find_labels(text) >= 0:
            return parse_detailed(
                text, platform=platform, tables=tables, source=source, lineno=lineno
            )
        return parse_short(text, platform=platform, tables=tables, source=source, lineno=lineno)
    except ParseError as exc:
        return Reject(source, lineno, exc.reason, text)
    except (ValueError, IndexError, KeyError, RecursionError) as exc:  # a bug must not lose the run
        return Reject(source, lineno, f"internal parser error ({type(exc).__name__}: {exc})", text)


class Grouper:
    """Lines into the texts of records, as they come: a line, or a detailed block (the line and
    the label lines under it) joined by spaces. A block is bounded like a line: past
    ``max_block_lines`` lines or ``max_block_bytes`` bytes it is rejected whole and the rest of
    it is skipped, so no input can make a record (or the memory that holds one) grow without
    bound. Fed line by line, by the reference reader and by the bulk path's slow lines (a gap
    in line numbers means a line the bulk path took stood there)."""

    def __init__(
        self,
        source: str,
        platform: str | None,
        tables: CodeTables,
        max_line: int = MAX_LINE_BYTES,
        max_block_lines: int = MAX_BLOCK_LINES,
        max_block_bytes: int = MAX_BLOCK_BYTES,
    ) -> None:
        self.source, self.platform, self.tables, self.max_line = source, platform, tables, max_line
        self.max_block_lines, self.max_block_bytes = max_block_lines, max_block_bytes
        self.group: list[str] = []
        self.numbers: list[int] = []
        self.start = 0
        self.last = 0
        self.end = 0  # the group's last line (skipped ones included)
        self.size = 0  # UTF-8 bytes of the group, as the block's text would hold them
        self.over = False  # the block passed a cap: its further lines are skipped

    def feed(self, number: int, text: str, too_long: bool, out: list[Item]) -> None:
        if number != self.last + 1:
            self.flush(out)
        self.last = number
        if too_long:
            self.flush(out)
            out.append(
                Reject(
                    self.source, number, f"line longer than {self.max_line} bytes; skipped", text
                )
            )
            return
        if not text.strip():
            self.flush(out)
            return
        if is_continuation(text):
            if self.group:
                self._add(number, text)
            else:
                out.append(
                    Reject(
                        self.source, number, "a detailed label line with no record before it", text
                    )
                )
            return
        self.flush(out)
        self.start = number
        self._add(number, text)

    def _add(self, number: int, text: str) -> None:
        self.end = number
        if self.over:
            return
        size = len(text.encode("utf-8", "surrogateescape")) + 1
        if len(self.group) >= self.max_block_lines or self.size + size > self.max_block_bytes:
            self.over = True
            return
        if self.group:
            self.numbers.append(number)
        self.group.append(text)
        self.size += size

    def flush(self, out: list[Item]) -> None:
        if not self.group:
            return
        text = " ".join(s.strip() for s in self.group)
        kw = {"source": self.source, "platform": self.platform, "tables": self.tables}
        if self.over:
            out.append(
                Reject(
                    self.source,
                    self.start,
                    f"detailed block of lines {self.start}-{self.end} is longer than "
                    f"{self.max_block_lines} lines or {self.max_block_bytes} bytes; skipped",
                    text[:KEPT_CHARS],
                )
            )
        elif len(self.group) > 1 and find_labels(text) < 0:
            # label lines under a line that is no detailed record: they are not its values
            out.append(parse_group(self.group[0].strip(), lineno=self.start, **kw))  # type: ignore[arg-type]
            for number, line in zip(self.numbers, self.group[1:], strict=True):
                out.append(
                    Reject(
                        self.source,
                        number,
                        "a detailed label line under a record without an 'Event type:' label",
                        line,
                    )
                )
        else:
            out.append(parse_group(text, lineno=self.start, **kw))  # type: ignore[arg-type]
        self.group = []
        self.numbers = []
        self.size = 0
        self.over = False


def read_stream(
    stream: BinaryIO,
    *,
    source: str = "<stdin>",
    platform: str | None = None,
    tables: CodeTables | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_block_lines: int = MAX_BLOCK_LINES,
    max_block_bytes: int = MAX_BLOCK_BYTES,
) -> Iterator[Item]:
    """Records and rejects from a binary stream, in input order."""
    grouper = Grouper(
        source,
        platform,
        tables or default_tables(),
        max_line_bytes,
        max_block_lines,
        max_block_bytes,
    )
    out: list[Item] = []
    for number, (text, too_long) in enumerate(iter_lines(stream, max_line_bytes), 1):
        grouper.feed(number, text, too_long, out)
        if out:
            yield from out
            out.clear()
    grouper.flush(out)
    yield from out


def read_file(
    path: str,
    *,
    platform: str | None = None,
    tables: CodeTables | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[Item]:
    """Records and rejects of a file (``-`` is standard input). OSError propagates."""
    if path == "-":
        yield from read_stream(
            sys.stdin.buffer,
            source="<stdin>",
            platform=platform,
            tables=tables,
            max_line_bytes=max_line_bytes,
        )
        return
    with open(path, "rb") as stream:
        yield from read_stream(
            stream, source=path, platform=platform, tables=tables, max_line_bytes=max_line_bytes
        )


def records_only(items: Iterable[Item]) -> Iterator[AuditRecord]:
    """Drop the rejects (for callers that count them elsewhere or do not care)."""
    for item in items:
        if isinstance(item, AuditRecord):
            yield item
