"""A report as HTML: one self-contained page (inline CSS allowed by its hash in the page's own
Content-Security-Policy, SVG charts inline, no script, no external resource), or the body
fragment the web viewer places in its own page. Every value is HTML-escaped, with control
characters shown as ``\\xNN``."""

from __future__ import annotations

import base64
import hashlib
from html import escape

from seaudit.report.charts import bar_chart
from seaudit.report.model import Result, Table
from seaudit.report.text import cell

STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1d2329}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border-bottom:1px solid #d5dadf;padding:.2em .7em;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.chart text{font:12px system-ui,sans-serif;fill:#1d2329}.chart rect{fill:#3d7cc9}
.filter{color:#555}.empty{color:#777;font-style:italic}
"""


def style_hash(style: str = STYLE) -> str:
    """The CSP source that allows exactly this inline style."""
    digest = hashlib.sha256(style.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _esc(value: object) -> str:
    return escape(cell(value), quote=True)


def render_table(table: Table) -> str:
    parts = [f"<section><h2>{_esc(table.title)}</h2>"]
    if not table.rows:
        parts.append(f'<p class="empty">{_esc(table.empty)}</p></section>')
        return "".join(parts)
    if table.chart:
        parts.append(bar_chart(table))
    parts.append("<table><thead><tr>")
    parts += [f"<th>{_esc(c)}</th>" for c in table.columns]
    parts.append("</tr></thead><tbody>")
    for row in table.rows:
        parts.append("<tr>")
        parts += [
            f'<td class="n">{_esc(v)}</td>' if isinstance(v, int | float) else f"<td>{_esc(v)}</td>"
            for v in row
        ]
        parts.append("</tr>")
    parts.append("</tbody></table></section>")
    return "".join(parts)


def render_fragment(result: Result) -> str:
    """The report's sections, for a page that has its own head and style."""
    head = ""
    if result.filter_text:
        head = f'<p class="filter">filter: {_esc(result.filter_text)}</p>'
    return head + "".join(render_table(t) for t in result.tables)


def render_html(result: Result) -> str:
    title = _esc(result.report.title)
    csp = f"default-src 'none'; style-src {style_hash()}; img-src data:"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        f"<title>{title}</title><style>{STYLE}</style></head>"
        f"<body><h1>{title}</h1>{render_fragment(result)}</body></html>\n"
    )
