"""A report as text: each section a titled table with aligned columns (numbers to the right),
like aureport. Record strings have their control characters escaped (``escape_controls``),
so no value can move the cursor, clear the screen or forge a line."""

from __future__ import annotations

import unicodedata

from seaudit.report.model import Result, Table
from seaudit.text.short import escape_controls

#: what an absent value shows as
ABSENT = "-"


def visible(text: str) -> str:
    """Record text safe to show: control characters escaped (``escape_controls``), and the
    invisible format characters (bidi overrides such as U+202E, which would show a value
    reversed, zero-width joiners) as ``\\uXXXX``."""
    text = escape_controls(text)
    if text.isprintable():
        return text
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" else c for c in text)


def cell(value: object) -> str:
    if value is None:
        return ABSENT
    return visible(str(value))


def render_table(table: Table) -> str:
    lines = [table.title, "=" * len(table.title)]
    if not table.rows:
        return "\n".join([*lines, table.empty, ""])
    cells = [[cell(v) for v in row] for row in table.rows]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] is None for row in table.rows)
        for i in range(len(table.columns))
    ]
    widths = [
        max(len(table.columns[i]), *(len(row[i]) for row in cells))
        for i in range(len(table.columns))
    ]

    def line(values: list[str] | tuple[str, ...]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    lines += [line(table.columns), line(["-" * w for w in widths])]
    lines += [line(row) for row in cells]
    return "\n".join([*lines, ""])


def render_text(result: Result) -> str:
    report = result.report
    head = [report.title, "#" * len(report.title)]
    if result.filter_text:
        head.append(f"filter: {visible(result.filter_text)}")
    parts = ["\n".join(head), *(render_table(t) for t in result.tables)]
    return "\n\n".join(parts)
