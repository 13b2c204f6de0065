"""Spark reads snapshots, never directories: only the files a manifest lists (pruned by day
and node as DuckDB's path is), the stored ``node`` column as written (a hashed directory
name never replaces it), and a local JVM keeps reading the files of its snapshot after
``compact`` replaced and deleted them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from seaudit.query import TRUE, Filter, parse_where
from seaudit.spark import frames
from seaudit.store import Store
from seaudit.store.compact import compact_tree
from tests.spark.stores import NODES, corpus_records, layered

pytestmark = pytest.mark.xdist_group("spark")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return layered(tmp_path / "s", corpus_records())


def test_files_the_manifest_does_not_list_are_not_read(spark: Any, store: Store) -> None:
    want = store.count(Filter(TRUE))
    listed = sorted((store.root / "parquet").rglob("seq-*.parquet"))
    folder = listed[0].parent
    (folder / "seq-999999999998-999999999999.parquet.tmp").write_bytes(b"PAR1 torn")
    shutil.copy(listed[0], folder / "seq-999999999990-999999999991.parquet")  # unlisted
    with frames.read(spark, [store], Filter(TRUE)) as records:
        assert records.all.count() == want
        nodes = {row[0] for row in records.all.select("node").distinct().collect()}
    assert nodes == set(NODES)  # "db 02/é" stored under a hashed directory, read back as is


def test_the_files_read_are_pruned_by_day_and_node(spark: Any, store: Store) -> None:
    flt = Filter(parse_where("node = web01 and timestamp >= '2024-03-04T00:00:00'"))
    with frames.read(spark, [store], flt) as records:
        entries = records.parts[0].snapshot.entries
        assert entries and all(e.node == "web01" and e.day >= "2024-03-04" for e in entries)
        assert len(entries) < len(store.snapshot().entries)
        assert records.all.count() == store.count(flt)


def test_a_local_snapshot_outlives_compact(spark: Any, store: Store) -> None:
    want = store.count(Filter(TRUE))
    with frames.read(spark, [store], Filter(TRUE)) as records:
        assert frames.is_local(spark)
        with store.open_log():
            done = compact_tree(store.tree)
        assert done.merged > 0  # the files this snapshot holds are gone from the tree
        assert records.all.count() == want
    with frames.read(spark, [store], Filter(TRUE)) as records:
        assert records.all.count() == want


NAMES = ("a store", "100%", "é ü", "[x]{y}#?", "a\u00a0b", "semi;colon=&+")


@pytest.mark.parametrize("name", NAMES)
def test_a_file_is_named_as_spark_names_it(spark: Any, tmp_path: Path, name: str) -> None:
    """Files read by path (a cluster, Spark Connect) are mapped to their days by the name
    Spark gives them, whatever the store's directory is called."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    path = tmp_path / name / "day=2024-03-04" / "f.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.table({"seq": [1]}), path)
    read = spark.read.parquet(frames._escaped(str(path))).select("_metadata.file_path")
    assert read.first()[0] == frames.spark_name(str(path))
