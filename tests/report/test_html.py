"""The HTML report: one self-contained page (no script, nothing fetched, a CSP allowing its
own style by hash only), every hostile record string escaped and shown as text."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

from seaudit.query import TRUE, Filter
from seaudit.report import REPORTS, run_report
from seaudit.report.html import STYLE, render_html
from tests.export.test_hostile import HOSTILE
from tests.report.scenario import scenario
from tests.storefill import fill

#: markup a hostile value might try to smuggle in
INJECTIONS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</style><style>body{display:none}</style>",
    "{{ 7*7 }}{% raw %}",
    "<svg onload=alert(1)>",
    "</text></svg><script>x</script>",
]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained_and_inert(tmp_path: Path) -> None:
    hostile = [*INJECTIONS, *HOSTILE[:20]]
    recs = [
        r.replace(user=value, resource=value, program=value)
        for r, value in zip(scenario(), hostile * 2, strict=False)
    ]
    store = fill(tmp_path, recs, parquet=10)
    for name in REPORTS:
        page = render_html(run_report(store, name, Filter(TRUE)))
        found = Elements()
        found.feed(page)
        assert set(found.tags) <= {
            "html",
            "head",
            "meta",
            "title",
            "style",
            "body",
            "h1",
            "h2",
            "section",
            "p",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "svg",
            "text",
            "rect",
        }, name
        assert not [a for a, _ in found.attrs if a.startswith("on")]
        assert "javascript:" not in " ".join(v or "" for _, v in found.attrs)
        assert not [a for a, _ in found.attrs if a in ("src", "href", "xlink:href", "style")]
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
        assert csp is not None
        digest = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
        assert csp[1] == f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:"
        assert page.count("<style>") == 1
    logins = Elements()
    logins.feed(render_html(run_report(store, "logins", Filter(TRUE))))
    shown = "".join(logins.text)
    for value in INJECTIONS[1:]:  # the users of the login records: shown as text, exactly
        assert value in shown
