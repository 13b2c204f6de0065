"""A bulk batch's stored forms, made column-wise: log payloads, import keys, Parquet rows.

Each is byte for byte (value for value) what the per-record path makes of the same records:
``log.payload.encode_record`` for payloads, ``columns.dedup_key`` for keys and
``columns.to_table`` / ``tree.day_of`` / ``tree.node_dir`` for Parquet rows; tests hold them
together. Records the frame cannot hold (``BulkBatch.extra``) and the rare rows whose JSON
the vectorised encoder writes differently (U+2028, U+2029, U+0085, escaped by ``json_lines``
for line readers but not in the log) go through the per-record functions themselves.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import orjson
import polars as pl

from seaudit.log.payload import encode_record
from seaudit.schema.fields import INT_OR_STR, KEYS
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store.columns import COLUMNS, arrow_schema
from seaudit.store.tree import DAY_PATTERN, UNKNOWN_DAY, node_dir
from seaudit.text.bulk import BulkBatch, json_lines, records_of

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

#: how orjson escapes a string's characters (the rest are written as they are)
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}
for _c in range(0x20):
    _ESCAPES.setdefault(chr(_c), f"\\u{_c:04x}")
_NEEDS_ESCAPE = '["\\\\\\x00-\\x1f]'
#: what ``json_lines`` escapes and orjson does not: rows holding these are encoded per record
_LINE_BREAK_ESCAPES = "\\\\u(?:2028|2029|0085)"
_DIGITS = "^[0-9]{1,18}$"
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


def _json_text(frame: pl.DataFrame, expr: pl.Expr) -> pl.Expr:
    """String values as JSON string literals, escaped as orjson escapes them."""
    if frame.select(expr.str.contains(_NEEDS_ESCAPE).any()).item():
        expr = pl.when(expr.str.contains(_NEEDS_ESCAPE)).then(
            expr.str.replace_many(list(_ESCAPES), list(_ESCAPES.values()))).otherwise(expr)
    return pl.concat_str([pl.lit('"'), expr, pl.lit('"')])


def payloads(frame: pl.DataFrame, source: str, node: str | None) -> list[bytes]:
    """Each row's log payload, as ``encode_record`` encodes the row's record with origin
    (``source``, the row's ``line``, ``node``, the row's ``raw``): its SCHEMA JSON object
    with the provenance keys and non-empty ``warnings`` added before the closing brace."""
    if frame.height == 0:
        return []
    try:
        src = orjson.dumps(source).decode()
        node_json = "" if node is None else ',"node":' + orjson.dumps(node).decode()
    except TypeError:  # undecodable bytes in a name: what the per-record path does with them
        return [encode_record(r) for r in frame_records(frame, source, node)]
    present = [k for k in KEYS if frame[k].null_count() < frame.height]
    if not INT_OR_STR.intersection(present):
        encoded: list[bytes] = _encoded(frame, present, source, node).cast(pl.Binary).to_list()
        return encoded
    body = json_lines(frame)
    raw, warnings = pl.col("raw"), pl.col("warnings")
    has_warnings = warnings.list.len() > 0
    warning_texts = pl.lit("")
    if frame.select(has_warnings.any()).item():
        items = frame.select(warnings.explode().drop_nulls())
        escape = items.select(pl.col("warnings").str.contains(_NEEDS_ESCAPE).any()).item()
        element = pl.element()
        if escape:
            element = pl.when(element.str.contains(_NEEDS_ESCAPE)).then(
                element.str.replace_many(list(_ESCAPES), list(_ESCAPES.values()))
            ).otherwise(element)
        joined = warnings.list.eval(pl.concat_str([pl.lit('"'), element, pl.lit('"')])
                                    ).list.join(",")
        warning_texts = pl.when(has_warnings).then(
            pl.concat_str([pl.lit(',"warnings":['), joined, pl.lit("]")])).otherwise(pl.lit(""))
    b = pl.col("_body")
    opened = pl.when(b == "{}").then(pl.lit("{")).otherwise(
        pl.concat_str([b.str.strip_suffix("}"), pl.lit(",")]))
    raw_text = pl.when(raw.is_null()).then(pl.lit("")).otherwise(
        pl.concat_str([pl.lit(',"raw":'), _json_text(frame, raw)]))
    out = frame.with_columns(body.alias("_body")).select(
        pl.concat_str([
            opened, pl.lit('"source":' + src + ',"line":'), pl.col("line").cast(pl.Utf8),
            pl.lit(node_json), raw_text, warning_texts, pl.lit("}"),
        ]).alias("payload"),
        b.str.contains(_LINE_BREAK_ESCAPES).alias("odd"),
    )
    result: list[bytes] = out["payload"].cast(pl.Binary).to_list()
    odd = out["odd"]
    if odd.any():
        rows = odd.arg_true().to_list()
        for row, record in zip(rows, frame_records(frame[rows], source, node), strict=True):
            result[row] = encode_record(record)
    return result


def _encoded(frame: pl.DataFrame, present: list[str], source: str,
             node: str | None) -> pl.Series:
    """The payloads by polars' JSON encoder (it escapes strings as orjson does), one struct
    per group of rows that have the same keys (the encoder writes absent values as null)."""
    optional = [*present, "raw"]
    has = sum((pl.col(k).is_not_null().cast(pl.Int64) * (1 << i) for i, k in enumerate(optional)),
              pl.lit(0, pl.Int64))
    has = has + (pl.col("warnings").list.len() > 0).cast(pl.Int64) * (1 << len(optional))
    rows = frame.select(*present, "line", "raw", "warnings").with_row_index("_row").with_columns(
        has.alias("_has"), pl.lit(source, pl.Utf8).alias("source"),
        pl.lit(node, pl.Utf8).alias("node"))
    masks = rows["_has"].unique().to_list()
    parts = []
    for mask in masks:
        keys = [k for i, k in enumerate(present) if mask >> i & 1]
        keys += ["source", "line"]
        if node is not None:
            keys.append("node")
        if mask >> len(present) & 1:
            keys.append("raw")
        if mask >> len(optional) & 1:
            keys.append("warnings")
        group = rows if len(masks) == 1 else rows.filter(pl.col("_has") == mask)
        parts.append(group.select("_row", pl.struct(keys).struct.json_encode().alias("payload")))
    out = parts[0] if len(parts) == 1 else pl.concat(parts).sort("_row")
    return out["payload"]


def dedup_keys(frame: pl.DataFrame, node: str | None) -> list[int | None]:
    """``columns.dedup_key(node, line, raw)`` of each row: the hashed text made column-wise
    (frame text is valid UTF-8), then one tight loop of blake2b."""
    texts = frame.select(pl.concat_str([
        pl.lit(f"{node or ''}\x00"), pl.col("line").fill_null(0).cast(pl.Utf8), pl.lit("\x00"),
        pl.col("raw")]).cast(pl.Binary))
    blake2b, from_bytes = hashlib.blake2b, int.from_bytes
    return [None if data is None else
            from_bytes(blake2b(data, digest_size=8).digest(), "big", signed=True)
            for data in texts.to_series().to_list()]


def stored_rows(frame: pl.DataFrame, seqs: pl.Series, source: str, node: str | None,
                keys: list[int | None]) -> tuple[pa.Table, pa.Array]:
    """The Parquet rows of the frame's records (``columns.to_table``'s columns and values)
    and each row's partition (``tree.partition`` of its day and node)."""
    import pyarrow as pa

    exprs: list[pl.Expr] = []
    frame = frame.with_columns(seqs.cast(pl.Int64).alias("_seq"),
                               pl.Series("_key", keys, pl.Int64))
    for name, kind in COLUMNS:
        if name in KEYS:
            expr = pl.col(name)
            if name in INT_OR_STR:  # an all-digit value is a number: stored as its decimal
                expr = pl.when(expr.str.contains(_DIGITS)).then(
                    expr.cast(pl.Int64).cast(pl.Utf8)).otherwise(expr)
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
    part = pl.concat_str([
        pl.lit("day="), pl.when(day.str.contains(_DAY)).then(day).otherwise(pl.lit(UNKNOWN_DAY)),
        pl.lit(f"/node={node_dir(node)}"),
    ]).alias("_part")
    rows = frame.select(*exprs, part)
    parts = rows["_part"].to_arrow().cast(pa.string())
    table = rows.drop("_part").to_arrow().cast(arrow_schema())
    return table, parts
