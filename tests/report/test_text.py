"""Text presentation: what a record string can contain never reaches a terminal or a page
as a control, line-breaking or bidi-reordering character."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from seaudit.report.model import Table
from seaudit.report.text import render_table, visible


@given(st.text())
def test_visible_text_has_no_control_or_format_characters(text: str) -> None:
    shown = visible(text)
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if text.isprintable():
        assert shown == text


@given(st.lists(st.tuples(st.text(max_size=10), st.integers(0, 10**9)), max_size=8))
def test_table_columns_line_up(rows: list[tuple[str, int]]) -> None:
    text = render_table(Table("T", ("name", "records"), tuple(rows)))
    lines = text.splitlines()
    if not rows:
        assert lines[-1] == "none"
        return
    rule = lines[3]
    width = len(rule)
    for line in lines[4:]:  # numbers are right-aligned on the rule's end
        assert len(line) == width and line[-1].isdigit()
