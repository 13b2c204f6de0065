"""The bulk replay's records as a template and an origin, until the sink needs them.

Events of one shape map to the same records but for their origin (``agent.bulk``), so the
bulk replay keeps each such record as its shape's ``Template`` and the event's origin
(``Filled``: a tuple, where an ``AuditRecord`` costs a frozen dataclass of ~50 fields). A
sink that wants records makes them (``materialize``); the store's sink makes the batch's log
payloads and Parquet rows column-wise from them instead (``store_items``), with the text
importer's frame functions (``store.frames``), so those records are never built at all.
Held equal to the per-event path's stored bytes and rows by a property test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from seaudit.schema.fields import FIELDS
from seaudit.schema.record import AuditRecord, Origin

if TYPE_CHECKING:
    import polars as pl
    import pyarrow as pa  # type: ignore[import-untyped]


@dataclass(frozen=True, slots=True)
class Template:
    """A record of a shape less its origin: ``values`` its content (keyword arguments),
    ``row`` the same as the text importer's frame holds it (``text.columns.SCHEMA``: codes as
    strings, no line or raw), None when the frame cannot hold it (a lone surrogate)."""

    values: dict[str, Any]
    row: dict[str, Any] | None
    source: str

    @classmethod
    def of(cls, record: AuditRecord, source: str) -> Template:
        values = {f.attr: v for f in FIELDS if (v := getattr(record, f.attr)) is not None} | (
            {"warnings": record.warnings} if record.warnings else {}
        )
        return cls(values, _row(record), source)


class Filled(NamedTuple):
    """One record: its shape's template, filled with an event's origin."""

    template: Template
    line: int
    raw: str
    node: str | None

    def record(self) -> AuditRecord:
        t = self.template
        return AuditRecord(**t.values, origin=Origin(t.source, self.line, self.raw, self.node))


Item = AuditRecord | Filled


def materialize(items: Sequence[Item]) -> list[AuditRecord]:
    return [i if isinstance(i, AuditRecord) else i.record() for i in items]


def _row(record: AuditRecord) -> dict[str, Any] | None:
    """The record's frame row less line and raw, as ``text.bulk`` makes one (None: its text
    is not valid UTF-8, which a polars string cannot hold). Polars is imported here, once
    a shape is first mapped, not when the plugin starts."""
    from seaudit.text.bulk import encodable, frame_row

    return frame_row(record) if encodable(record) else None


def store_items(items: Sequence[Item], first: int) -> tuple[list[bytes], pa.Table, pa.Array]:
    """The items' log payloads in order, and their Parquet rows (seqs from ``first``) with
    each row's partition: ``Filled`` ones made column-wise per node, the rest (records of
    the per-event path, loss records, templates the frame cannot hold) per record."""
    import polars as pl
    import pyarrow as pa

    from seaudit.log.payload import encode_record
    from seaudit.store.columns import node_of, to_table
    from seaudit.store.frames import dedup_keys, payloads, stored_rows
    from seaudit.store.tree import day_of, node_dir, partition

    out: list[bytes] = [b""] * len(items)
    tables: list[pa.Table] = []
    framed: dict[tuple[str | None, str], list[int]] = {}  # by node and source
    entries: list[tuple[int, AuditRecord]] = []
    for pos, item in enumerate(items):
        if isinstance(item, Filled) and item.template.row is not None:
            framed.setdefault((item.node, item.template.source), []).append(pos)
        else:
            record = item if isinstance(item, AuditRecord) else item.record()
            out[pos] = encode_record(record)
            entries.append((first + pos, record))
    if entries:
        parts = [partition(day_of(r), node_dir(node_of(r))) for _, r in entries]
        tables.append(to_table(entries).append_column("_part", pa.array(parts, pa.string())))
    for (node, source), positions in framed.items():
        frame = _frame([items[pos] for pos in positions])
        for pos, payload in zip(positions, payloads(frame, source, node), strict=True):
            out[pos] = payload
        seqs = pl.Series([first + pos for pos in positions], dtype=pl.Int64)
        table, parts = stored_rows(frame, seqs, source, node, dedup_keys(frame, node))
        tables.append(table.append_column("_part", parts))
    both = pa.concat_tables(tables).sort_by("seq")
    return out, both.drop_columns(["_part"]), both.column("_part").combine_chunks()


def _frame(items: list[Item]) -> pl.DataFrame:
    """The items' frame (``schema``): each distinct template's row once, joined to the
    items' own columns (which template, line, raw), so no Python work per record and key."""
    index: dict[int, int] = {}
    rows: list[dict[str, Any]] = []
    which: list[int] = []
    lines: list[int] = []
    raws: list[str] = []
    import polars as pl

    from seaudit.text.columns import SCHEMA

    for item in items:
        assert isinstance(item, Filled) and item.template.row is not None
        t = item.template
        k = index.get(id(t))
        if k is None:
            k = index[id(t)] = len(rows)
            rows.append(item.template.row)
        which.append(k)
        lines.append(item.line)
        raws.append(item.raw)
    shared = {k: v for k, v in SCHEMA.items() if k not in ("line", "raw")}
    templates = pl.DataFrame(rows, schema=shared).with_row_index("_t")
    own = pl.DataFrame(
        {"_t": which, "line": lines, "raw": raws},
        schema={"_t": pl.UInt32, "line": pl.Int64, "raw": pl.Utf8},
    )
    return own.join(templates, on="_t", how="left", maintain_order="left").select(list(SCHEMA))
