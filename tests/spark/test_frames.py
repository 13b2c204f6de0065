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
