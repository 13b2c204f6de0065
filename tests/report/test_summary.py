"""``summary`` against a Python count over the same records: the SQL (one scan by file, days
from the partition directories, the time range from the edge days only) is the fast twin of
counting every record, and must agree whatever part is in Parquet and what in the live tail."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.query import TRUE, Filter, parse_where
from seaudit.report import run_report
from seaudit.report.model import Result
from seaudit.schema.record import AuditRecord
from seaudit.store.tree import day_of
from tests.storefill import fill, on_node
from tests.strategies import records

NODES = st.sampled_from([None, "web01", "db01", "bad node/../x"])


def table(result: Result, title: str) -> dict[object, object]:
    found = next(t for t in result.tables if t.title == title)
    return {row[0]: row[1] for row in found.rows}


def reference(recs: list[AuditRecord]) -> dict[str, object]:
    return {
        "total": len(recs),
        "event": Counter(r.event for r in recs),
        "status": Counter(r.status for r in recs),
        "node": Counter(r.origin.node if r.origin else None for r in recs),
        "day": Counter(day_of(r) for r in recs),
        "first": min((r.timestamp for r in recs), default=None),
        "last": max((r.timestamp for r in recs), default=None),
    }


@settings(max_examples=25)
@given(
    st.lists(st.tuples(records(), NODES), max_size=40),
    st.integers(0, 40),
    st.sampled_from(["", "status = D", "node = web01", "timestamp >= '2009-06-01'"]),
)
def test_summary_equals_a_count_of_every_record(
    pairs: list[tuple[AuditRecord, str | None]], cut: int, where: str
) -> None:
    recs = [on_node(r, node, i) for i, (r, node) in enumerate(pairs)]
    flt = Filter(parse_where(where) if where else TRUE)
    pred = flt.predicate()
    with tempfile.TemporaryDirectory() as tmp:
        store = fill(Path(tmp), recs, parquet=min(cut, len(recs)))
        result = run_report(store, "summary", flt)
    want = reference([r for r in recs if pred(r)])
    total = next(t for t in result.tables if t.title == "Total").rows[0]
    assert total == (want["total"], want["first"], want["last"])
    assert table(result, "By event") == dict(want["event"])  # type: ignore[call-overload]
    assert table(result, "By status") == dict(want["status"])  # type: ignore[call-overload]
    assert table(result, "By node") == dict(want["node"])  # type: ignore[call-overload]
    assert table(result, "By day") == dict(want["day"])  # type: ignore[call-overload]


def test_summary_of_an_empty_store(tmp_path: Path) -> None:
    result = run_report(fill(tmp_path, []), "summary", Filter(TRUE))
    assert next(t for t in result.tables if t.title == "Total").rows == ((0, None, None),)
