"""Every report on Spark gives DuckDB's result, table by table, over several files per
partition and the live tail, with and without a filter; and over several stores at once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from seaudit.query import TRUE, Filter, parse_where
from seaudit.report import REPORTS, run_report
from seaudit.report.model import Result
from seaudit.spark import relation
from seaudit.store import Store
from tests.spark.stores import corpus_records, layered

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return layered(tmp_path_factory.mktemp("reports"), corpus_records())


@pytest.mark.parametrize("name", list(REPORTS))
@pytest.mark.parametrize("where", ["", "node = web01 or user ~ '*o*'"])
def test_every_report_is_the_same_on_spark(spark: Any, store: Store, name: str, where: str) -> None:
    flt = Filter(parse_where(where) if where else TRUE)
    want = run_report(store, name, flt)
    got = run_report(store, name, flt, source=lambda f: relation.select(spark, [store], f))
    assert [t.title for t in got.tables] == [t.title for t in want.tables]
    for mine, theirs in zip(got.tables, want.tables, strict=True):
        assert mine.rows == theirs.rows, (name, mine.title)
    assert any(t.rows for t in want.tables), name  # the corpus gives every report something


def test_a_report_over_several_stores_adds_them_up(spark: Any, tmp_path: Path) -> None:
    """Two collectors' stores in one Spark report: counts are the sums of each store's
    DuckDB report, and the sections that read a store's own log show each store."""
    records = corpus_records()
    half = len(records) // 2
    stores = [layered(tmp_path / "a", records[:half]), layered(tmp_path / "b", records[half:])]
    flt = Filter(TRUE)
    got = run_report(
        stores[0],
        "summary",
        flt,
        source=lambda f: relation.select(spark, stores, f),
        stores=stores,
    )
    by_event: Counter[object] = Counter()
    for store in stores:
        for event, n in _table(run_report(store, "summary", flt), "By event"):
            by_event[event] += n  # type: ignore[operator]
    assert dict(_table(got, "By event")) == dict(by_event)  # type: ignore[arg-type]
    state = dict(_table(got, "Integrity state"))  # type: ignore[arg-type]
    for store in stores:
        assert f"{store.root}: records in Parquet up to seq" in state
    assert state["matching records in the live tail"] == 14


def _table(result: Result, title: str) -> list[tuple[object, ...]]:
    return list(next(t for t in result.tables if t.title == title).rows)
