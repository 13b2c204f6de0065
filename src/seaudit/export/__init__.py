"""Output formats: one module per format, found through one registry.

Each format module defines a ``FORMAT = Format(...)`` object (or ``FORMATS``).
``FORMAT_MODULES`` names each format's module, so ``get_format`` imports only the module it
needs (start-up stays fast); a test checks that every module in this package is listed and
registers exactly the formats listed for it, so nothing depends on import side effects.

A format writes records to a binary sink through a writer with a lifecycle (flow.record's
adapters): ``open(sink, **options) -> Writer``, then ``write(records)`` any number of times,
``flush()`` to make what was written readable, and ``close()`` to finish the output (headers,
footers and row groups belong to the writer; the sink stays the caller's)::

    from seaudit.export import get_format
    with open("out.cef", "wb") as sink, get_format("cef").open(sink) as writer:
        writer.write(records)

``Format.write(records, sink)`` is the one-shot form: open, write, close. A format whose
records are independent lines gives ``render``: its options to the function that renders one
record (the writer and every other user, such as syslog's message body, derive from it); one
with a header or a footer (CSV, Parquet) gives ``open_writer``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from types import TracebackType
from typing import Any, BinaryIO, Protocol

from seaudit.errors import UsageError
from seaudit.schema.record import AuditRecord

#: format name -> its module, in the order `seaudit formats` lists them
FORMAT_MODULES: dict[str, str] = {
    "jsonl": "seaudit.export.jsonl",
    "csv": "seaudit.export.csvfmt",
    "short": "seaudit.export.textfmt",
    "detailed": "seaudit.export.textfmt",
    "parquet": "seaudit.export.parquet",
    "ocsf": "seaudit.export.ocsf",
    "ecs": "seaudit.export.ecs",
    "cef": "seaudit.export.cef",
    "leef": "seaudit.export.leef",
    "syslog": "seaudit.export.syslog",
}


class Writer(Protocol):
    """An open output of one format on one sink."""

    def write(self, records: Iterable[AuditRecord]) -> int:
        """Write records; returns how many."""
        ...

    def flush(self) -> None:
        """Make everything written so far reach the sink in a form its reader accepts."""
        ...

    def close(self) -> None:
        """Finish the output (a footer, the last row group); the sink stays open."""
        ...


#: one record as its output text, without the final line break (bytes when already encoded)
RecordRenderer = Callable[[AuditRecord], str | bytes]


class LineWriter:
    """The writer of a format whose records are independent lines: no header, no footer."""

    def __init__(self, render: RecordRenderer, sink: BinaryIO) -> None:
        self._render, self._sink = render, sink

    def write(self, records: Iterable[AuditRecord]) -> int:
        return write_lines(map(self._render, records), self._sink)

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        self.flush()


class Opened:
    """A writer as a context manager: closed on the way out, also on Ctrl-C."""

    def __init__(self, writer: Writer) -> None:
        self.writer = writer

    def __enter__(self) -> Writer:
        return self.writer

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.writer.close()


@dataclass(frozen=True)
class Format:
    """A named output format: a usage text and how to open a writer of it."""

    name: str
    usage: str  # one paragraph: what it produces, its options
    #: a format of independent lines: its options -> the renderer of one record
    render: Callable[[dict[str, Any]], RecordRenderer] | None = None
    options: dict[str, str] = field(default_factory=dict)  # option -> help
    binary: bool = False  # not line-oriented text (parquet): needs a file, not a terminal
    #: a format with a header or a footer opens its own writer
    open_writer: Callable[[BinaryIO, dict[str, Any]], Writer] | None = None
    #: its output carries record strings as they are (the seaudit text): a consumer that needs
    #: one safe line (a syslog body) escapes control characters itself
    raw_text: bool = False

    @property
    def appendable(self) -> bool:
        """Whether output may be appended to an existing file (no header, no footer)."""
        return self.open_writer is None

    def open(self, sink: BinaryIO, **options: Any) -> Opened:
        """A writer on ``sink`` (use it with ``with``, or call ``.writer`` and close it)."""
        self._check(options)
        if self.open_writer is not None:
            return Opened(self.open_writer(sink, options))
        return Opened(LineWriter(self.renderer(**options), sink))

    def renderer(self, **options: Any) -> RecordRenderer:
        """The function that renders one record in this format, for a format of lines."""
        self._check(options)
        if self.render is None:
            raise UsageError(f"format {self.name!r} does not render one record on its own")
        return self.render(options)

    def _check(self, options: dict[str, Any]) -> None:
        unknown = set(options) - set(self.options)
        if unknown:
            raise UsageError(f"format {self.name!r} has no option {sorted(unknown)[0]!r}")

    def write(self, records: Iterable[AuditRecord], sink: BinaryIO, **options: Any) -> int:
        """Write ``records`` to ``sink`` as one whole output; returns how many were written."""
        with self.open(sink, **options) as writer:
            return writer.write(records)


def write_lines(lines: Iterable[bytes | str], sink: BinaryIO, batch: int = 4096) -> int:
    """Write one line per item (no newline in items), buffered; returns how many. Text is
    UTF-8, and undecodable input bytes (kept as lone surrogates) go out as the bytes they were."""
    count = 0
    buffer: list[bytes] = []
    for line in lines:
        buffer.append(line if isinstance(line, bytes) else line.encode("utf-8", "surrogateescape"))
        count += 1
        if len(buffer) >= batch:
            sink.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
    if buffer:
        sink.write(b"\n".join(buffer) + b"\n")
    return count


def formats_of(module_name: str) -> tuple[Format, ...]:
    """The formats a format module defines (``FORMATS``, or its one ``FORMAT``)."""
    module = importlib.import_module(module_name)
    return tuple(module.FORMATS) if hasattr(module, "FORMATS") else (module.FORMAT,)


@cache
def registry() -> dict[str, Format]:
    """Every format, by name, in listing order (imports every format module)."""
    return {name: get_format(name) for name in FORMAT_MODULES}


@cache
def get_format(name: str) -> Format:
    module_name = FORMAT_MODULES.get(name)
    if module_name is None:
        known = ", ".join(FORMAT_MODULES)
        raise UsageError(f"unknown output format {name!r} (known: {known})")
    return next(fmt for fmt in formats_of(module_name) if fmt.name == name)


def write_records(
    records: Iterable[AuditRecord], sink: BinaryIO, fmt: str = "jsonl", **options: Any
) -> int:
    """Write records to a binary sink in the named format; returns the count."""
    return get_format(fmt).write(records, sink, **options)
