"""Every report on Spark gives DuckDB's result, table by table, over several files per
partition and the live tail, with and without a filter; and over several stores at once."""

from __future__ import annotations

from typing import Any

import pytest

from seaudit.query import TRUE, Filter, parse_where
from seaudit.report import REPORTS, run_report
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
