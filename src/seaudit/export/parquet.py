"""Parquet (zstd): one column per record key, derived from the field table, plus provenance.

The column schema (:data:`COLUMNS`, printed in docs/formats.md):

- every key of ``seaudit.schema.fields.FIELDS``, in that order, under its own name: ``int``
  fields as Int64, the others as UTF-8 strings; absent fields are null;
- ``real_uid`` (an int on UNIX, a name on Windows) is a string column: the decimal digits of
  an int id, the name as printed otherwise. Reading back, an all-digit value is the int, as the
  parsers read it (``INT_OR_STR``);
- ``source``, ``line``, ``node``: where the record came from (``record.origin``), null when
  unknown.

Strings are UTF-8; a lone surrogate (an undecodable input byte kept by ``surrogateescape``)
cannot be stored in a Parquet string and becomes U+FFFD. Rows are written in row groups of
``row_group_size`` records (option, default 65536), so memory stays bounded whatever the
input size. Needs pyarrow (extra ``store``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from seaudit.errors import UsageError
from seaudit.export import Format
from seaudit.schema.fields import FIELDS, INT_OR_STR
from seaudit.schema.record import PROVENANCE as ORIGIN_KEYS
from seaudit.schema.record import AuditRecord

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

#: provenance columns taken from ``record.origin`` (name, type, meaning); the raw text is
#: left out: it is the input itself, and every other column already holds what it says
PROVENANCE: tuple[tuple[str, type, str], ...] = tuple(
    (key, kind, meaning) for key, (kind, meaning, _) in ORIGIN_KEYS.items() if key != "raw"
)


def _column_type(key: str, kind: type) -> type:
    return str if key in INT_OR_STR else kind


#: the column schema: (name, python type, meaning)
COLUMNS: tuple[tuple[str, type, str], ...] = (
    *((f.key, _column_type(f.key, f.type), f.meaning) for f in FIELDS),
    *PROVENANCE,
)
DEFAULT_ROW_GROUP = 65536


def arrow_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [pa.field(name, pa.int64() if kind is int else pa.string()) for name, kind, _ in COLUMNS]
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(value: Any) -> Any:
    """A value as its column stores it: lone surrogates become U+FFFD."""
    if isinstance(value, str) and _SURROGATE.search(value):
        return _SURROGATE.sub("\ufffd", value)
    return value


_ATTRS = tuple(f.attr for f in FIELDS)
_INT_OR_STR_INDEX = tuple(i for i, f in enumerate(FIELDS) if f.key in INT_OR_STR)


def _row_values(record: AuditRecord) -> list[Any]:
    values = [getattr(record, attr) for attr in _ATTRS]
    for i in _INT_OR_STR_INDEX:
        if values[i] is not None:
            values[i] = str(values[i])
    origin = record.origin
    if origin is None:
        values += [None, None, None]
    else:
        values += [origin.source, origin.line, origin.node]
    return values


def _table(names: list[str], columns: list[list[Any]], schema: pa.Schema) -> pa.Table:
    """A batch as an Arrow table; a batch holding lone surrogates is cleaned first."""
    import pyarrow as pa

    data = dict(zip(names, columns, strict=True))
    try:
        return pa.Table.from_pydict(data, schema=schema)
    except (UnicodeEncodeError, pa.ArrowException):
        clean = {name: [_clean(v) for v in column] for name, column in data.items()}
        return pa.Table.from_pydict(clean, schema=schema)


class ParquetWriter:
    """One Parquet file: records buffered into row groups of ``row_group_size``; ``flush``
    writes the buffered rows as a row group, ``close`` the last one and the footer (the file
    is readable once closed)."""

    def __init__(self, sink: BinaryIO, options: dict[str, Any]) -> None:
        try:
            import pyarrow.parquet as pq  # type: ignore[import-untyped]
        except ImportError:  # pragma: no cover - depends on the installation
            raise UsageError(
                "the parquet format needs pyarrow: pip install 'seaudit[store]'"
            ) from None
        try:
            self._group = int(options.get("row_group_size", DEFAULT_ROW_GROUP))
        except (TypeError, ValueError):
            raise UsageError("row_group_size must be a whole number") from None
        if self._group < 1:
            raise UsageError("row_group_size must be at least 1")
        self._schema = arrow_schema()
        self._names = [name for name, _, _ in COLUMNS]
        self._columns: list[list[Any]] = [[] for _ in self._names]
        self._writer = pq.ParquetWriter(sink, self._schema, compression="zstd")
        self._groups = 0
        self._closed = False

    def write(self, records: Iterable[AuditRecord]) -> int:
        count = 0
        for record in records:
            for column, value in zip(self._columns, _row_values(record), strict=True):
                column.append(value)
            count += 1
            if len(self._columns[0]) >= self._group:
                self._write_group()
        return count

    def _write_group(self) -> None:
        self._writer.write_table(_table(self._names, self._columns, self._schema))
        self._columns = [[] for _ in self._names]
        self._groups += 1

    def flush(self) -> None:
        if self._columns[0]:
            self._write_group()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._columns[0] or self._groups == 0:
            self._write_group()  # an empty output is still a file with the schema
        self._writer.close()


FORMAT = Format(
    "parquet",
    "Apache Parquet, zstd-compressed: one column per record key (ints as Int64, real_uid as "
    "text) plus provenance columns source, line, node; written in row groups of "
    "row_group_size records (default 65536). Binary: write to a file. Needs pyarrow.",
    options={"row_group_size": "records per row group (default 65536)"},
    binary=True,
    open_writer=ParquetWriter,
)
