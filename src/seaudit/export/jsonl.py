"""JSON lines: one SCHEMA.md object per line.

Invalid UTF-8 read from input is kept as lone surrogates (``surrogateescape``); orjson refuses
those, so such a record is written by the standard library with ``\\udcXX`` escapes, which
read back to the very same bytes: nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from seaudit.export import Format
from seaudit.schema.record import AuditRecord


def dumps(record: AuditRecord) -> bytes:
    """One record as a JSON object (bytes, no newline)."""
    data = record.to_dict()
    try:
        return orjson.dumps(data)
    except TypeError:  # lone surrogates from undecodable input bytes
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _write(records: Iterable[AuditRecord], sink: BinaryIO, options: dict[str, Any]) -> int:
    count = 0
    buffer: list[bytes] = []
    for record in records:
        buffer.append(dumps(record))
        count += 1
        if len(buffer) >= 4096:
            sink.write(b"\n".join(buffer) + b"\n")
            buffer.clear()
    if buffer:
        sink.write(b"\n".join(buffer) + b"\n")
    return count


FORMAT = Format(
    "jsonl",
    "JSON lines: one object per record with the SCHEMA.md keys; absent fields are left out.",
    _write,
)
