"""CSV (RFC 4180): a header of the SCHEMA.md keys, one row per record.

Cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR) are
prefixed with a single quote unless ``formula_safe=False`` (OWASP's advice); quoting follows
RFC 4180 (``"`` doubled, fields with separators, quotes or line breaks quoted, CRLF rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, BinaryIO

from seaudit.export import Format
from seaudit.schema.fields import KEYS
from seaudit.schema.record import AuditRecord

COLUMNS: tuple[str, ...] = KEYS
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object, formula_safe: bool = True) -> str:
    if value is None:
        return ""
    text = str(value)
    if formula_safe and isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


class CsvWriter:
    """The header once, when the output opens; then rows, batch after batch."""

    def __init__(self, sink: BinaryIO, options: dict[str, Any]) -> None:
        self._formula_safe = bool(options.get("formula_safe", True))
        self._sink = sink
        self._text = io.TextIOWrapper(sink, encoding="utf-8", errors="surrogateescape", newline="")
        self._rows = csv.writer(self._text, lineterminator="\r\n")
        self._rows.writerow(COLUMNS)
        self._open = True

    def write(self, records: Iterable[AuditRecord]) -> int:
        count = 0
        for record in records:
            self._rows.writerow([safe_cell(record.get(key), self._formula_safe) for key in COLUMNS])
            count += 1
        self._text.flush()
        return count

    def flush(self) -> None:
        self._text.flush()
        self._sink.flush()

    def close(self) -> None:
        if self._open:
            self._open = False
            self._text.flush()
            self._text.detach()  # the sink stays the caller's


FORMAT = Format(
    "csv",
    "CSV per RFC 4180 with a header of the SCHEMA.md keys; cells that start like a spreadsheet "
    "formula get a leading quote (option formula_safe=False turns that off).",
    options={"formula_safe": "prefix formula-like cells with ' (default true)"},
    open_writer=CsvWriter,
)
