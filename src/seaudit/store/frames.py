"""A bulk batch's stored forms, made column-wise: log payloads, import keys, Parquet rows.

Each is byte for byte (value for value) what the per-record path makes of the same records:
``log.payload.encode_record`` for payloads, ``columns.dedup_key`` for keys and
``columns.to_table`` / ``tree.day_of`` / ``tree.node_dir`` for Parquet rows; tests hold them
together. Records the frame cannot hold (``BulkBatch.extra``) go through the per-record
functions themselves.
"""

from __future__ import annotations

import hashlib
import sys
from array import array
from functools import partial
from operator import methodcaller
from typing import TYPE_CHECKING

import orjson
import polars as pl

from seaudit.export._jsoncols import escaped, needing_escape
from seaudit.log.payload import (
    NUMBER_BIT,
    NUMBERS,
    TEXT_BIT,
    TEXTS,
    WARNINGS_BIT,
    encode_record,
)
from seaudit.schema.fields import DIGITS_RE, INT_OR_STR, KEYS
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store.columns import COLUMNS, arrow_schema
from seaudit.store.tree import DAY_PATTERN, UNKNOWN_DAY, node_dir
from seaudit.text.bulk import BulkBatch, records_of

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

_DAY = f"^{DAY_PATTERN}$"


def with_node(record: AuditRecord, node: str | None) -> AuditRecord:
    """The record as an import stores it: its origin names the node (when one is given)."""
    o = record.origin
    if o is None or node is None:
        return record
    return record.replace(origin=Origin(o.source, o.line, o.raw, node))


def frame_records(frame: pl.DataFrame, source: str, node: str | None) -> list[AuditRecord]:
    """The frame's rows as records (the per-record path's view of them)."""
    batch = BulkBatch(source, frame, [], [])
    return [with_node(r, node) for r in records_of(batch)]


def _escaped(expr: pl.Expr, escape: bool) -> pl.Expr:
    return escaped(expr) if escape else expr


def payloads(frame: pl.DataFrame, source: str, node: str | None) -> list[bytes]:
    """Each row's log payload, as ``encode_record`` encodes the row's record with origin
    (``source``, the row's ``line``, ``node``, the row's ``raw``): its numbers joined by
    commas and its texts by ``","`` in one ``concat_str`` each (a null value and its separator
    left out), after the mask that names them."""
    if frame.height == 0:
        return []
    try:
        names = [orjson.dumps(source).decode()[1:-1]]
        if node is not None:
            names.append(orjson.dumps(node).decode()[1:-1])
    except TypeError:  # undecodable bytes in a name: what the per-record path does with them
        return [encode_record(r) for r in frame_records(frame, source, node)]
    present = {k for k in KEYS if frame[k].null_count() < frame.height}
    texts = [k for k in TEXTS if k in present]
    escape = needing_escape(frame, [*texts, "raw"])
    mask = pl.lit(
        NUMBER_BIT["line"] | TEXT_BIT["source"] | (0 if node is None else TEXT_BIT["node"]),
        pl.Int64,
    )
    numbers: list[pl.Expr] = []
    strings: list[pl.Expr] = []
    for key in NUMBERS:
        if key not in present:
            continue
        col = pl.col(key)
        if key in INT_OR_STR:  # an all-digit value is a number in the record
            col = pl.when(col.str.contains(DIGITS_RE)).then(col.cast(pl.Int64))
        mask = mask + col.is_not_null().cast(pl.Int64) * NUMBER_BIT[key]
        numbers.append(col.cast(pl.Utf8))
    numbers.append(pl.col("line").cast(pl.Utf8))
    for key in texts:
        col = pl.col(key)
        if key in INT_OR_STR:
            col = pl.when(~col.str.contains(DIGITS_RE)).then(col)
        mask = mask + col.is_not_null().cast(pl.Int64) * TEXT_BIT[key]
        strings.append(_escaped(col, key in escape))
    strings += [pl.lit(name) for name in names]
    mask = mask + pl.col("raw").is_not_null().cast(pl.Int64) * TEXT_BIT["raw"]
    strings.append(_escaped(pl.col("raw"), "raw" in escape))
    parts = [
        pl.lit("["),
        mask.cast(pl.Utf8),
        pl.lit(","),
        pl.concat_str(numbers, separator=",", ignore_nulls=True),
        pl.lit(',"'),
        pl.concat_str(strings, separator='","', ignore_nulls=True),
        pl.lit('"'),
    ]
    has_warnings = pl.col("warnings").list.len() > 0
    if frame.select(has_warnings.any()).item():
        items = frame.select(pl.col("warnings").explode().drop_nulls())
        element = _escaped(pl.element(), bool(needing_escape(items, ["warnings"])))
        parts[1] = (mask + has_warnings.cast(pl.Int64) * WARNINGS_BIT).cast(pl.Utf8)
        parts.append(
            pl.when(has_warnings)
            .then(
                pl.concat_str(
                    [
                        pl.lit(',["'),
                        pl.col("warnings").list.eval(element).list.join('","'),
                        pl.lit('"]'),
                    ]
                )
            )
            .otherwise(pl.lit(""))
        )
    parts.append(pl.lit("]"))
    out = frame.select(pl.concat_str(parts).cast(pl.Binary))
    result: list[bytes] = out.to_series().to_list()
    return result


def dedup_keys(frame: pl.DataFrame, node: str | None) -> pl.Series:
    """``columns.dedup_key(node, line, raw)`` of each row (Int64, null where ``raw`` is): the
    hashed text made column-wise (frame text is valid UTF-8), blake2b ``map``ped over the
    texts (no Python bytecode per row), and the digests read as big-endian int64 in one go
    (no Python int per row)."""
    import pyarrow as pa

    texts = frame.select(
        pl.concat_str(
            [
                pl.lit(f"{node or ''}\x00"),
                pl.col("line").fill_null(0).cast(pl.Utf8),
                pl.lit("\x00"),
                pl.col("raw"),
            ]
        ).cast(pl.Binary)
    ).to_series()
    digest = methodcaller("digest")
    eight = partial(hashlib.blake2b, digest_size=8)
    data = texts.fill_null(b"").to_list()  # nulls are masked again below
    values = array("q", b"".join(map(digest, map(eight, data))))
    if sys.byteorder == "little":
        values.byteswap()
    keys = pl.from_arrow(
        pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])
    )
    assert isinstance(keys, pl.Series)
    if texts.null_count():
        keys = pl.select(pl.when(texts.is_null()).then(None).otherwise(keys)).to_series()
    return keys.alias("key")


def stored_rows(
    frame: pl.DataFrame, seqs: pl.Series, source: str, node: str | None, keys: pl.Series
) -> tuple[pa.Table, pa.Array]:
    """The Parquet rows of the frame's records (``columns.to_table``'s columns and values)
    and each row's partition (``tree.partition`` of its day and node)."""
    import pyarrow as pa

    exprs: list[pl.Expr] = []
    frame = frame.with_columns(seqs.cast(pl.Int64).alias("_seq"), keys.cast(pl.Int64).alias("_key"))
    for name, kind in COLUMNS:
        if name in KEYS:
            expr = pl.col(name)
            if name in INT_OR_STR:  # an all-digit value is a number: stored as its decimal
                expr = (
                    pl.when(expr.str.contains(DIGITS_RE))
                    .then(expr.cast(pl.Int64).cast(pl.Utf8))
                    .otherwise(expr)
                )
        elif name == "node":
            expr = pl.lit(node, pl.Utf8)
        elif name == "source":
            expr = pl.lit(source, pl.Utf8)
        elif name in ("line", "raw"):
            expr = pl.col(name)
        else:  # seq, key
            expr = pl.col(f"_{name}")
        exprs.append(expr.cast(pl.Int64 if kind == "int64" else pl.Utf8).alias(name))
    day = pl.col("timestamp").str.slice(0, 10)
    part = pl.concat_str(
        [
            pl.lit("day="),
            pl.when(day.str.contains(_DAY)).then(day).otherwise(pl.lit(UNKNOWN_DAY)),
            pl.lit(f"/node={node_dir(node)}"),
        ]
    ).alias("_part")
    rows = frame.select(*exprs, part)
    parts = rows["_part"].to_arrow().cast(pa.string())
    table = rows.drop("_part").to_arrow().cast(arrow_schema())
    return table, parts
