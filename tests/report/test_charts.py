"""SVG bar charts: well-formed XML whatever the labels hold, one bar per row, bars scaled
to the largest value, the message column of a described table left out of the bars."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from seaudit.report.charts import BAR_WIDTH, MAX_BARS, bar_chart
from seaudit.report.model import Table

SVG = "{http://www.w3.org/2000/svg}"
labels = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@given(st.lists(st.tuples(labels, st.integers(0, 10**6), labels), min_size=1, max_size=50))
def test_chart_is_well_formed_and_scaled(rows: list[tuple[str, int, str]]) -> None:
    svg = bar_chart(Table("t <&>", ("name", "records", "message"), tuple(rows), chart=True))
    root = ET.fromstring(svg)
    bars = root.findall(f"{SVG}rect")
    shown = rows[:MAX_BARS]
    assert len(bars) == len(shown)
    widths = [float(b.get("width", "0")) for b in bars]
    assert all(1.0 <= w <= BAR_WIDTH for w in widths)
    biggest = max(n for _, n, _ in shown)
    if biggest:
        assert max(widths) == BAR_WIDTH
    values = [t.text for t in root.findall(f"{SVG}text")][1::2]
    assert values == [str(n) for _, n, _ in shown]


def test_nothing_to_chart() -> None:
    assert bar_chart(Table("t", ("a",), ())) == ""
    assert bar_chart(Table("t", ("a",), (("x",),))) == ""
