"""JSON string escaping for polars columns, exactly as ``jsonl.encode_json`` escapes (orjson's
escapes, then the Unicode line breaks): the one table shared by every column-wise JSON writer
(the bulk parser's JSON lines, the log payloads an import builds column-wise)."""

from __future__ import annotations

import polars as pl

from seaudit.export.jsonl import LINE_BREAKS

#: how orjson escapes a string's characters (the rest are written as they are)
ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    **{chr(c): f"\\u{c:04x}" for c in range(0x20) if chr(c) not in "\b\t\n\f\r"},
}
#: a value that holds one of them (a regex for ``str.contains``)
NEEDS_ESCAPE = '["\\\\\\x00-\\x1f]'


def needing_escape(frame: pl.DataFrame, names: list[str]) -> set[str]:
    """Those of the string columns ``names`` that hold a character JSON must escape."""
    if not names:
        return set()
    row = frame.select(pl.col(n).str.contains(NEEDS_ESCAPE).any() for n in names).row(0)
    return {n for n, needs in zip(names, row, strict=True) if needs}


def escaped(expr: pl.Expr) -> pl.Expr:
    """String values escaped as orjson escapes them inside a JSON string (null stays null)."""
    return (
        pl.when(expr.str.contains(NEEDS_ESCAPE))
        .then(expr.str.replace_many(list(ESCAPES), list(ESCAPES.values())))
        .otherwise(expr)
    )


def escape_line_breaks(lines: pl.Series) -> pl.Series:
    """Encoded JSON lines with the Unicode line breaks escaped, as ``encode_json`` does."""
    for raw, text in LINE_BREAKS:
        lines = lines.str.replace_all(raw.decode(), text.decode(), literal=True)
    return lines
