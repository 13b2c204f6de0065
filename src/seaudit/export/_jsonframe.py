"""JSON lines made column-wise from a bulk batch's frame: byte for byte what
``seaudit.export.jsonl.dumps`` writes for each record (a property test holds them together).

Rows are grouped by which keys they hold (a batch has a few such groups: one a template, about);
each group is one ``concat_str`` of its values between literal pieces, and the groups are put
back in row order. A string column is escaped only when it holds
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
    held = [pl.col(k).is_not_null().alias(k) for k in present]
    rows = frame.select(*present).with_row_index("_row")
    parts = []
    for has, group in rows.group_by(held):
        keys = [k for k, h in zip(present, has, strict=True) if h]
        parts.append(group.select("_row", _object(keys, escape).alias("json")))
    lines = parts[0] if len(parts) == 1 else pl.concat(parts).sort("_row")
    out = lines["json"]
    if _suspects(frame, _BREAKS):
        out = escape_line_breaks(out)
    return out


def _object(keys: list[str], escape: set[str]) -> pl.Expr:
    """The JSON object of rows that hold exactly ``keys``: one concat of the values between
    literal pieces (a string's closing quote joins the next piece)."""
    pieces: list[pl.Expr] = []
    literal = "{"
    for key in keys:
        literal += ("," if literal != "{" else "") + json.dumps(key) + ":"
        expr = pl.col(key)
        if key in INT_KEYS or key in INT_OR_STR:
            pieces += [pl.lit(literal), _json_value(key, key in escape)]
            literal = ""
        else:
            pieces += [pl.lit(literal + '"'), escaped(expr) if key in escape else expr]
            literal = '"'
    pieces.append(pl.lit(literal + "}"))
    return pl.concat_str(pieces)


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
