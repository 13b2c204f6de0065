"""Inline SVG bar charts, drawn here (no script, no network, no external file): a table's
last numeric column as horizontal bars labelled by the columns before it. Every label is
XML-escaped."""

from __future__ import annotations

from html import escape

from seaudit.report.model import Table
from seaudit.report.text import visible

BAR_HEIGHT = 18
LABEL_WIDTH = 260
BAR_WIDTH = 380
MAX_BARS = 40


def bar_chart(table: Table) -> str:
    """An ``<svg>`` element, or "" when the table has nothing to chart: the bars are the
    table's last numeric column, labelled by the columns before it."""
    counts = [
        i
        for i in range(len(table.columns))
        if table.rows and all(isinstance(r[i], int | float) for r in table.rows)
    ]
    if not counts:
        return ""
    at = counts[-1]
    rows = table.rows[:MAX_BARS]
    top = max(float(r[at]) for r in rows) or 1.0  # type: ignore[arg-type]
    height = BAR_HEIGHT * len(rows) + 4
    width = LABEL_WIDTH + BAR_WIDTH + 80
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_text(table.title)}">'
    ]
    for i, row in enumerate(rows):
        y = i * BAR_HEIGHT + 2
        label = " ".join("-" if v is None else str(v) for v in row[:at])
        if len(label) > 40:
            label = label[:39] + "…"
        value = float(row[at])  # type: ignore[arg-type]
        length = max(1.0, BAR_WIDTH * value / top)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{_text(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{length:.1f}" '
            f'height="{BAR_HEIGHT - 4}"></rect>'
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 13}">{row[at]}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _text(value: str) -> str:
    return escape(visible(value), quote=True)
