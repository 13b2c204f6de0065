"""JSON lines: one SCHEMA.md object per line.

Invalid UTF-8 read from input is kept as lone surrogates (``surrogateescape``); orjson refuses
those, so such a record is written by the standard library with ``\\udcXX`` escapes, which
read back to the very same bytes: nothing is lost.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from seaudit.export import Format, RecordRenderer
from seaudit.schema.record import AuditRecord

#: Unicode line breaks that JSON allows raw but line readers (str.splitlines) split on
LINE_BREAKS = (
    (b"\xe2\x80\xa8", b"\\u2028"),
    (b"\xe2\x80\xa9", b"\\u2029"),
    (b"\xc2\x85", b"\\u0085"),
)


def encode_json(data: object) -> bytes:
    """Compact JSON on one line that every line reader sees as one line: U+2028, U+2029 and
    U+0085 are escaped; lone surrogates (undecodable input) are written as ``\\udcXX``."""
    try:
        out = orjson.dumps(data)
    except TypeError:  # lone surrogates from undecodable input bytes
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    for raw, escaped in LINE_BREAKS:
        if raw in out:
            out = out.replace(raw, escaped)
    return out


def dumps(record: AuditRecord) -> bytes:
    """One record as a JSON object (bytes, no newline)."""
    return encode_json(record.to_dict())


def _renderer(options: dict[str, Any]) -> RecordRenderer:
    return dumps


FORMAT = Format(
    "jsonl",
    "JSON lines: one object per record with the SCHEMA.md keys; absent fields are left out.",
    _renderer,
)
