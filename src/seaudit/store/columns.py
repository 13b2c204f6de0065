"""Stored columns: one per SCHEMA field (from ``FIELDS``) plus provenance, and the two-way
conversion between records and Arrow tables.

Provenance columns: ``seq`` (the record's sequence number in the audit log), ``node`` (the
endpoint; NULL when unknown), ``source`` and ``line`` (where it was read), ``raw`` (the text
as read) and ``key`` (the import de-duplication key, see ``dedup_key``). ``real_uid`` is
stored as text (it is a name on Windows). Parquet text is UTF-8: invalid bytes that the
reader kept (as lone surrogates) are stored as U+FFFD; the audit log keeps them exact.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from seaudit.schema.fields import FIELDS, INT_KEYS, INT_OR_STR, is_code
from seaudit.schema.record import AuditRecord, Origin

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

PROVENANCE: tuple[tuple[str, str], ...] = (
    ("seq", "int64"),
    ("node", "string"),
    ("source", "string"),
    ("line", "int64"),
    ("raw", "string"),
    ("key", "int64"),
)
#: column name -> arrow type name, in stored order
COLUMNS: tuple[tuple[str, str], ...] = (
    *((f.key, "int64" if f.key in INT_KEYS else "string") for f in FIELDS),
    *PROVENANCE,
)
_KEY_OF_ATTR = {f.attr: f.key for f in FIELDS}


def arrow_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in COLUMNS])


def clean(text: str | None) -> str | None:
    """UTF-8-safe text (lone surrogates from invalid bytes become U+FFFD)."""
    if text is None:
        return None
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def dedup_key(node: str | None, line: int | None, raw: str | None) -> int | None:
    """Import identity: the same text on the same line of input from the same node.

    Identical records on different lines stay distinct records; importing a file again (from
    any path) finds every key already stored. None when the record has no raw text.
    """
    if raw is None:
        return None
    data = f"{node or ''}\x00{line or 0}\x00{raw}".encode("utf-8", "surrogateescape")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big", signed=True)


def node_of(record: AuditRecord) -> str | None:
    return record.origin.node if record.origin is not None else None


_FIELD_ATTRS = tuple((f.key, f.attr) for f in FIELDS)


def _strings(values: list[Any]) -> pa.Array:
    import pyarrow as pa

    try:
        return pa.array(values, pa.string())
    except (UnicodeEncodeError, pa.ArrowException):
        return pa.array([clean(v) for v in values], pa.string())


def to_table(entries: Sequence[tuple[int, AuditRecord]]) -> pa.Table:
    """Arrow table of (seq, record) pairs in the stored column order."""
    import pyarrow as pa

    records = [r for _, r in entries]
    origins = [r.origin for r in records]
    data: dict[str, pa.Array] = {}
    for key, attr in _FIELD_ATTRS:
        values = [getattr(r, attr) for r in records]
        if key in INT_OR_STR:
            values = [None if v is None else str(v) for v in values]
        data[key] = pa.array(values, pa.int64()) if key in INT_KEYS else _strings(values)
    data["seq"] = pa.array([s for s, _ in entries], pa.int64())
    data["node"] = _strings([o.node if o else None for o in origins])
    data["source"] = _strings([o.source if o else None for o in origins])
    data["line"] = pa.array([o.line if o else None for o in origins], pa.int64())
    data["raw"] = _strings([o.raw if o else None for o in origins])
    data["key"] = pa.array(
        [dedup_key(o.node, o.line, o.raw) if o else None for o in origins], pa.int64()
    )
    return pa.table(data, schema=arrow_schema())


#: stored column of each positional AuditRecord argument, in the dataclass's own order
_POSITIONAL: tuple[str, ...] = tuple(
    _KEY_OF_ATTR[f.name] for f in dataclasses.fields(AuditRecord) if f.name in _KEY_OF_ATTR
)


def from_batch(batch: pa.RecordBatch) -> Iterator[tuple[int, AuditRecord]]:
    """(seq, record) from a batch of stored rows, column by column (no dict per row)."""
    cols = batch.to_pydict()
    values = []
    for key in _POSITIONAL:
        column = cols[key]
        if key in INT_OR_STR:
            column = [int(v) if v is not None and is_code(v) else v for v in column]
        values.append(column)
    provenance = zip(
        cols["seq"], cols["node"], cols["source"], cols["line"], cols["raw"], strict=True
    )
    for (seq, node, source, line, raw), row in zip(
        provenance, zip(*values, strict=True), strict=True
    ):
        origin = None
        if source is not None or node is not None:
            origin = Origin(source or "", line or 0, raw, node)
        yield seq, AuditRecord(*row, origin=origin)  # type: ignore[misc]
