"""Output formats: one module per format, found through one registry.

Each format module defines a ``FORMAT = Format(...)`` object (or ``FORMATS``).
``FORMAT_MODULES`` names each format's module, so ``get_format`` imports only the module it
needs (start-up stays fast); a test checks that every module in this package is listed and
registers exactly the formats listed for it, so nothing depends on import side effects.

A format writes a stream of records to a binary sink::

    from seaudit.export import get_format
    with open("out.cef", "wb") as sink:
        get_format("cef").write(records, sink)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, BinaryIO

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


@dataclass(frozen=True)
class Format:
    """A named output format: a usage text and a writer of record streams."""

    name: str
    usage: str  # one paragraph: what it produces, its options
    write_records: Callable[[Iterable[AuditRecord], BinaryIO, dict[str, Any]], int]
    options: dict[str, str] = field(default_factory=dict)  # option -> help
    binary: bool = False  # not line-oriented text (parquet): needs a file, not a terminal

    def write(self, records: Iterable[AuditRecord], sink: BinaryIO, **options: Any) -> int:
        """Write ``records`` to ``sink``; returns how many were written."""
        unknown = set(options) - set(self.options)
        if unknown:
            raise UsageError(f"format {self.name!r} has no option {sorted(unknown)[0]!r}")
        return self.write_records(records, sink, options)


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
