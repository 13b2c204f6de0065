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

from seaudit.export._jsoncols import NEEDS_ESCAPE, escape_line_breaks, escaped, needing_escape
from seaudit.schema.fields import DIGITS_RE, INT_KEYS, INT_OR_STR, KEYS

if TYPE_CHECKING:
    from seaudit.schema.record import AuditRecord
    from seaudit.text.bulk import BulkBatch


#: keys whose values a parser may make rather than copy from the line (tables, constants)
_MADE = ("event", "timestamp", "status", "stage_message", "audit_flags", "command_type", "platform")
_BREAKS = "[\u2028\u2029\u0085]"  # what ``_jsoncols.escape_line_breaks`` escapes


def _suspects(frame: pl.DataFrame, pattern: str) -> set[str]:
    """The string columns that may hold a match of ``pattern``: every one where the line a
    record came from (``raw``) holds one, else only the values a parser makes (the others
    are cut from the line)."""
    strings = [k for k in KEYS if k not in INT_KEYS and frame[k].null_count() < frame.height]
    if frame.select(pl.col("raw").str.contains(pattern).any()).item():
        return set(strings)
    made = [k for k in strings if k in _MADE]
    if not made:
        return set()
    row = frame.select(pl.col(k).str.contains(pattern).any() for k in made).row(0)
    return {k for k, hit in zip(made, row, strict=True) if hit}


def _json_value(key: str, escape: bool) -> pl.Expr:
    """The column as JSON values: numbers, or string literals escaped as orjson escapes
    (``real_uid``: a number where it is all digits)."""
    expr = pl.col(key)
    if key in INT_KEYS:
        return expr.cast(pl.Utf8)
    text = pl.concat_str([pl.lit('"'), escaped(expr) if escape else expr, pl.lit('"')])
    if key in INT_OR_STR:
        number = expr.cast(pl.Int64, strict=False).cast(pl.Utf8)
        return pl.when(expr.str.contains(DIGITS_RE)).then(number).otherwise(text)
    return text


def json_lines(frame: pl.DataFrame) -> pl.Series:
    """One JSON object per row of a batch frame (see the module docstring)."""
    present = [k for k in KEYS if frame[k].null_count() < frame.height]
    if not present:
        return pl.Series("json", ["{}"] * frame.height, dtype=pl.Utf8)
    escape = _suspects(frame, NEEDS_ESCAPE)
    escape = needing_escape(frame, sorted(escape)) if escape else set()
    # one concat that skips nulls: every piece after the first carries its leading comma,
    # so the first key must be in every row (``event`` is: a record has one)
    first = present[0]
    if frame[first].null_count():
        raise ValueError(f"a batch frame row lacks {first!r}")
    pieces = [pl.lit("{" + json.dumps(first) + ":"), _json_value(first, first in escape)]
    for key in present[1:]:
        value = _json_value(key, key in escape)
        pieces.append(pl.concat_str([pl.lit("," + json.dumps(key) + ":"), value]))
    pieces.append(pl.lit("}"))
    lines = frame.select(pl.concat_str(pieces, ignore_nulls=True).alias("json"))["json"]
    if _suspects(frame, _BREAKS):
        lines = escape_line_breaks(lines)
    return lines


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
        # one column without quoting: each line as it is, then a newline (no copy joined first)
        frame = pl.DataFrame({"json": lines})
        frame.write_csv(sink, include_header=False, quote_style="never", line_terminator="\n")
    return lines.len()
