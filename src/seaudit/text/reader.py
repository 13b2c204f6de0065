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


def read_stream(
    stream: BinaryIO,
    *,
    source: str = "<stdin>",
    platform: str | None = None,
    tables: CodeTables | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[Item]:
    """Records and rejects from a binary stream, in input order."""
    tables = tables or default_tables()
    group: list[str] = []
    numbers: list[int] = []
    start = 0

    def flush() -> Iterator[Item]:
        if not group:
            return
        text = " ".join(s.strip() for s in group)
        if len(group) > 1 and find_labels(text) < 0:
            # label lines under a line that is no detailed record: they are not its values
            yield parse_group(
                group[0].strip(), source=source, lineno=start, platform=platform, tables=tables
            )
            for number, line in zip(numbers, group[1:], strict=True):
                yield Reject(
                    source,
                    number,
                    "a detailed label line under a record without an 'Event type:' label",
                    line,
                )
        else:
            yield parse_group(text, source=source, lineno=start, platform=platform, tables=tables)
        group.clear()
        numbers.clear()

    for number, (text, too_long) in enumerate(iter_lines(stream, max_line_bytes), 1):
        if too_long:
            yield from flush()
            yield Reject(source, number, f"line longer than {max_line_bytes} bytes; skipped", text)
            continue
        if not text.strip():
            yield from flush()
            continue
        if is_continuation(text):
            if group:
                group.append(text)
                numbers.append(number)
                continue
            yield Reject(source, number, "a detailed label line with no record before it", text)
            continue
        yield from flush()
        group.append(text)
        start = number
    yield from flush()


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
