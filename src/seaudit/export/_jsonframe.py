"""JSON lines made column-wise from a bulk batch's frame: byte for byte what
``seaudit.export.jsonl.dumps`` writes for each record (a property test holds them together).

Each key becomes a column of ``"key":value`` pieces (null where the record lacks the key);
one ``concat_str`` that skips nulls joins them. A string column is escaped only when it holds
a character JSON escapes (orjson's escapes, ``_jsoncols``); ``real_uid`` is a number where it
is all digits, as the parsers make it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, BinaryIO

import polars as pl

from seaudit.export._jsoncols import escape_line_breaks, escaped, needing_escape
from seaudit.schema.fields import DIGITS_RE, INT_KEYS, INT_OR_STR, KEYS

if TYPE_CHECKING:
    from seaudit.schema.record import AuditRecord
    from seaudit.text.bulk import BulkBatch


def _json_string(frame: pl.DataFrame, key: str) -> pl.Expr:
    """The column as JSON string literals (quotes included), escaped as orjson escapes."""
    expr = pl.col(key)
    if needing_escape(frame, [key]):
        expr = escaped(expr)
    return pl.concat_str([pl.lit('"'), expr, pl.lit('"')])


def json_lines(frame: pl.DataFrame) -> pl.Series:
    """One JSON object per row of a batch frame (see the module docstring)."""
    parts = []
    for key in KEYS:
        if frame[key].null_count() == frame.height:
            continue
        expr = pl.col(key)
        if key in INT_KEYS:
            value = expr.cast(pl.Utf8)
        elif key in INT_OR_STR:
            digits = expr.str.contains(DIGITS_RE)
            value = (
                pl.when(digits)
                .then(expr.cast(pl.Int64).cast(pl.Utf8))
                .otherwise(_json_string(frame, key))
            )
        else:
            value = _json_string(frame, key)
        parts.append(pl.concat_str([pl.lit(json.dumps(key) + ":"), value]))
    if not parts:
        return pl.Series("json", ["{}"] * frame.height, dtype=pl.Utf8)
    body = pl.concat_str(parts, separator=",", ignore_nulls=True)
    lines = frame.select(pl.concat_str([pl.lit("{"), body, pl.lit("}")]).alias("json"))["json"]
    if frame.select(pl.any_horizontal(_may_break(frame)).any()).item():
        lines = escape_line_breaks(lines)
    return lines


def _may_break(frame: pl.DataFrame) -> list[pl.Expr]:
    """Whether a string column holds a byte that starts a Unicode line break's encoding."""
    strings = [k for k in KEYS if k not in INT_KEYS and frame.schema[k] == pl.Utf8]
    return [pl.col(k).str.contains("[\u2028\u2029\u0085]").fill_null(False) for k in strings]


def _line_of(record: AuditRecord) -> int:
    return record.origin.line if record.origin else 0


def write_jsonl(batch: BulkBatch, sink: BinaryIO) -> int:
    """Write the batch's records as JSON lines; returns how many."""
    from seaudit.export.jsonl import dumps

    if batch.json is not None:
        lines = batch.json
    elif batch.frame.height:
        lines = json_lines(batch.frame)
    else:
        lines = pl.Series("json", [], pl.Utf8)
    if batch.extra:
        merged: list[bytes] = []
        texts = lines.to_list()
        numbers = batch.frame["line"].to_list()
        extra = sorted(batch.extra, key=_line_of)
        j = 0
        for number, text in zip(numbers, texts, strict=True):
            while j < len(extra) and _line_of(extra[j]) < number:
                merged.append(dumps(extra[j]))
                j += 1
            merged.append(text.encode("utf-8"))
        merged.extend(dumps(r) for r in extra[j:])
        sink.write(b"\n".join(merged) + b"\n")
        return len(merged)
    if lines.len():
        sink.write(lines.str.join("\n").item().encode("utf-8") + b"\n")
    return lines.len()
