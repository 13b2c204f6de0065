"""Queries on Spark give what DuckDB gives: the same records in the same log order (store by
store), counts and stats, over Parquet files and the live tail, for one store or several."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from seaudit.query import TRUE, Cmp, Filter, Or, parse_where
from seaudit.schema.record import AuditRecord
from seaudit.spark.engine import SparkEngine
from seaudit.store import Store
from tests.spark.stores import corpus_records, layered

pytestmark = pytest.mark.xdist_group("spark")

WHERES = (
    "",
    "user ~ 'b*' or not terminal = tty1 or stage > 2 and stage <= 305",
    "node = web01 and timestamp >= '2024-03-04T10:00:00'",  # pruned by day and node
    "user = nobody-at-all",
)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> list[Store]:
    records = corpus_records()
    half = len(records) // 2
    return [
        layered(tmp_path_factory.mktemp("one"), records[:half]),
        layered(tmp_path_factory.mktemp("two"), records[half:], flushes=2, tail=3),
    ]


def _flt(where: str) -> Filter:
    return Filter(parse_where(where) if where else TRUE)


def _duckdb(stores: list[Store], flt: Filter) -> list[AuditRecord]:
    return [r for store in stores for _, r in store.select(flt)]


@pytest.mark.parametrize("where", WHERES)
def test_records_counts_and_stats_are_duckdb_s(spark: Any, stores: list[Store], where: str) -> None:
    flt = _flt(where)
    engine = SparkEngine(spark, stores)
    want = _duckdb(stores, flt)
    assert list(engine.select(flt)) == want
    assert engine.count(flt) == len(want) == sum(s.count(flt) for s in stores)
    one = SparkEngine(spark, stores[:1])
    assert one.stats(flt) == stores[0].stats(flt)


def test_hostile_masks_are_duckdb_s(spark: Any, stores: list[Store]) -> None:
    flt = Filter(Or(tuple(Cmp(f, "~", m) for f in ("user", "resource") for m in HOSTILE_MASKS)))
    assert list(SparkEngine(spark, stores).select(flt)) == _duckdb(stores, flt)


HOSTILE_MASKS = ("*\\*", "*'*", "*`*", "*\n*", "?\x00*", "*é", "*\\_*")


def test_the_live_tail_is_answered(spark: Any, stores: list[Store]) -> None:
    """Records not yet in Parquet are found too (the layered stores leave 7 and 3 there)."""
    flt = Filter(TRUE)
    engine = SparkEngine(spark, stores)
    seqs = [r.origin for r in engine.select(flt)]
    assert len(seqs) == sum(s.count(flt) for s in stores)
    tails = sum(1 for s in stores for _ in s.tail(s.snapshot().watermark))
    assert tails == 10


def test_limit_keeps_log_order(spark: Any, stores: list[Store]) -> None:
    flt = Filter(TRUE)
    engine = SparkEngine(spark, stores)
    assert list(engine.select(flt, limit=5)) == _duckdb(stores, flt)[:5]
    assert list(engine.select(flt, limit=0)) == []


def test_an_empty_store_answers_nothing(spark: Any, tmp_path: Path) -> None:
    store = Store(tmp_path / "none")
    engine = SparkEngine(spark, [store])
    assert engine.count(Filter(TRUE)) == 0
    assert list(engine.select(Filter(TRUE))) == []


def test_a_failure_inside_spark_is_a_plain_error(spark: Any, tmp_path: Path) -> None:
    """A Parquet file damaged in place (the same file, not a vanished one) fails in the JVM:
    the query raises an EngineError naming the cause, never a Py4J traceback."""
    from seaudit.errors import EngineError
    from seaudit.store.manifest import load

    store = layered(tmp_path, corpus_records()[:40])
    tree = store.root / "parquet"
    files = load(tree).files
    assert files, "the store has Parquet files to damage"
    for entry in files:
        with open(tree / entry.path, "r+b") as damaged:
            damaged.seek(4)
            damaged.write(b"\0" * 64)
    with pytest.raises(EngineError, match="Spark could not answer"):
        list(SparkEngine(spark, [store]).select(_flt("")))


def test_a_java_failure_is_told_by_its_message_and_root_cause() -> None:
    """The Py4J text of a damaged file's read: its stack frames are not the reason."""
    from seaudit.spark.engine import _reason

    text = (
        "An error occurred while calling o106.getResult.\n"
        ": org.apache.spark.SparkException: Exception thrown in awaitResult: \n"
        "\tat org.apache.spark.util.SparkThreadUtils$.awaitResult(SparkThreadUtils.scala:56)\n"
        "Caused by: org.apache.spark.SparkException: [FAILED_READ_FILE.NO_HINT] Encountered "
        "error while reading file file:///proc/1/fd/7.  SQLSTATE: KD001\n"
        "\tat org.apache.spark.sql.errors.QueryExecutionErrors$.cannotReadFilesError(x:920)\n"
        "Caused by: com.github.luben.zstd.ZstdIOException: Data corruption detected\n"
        "\t... 37 more\n"
    )
    assert _reason(text) == (
        "org.apache.spark.SparkException: [FAILED_READ_FILE.NO_HINT] Encountered error while "
        "reading file file:///proc/1/fd/7.  SQLSTATE: KD001; caused by: "
        "com.github.luben.zstd.ZstdIOException: Data corruption detected"
    )
    assert _reason("java.lang.OutOfMemoryError: Java heap space") == (
        "java.lang.OutOfMemoryError: Java heap space"
    )
