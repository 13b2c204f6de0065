"""CSV: RFC 4180 quoting, a header derived from the field table, formula injection defused."""

from __future__ import annotations

import csv
import io

from seaudit.export import write_records
from seaudit.schema.fields import KEYS
from seaudit.text.short import parse_short

LINE = "18 Nov 2008 15:23:56 D FILE admabc Read 69 3 /tmp/one /usr/local/bin/tcsh localhost admabc"


def _rows(records, **options):  # type: ignore[no-untyped-def]
    sink = io.BytesIO()
    write_records(records, sink, "csv", **options)
    return list(csv.reader(io.StringIO(sink.getvalue().decode("utf-8"), newline="")))


def test_header_is_the_field_table_and_values_read_back() -> None:
    record = parse_short(LINE)
    header, row = _rows([record])
    assert tuple(header) == KEYS
    assert dict(zip(header, row, strict=True))["resource"] == "/tmp/one"
    assert dict(zip(header, row, strict=True))["stage"] == "69"


def test_hostile_values_stay_in_their_cell_and_formulas_are_defused() -> None:
    hostile = '=HYPERLINK("http://x","a"),b\r\nnext "row"'
    record = parse_short(LINE).replace(resource=hostile, program="@SUM(1)", terminal="-2+3")
    header, row = _rows([record])
    cells = dict(zip(header, row, strict=True))
    assert cells["resource"] == "'" + hostile
    assert cells["program"] == "'@SUM(1)"
    assert cells["terminal"] == "'-2+3"
    _, raw_row = _rows([record], formula_safe=False)
    assert dict(zip(header, raw_row, strict=True))["resource"] == hostile
