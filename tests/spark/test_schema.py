"""Store schema 2 on Spark: Parquet files are read by column name, so older files that lack a
column added later read it as NULL, and files whose columns lie in another order read right,
as DuckDB reads them (``union_by_name``): the same records, counts, stats and reports on
both engines over a store holding files of both kinds; and the schema 1 store written by the
code before the change (``tests/fixtures/old/store``) answers on Spark as on DuckDB."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from seaudit.query import TRUE, Filter, parse_where
from seaudit.report import REPORTS, run_report
from seaudit.spark import relation
from seaudit.spark.engine import SparkEngine
from seaudit.store import Store
from seaudit.store.manifest import describe, load, write
from tests.spark.stores import corpus_records, layered

pytestmark = pytest.mark.xdist_group("spark")

OLD_STORE = Path(__file__).resolve().parents[1] / "fixtures" / "old" / "store"
#: columns the older files lack, as if added later (one with values in the corpus)
LATER = ("session_id", "platform")
WHERES = ("", "session_id ~ '*:*' or user ~ '*o*'", "node = web01")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store whose older half of files lack ``LATER`` and list their columns reversed."""
    store = layered(tmp_path_factory.mktemp("mixed"), corpus_records(), flushes=4)
    tree = store.root / "parquet"
    manifest = load(tree)
    older = manifest.files[: len(manifest.files) // 2]
    rewritten = []
    for entry in manifest.files:
        if entry in older:
            path = tree / entry.path
            table = pq.read_table(path).drop_columns(list(LATER))
            pq.write_table(table.select(table.column_names[::-1]), path, compression="zstd")
            again = describe(path, entry.first, entry.last, entry.rows, tree)
            blooms = tuple(b for b in entry.blooms if b[0] not in LATER)
            entry = dataclasses.replace(entry, size=again.size, sha256=again.sha256, blooms=blooms)
        rewritten.append(entry)
    write(tree, dataclasses.replace(manifest, files=tuple(rewritten)))
    names = [set(pq.read_schema(tree / e.path).names) for e in load(tree).files]
    assert any(LATER[0] not in n for n in names) and any(LATER[0] in n for n in names)
    return store


@pytest.mark.parametrize("where", WHERES)
def test_records_counts_and_stats_match_over_files_of_both_schemas(
    spark: Any, mixed: Store, where: str
) -> None:
    flt = Filter(parse_where(where) if where else TRUE)
    want = [r for _, r in mixed.select(flt)]
    assert any(r.session_id is None for r in want) or where
    engine = SparkEngine(spark, [mixed])
    assert list(engine.select(flt)) == want
    assert engine.count(flt) == len(want)
    assert engine.stats(flt) == mixed.stats(flt)


@pytest.mark.parametrize("name", list(REPORTS))
def test_reports_match_over_files_of_both_schemas(spark: Any, mixed: Store, name: str) -> None:
    flt = Filter(TRUE)
    want = run_report(mixed, name, flt)
    got = run_report(mixed, name, flt, source=lambda f: relation.select(spark, [mixed], f))
    assert [t.rows for t in got.tables] == [t.rows for t in want.tables], name


def test_the_schema_1_store_answers_on_spark_as_on_duckdb(spark: Any, tmp_path: Path) -> None:
    assert OLD_STORE.is_dir(), f"fixture missing: {OLD_STORE}"
    old = tmp_path / "old"
    shutil.copytree(OLD_STORE, old)
    store = Store(old)
    assert load(old / "parquet").version == 1
    for where in ("", "user = oracle", "status = D"):
        flt = Filter(parse_where(where) if where else TRUE)
        want = [r for _, r in store.select(flt)]
        assert want, where
        assert list(SparkEngine(spark, [store]).select(flt)) == want
