"""Answers of any size stream in log order in bounded memory: the windows cover every stored
row once, in seq order, none holding more rows than allowed (a property over stores whose
nodes' files overlap in seq); many small windows give DuckDB's records; and through the CLI,
with a deliberately small JVM heap, a large answer comes out byte for byte as DuckDB's.

``SEAUDIT_LONG=1`` makes the CLI's answer larger than that heap (140 k rows of about 2 KiB:
some 300 MB of rows, about 100 s on a busy machine); the suite's size (8 k rows) still needs
more than one window."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.query import Filter, parse_where
from seaudit.schema.record import AuditRecord
from seaudit.spark import frames, stream
from seaudit.spark.engine import SparkEngine
from seaudit.spark.session import ENV_DRIVER_MEMORY
from seaudit.store.manifest import FileEntry
from tests.spark.stores import corpus_records, layered

pytestmark = pytest.mark.xdist_group("spark")

ROOT = Path(__file__).resolve().parents[2]
LONG = bool(os.environ.get("SEAUDIT_LONG"))


@st.composite
def stores(draw: st.DrawFn) -> list[tuple[int, list[int]]]:
    """(node, the seqs of one of its files): a log's seqs 1..N dealt to nodes, each node's
    seqs cut into files (a node's files never overlap; other nodes' files do)."""
    n = draw(st.integers(1, 300))
    nodes = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    files: list[tuple[int, list[int]]] = []
    for node in sorted(set(nodes)):
        seqs = [seq for seq, owner in enumerate(nodes, start=1) if owner == node]
        while seqs:
            size = draw(st.integers(1, len(seqs)))
            files.append((node, seqs[:size]))
            seqs = seqs[size:]
    return files


@given(stores(), st.integers(1, 400))
def test_windows_cover_every_row_once_in_order_and_hold_at_most_rows(
    files: list[tuple[int, list[int]]], rows: int
) -> None:
    entries = [
        FileEntry(f"day=d/node=n{node}/f{i}.parquet", seqs[0], seqs[-1], len(seqs), 0, "")
        for i, (node, seqs) in enumerate(files)
    ]
    windows = stream.windows(entries, rows)
    assert all(a[1] < b[0] and a[0] <= a[1] for a, b in itertools.pairwise(windows))
    stored = sorted(seq for _, seqs in files for seq in seqs)
    for first, last in windows:
        assert sum(first <= seq <= last for seq in stored) <= rows
    assert all(sum(a <= seq <= b for a, b in windows) == 1 for seq in stored)
    if len(stored) <= rows:
        assert len(windows) == 1


def test_many_small_windows_give_duckdb_s_records(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three nodes' files overlapping in seq, read a sixth of the rows per window."""
    store = layered(tmp_path / "s", corpus_records(), flushes=4)
    rows = store.snapshot().watermark // 6
    monkeypatch.setattr(stream, "window_rows", lambda footers, budget: rows)
    flt = Filter(parse_where("node = web01 or user ~ '*o*'"))
    with frames.read(spark, [store], flt) as records:
        assert len(stream.windows(records.parts[0].snapshot.entries, rows)) >= 6
    want = [r for _, r in store.select(flt)]
    assert list(SparkEngine(spark, [store]).select(flt)) == want
    assert list(SparkEngine(spark, [store]).select(flt, limit=7)) == want[:7]


def test_a_window_holds_fewer_rows_when_rows_are_wider(tmp_path: Path) -> None:
    narrow = layered(tmp_path / "narrow", corpus_records())
    wide = layered(tmp_path / "wide", [_widened(r) for r in corpus_records()])
    budget = 2**20
    rows = [stream.window_rows(s.snapshot().paths, budget) for s in (narrow, wide)]
    assert rows[0] > 2 * rows[1] >= 2


HEAP = "192m"  # Spark's smallest heap once its reserve for itself is lifted (below)
HEAP_BYTES = 192 * 2**20


def test_a_large_answer_streams_through_the_cli_in_a_small_heap(tmp_path: Path) -> None:
    lines = 140_000 if LONG else 8_000
    text = tmp_path / "wide.txt"
    pad = "a" * 1000
    with text.open("w") as out:
        for i in range(lines):
            stamp = f"{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
            user = f"user{i % 50:03d}"
            out.write(f"04 Mar 2024 {stamp} D FILE {user} Read 69 3 /etc/{pad}/{i} /bin/cat\n")
    store = tmp_path / "store"
    imported = _seaudit("import", "--store", str(store), str(text))
    assert imported.returncode == 0, imported.stderr
    rows_bytes = sum(
        pq.read_metadata(path).row_group(i).total_byte_size
        for path in (store / "parquet").rglob("*.parquet")
        for i in range(pq.read_metadata(path).num_row_groups)
    )
    assert rows_bytes > (HEAP_BYTES if LONG else HEAP_BYTES // stream.HEAP_SHARE)

    query = ("--store", str(store), "-a", "-r", "FILE", "/etc/*", "*")
    duck = _seaudit(*query)
    assert duck.returncode == 0, duck.stderr
    assert duck.stdout.count(b"\n") == lines
    small = {
        ENV_DRIVER_MEMORY: HEAP,
        # Spark refuses a heap under 450 MiB for its reserve of 300 MiB; a test may lift it
        "PYSPARK_SUBMIT_ARGS": "--conf spark.testing.reservedMemory=0 pyspark-shell",
    }
    spark = _seaudit(*query, "--engine", "spark", env=small)
    assert spark.returncode == 0, spark.stderr[-3000:]
    assert spark.stdout == duck.stdout


def _seaudit(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args], env=full, capture_output=True, timeout=900
    )


def _widened(record: AuditRecord) -> AuditRecord:
    return record.replace(resource=(record.resource or "") + "w" * 4000)
