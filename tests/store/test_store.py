"""The store: Parquet + live tail answer as one, rotation feeds Parquet, reindex rebuilds,
a half-written batch is dropped on open. Real files, the real audit log."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pytest

from seaudit.query import TRUE, parse_where
from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store, journal, manifest
from seaudit.store.location import check_node, default_root
from seaudit.store.manifest import FileEntry
from seaudit.store.tree import ParquetTree, in_log_order


def make(i: int, node: str | None = "web01") -> AuditRecord:
    return AuditRecord(
        event="login",
        timestamp=f"2024-01-{i % 3 + 1:02d}T10:00:{i % 60:02d}",
        status="PD"[i % 2],
        user=f"u{i % 4}",
        terminal="tty1",
        stage=i,
        origin=Origin("in.txt", i, f"line {i} " + "x" * 200, node),
    )


def small_segments(root: Path, kb: int = 50) -> Store:
    """A store whose log rotates every ``kb`` KB (many rotations from few records)."""
    root.mkdir(parents=True, exist_ok=True)
    ini = journal.DEFAULT_INI.replace("audit_size = 4096", f"audit_size = {kb}")
    (root / "seos.ini").write_text(ini)
    return Store(root)


def seqs(store: Store, where: str | None = None) -> list[int]:
    flt = Filter(parse_where(where) if where else TRUE)
    return [s for s, _ in store.select(flt)]


def test_appended_record_is_queryable_at_once(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.open_log() as log:
        seq = log.append(make(1))
        assert seqs(store) == [seq]
        assert store.tree.files() == []  # from the live tail, not Parquet
        log.append(make(2, node=None))
    assert [r.user for _, r in store.select(Filter(parse_where("status = D")))] == ["u1"]
    assert store.count(Filter(parse_where("not node ~ '*'"))) == 1


def test_ingest_then_tail_keep_log_order_and_partitions(tmp_path: Path) -> None:
    store = Store(tmp_path)
    recs = [make(i, node="web01" if i % 2 else None) for i in range(1, 31)]
    with store.open_log() as log:
        last = log.append_batch(recs[:20])
        store.ingest(list(zip(range(last - 19, last + 1), recs[:20], strict=True)))
        log.append_batch(recs[20:])
    assert store.tree.watermark == 20
    dirs = {p.parent.relative_to(store.tree.root).as_posix() for p in store.tree.files()}
    assert "day=2024-01-01/node=_local" in dirs and "day=2024-01-02/node=web01" in dirs
    assert seqs(store) == list(range(1, 31))
    got = [r for _, r in store.select(Filter(TRUE))]
    assert got == recs and [r.origin for r in got] == [r.origin for r in recs]
    assert seqs(store, "stage >= 15 and user = u3") == [15, 19, 23, 27]
    stats = store.stats(Filter(TRUE))
    assert stats.total == 30 and stats.by_status == {"P": 15, "D": 15}


def test_rotation_feeds_parquet_and_reindex_rebuilds(tmp_path: Path) -> None:
    store = small_segments(tmp_path)
    recs = [make(i) for i in range(1, 601)]  # ~150 KB: several 50 KB segments
    with store.open_log() as log:
        for r in recs:
            log.append(r)
    assert store.tree.watermark > 0 and store.tree.files()
    assert seqs(store) == list(range(1, 601))
    before = [r for _, r in store.select(Filter(TRUE))]
    assert store.reindex().records == 600
    assert [r for _, r in store.select(Filter(TRUE))] == before == recs


def test_half_written_batch_is_ignored_by_readers_and_dropped_by_the_next_writer(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path)
    recs = [make(i) for i in range(1, 11)]
    with store.open_log() as log:
        last = log.append_batch(recs)
        store.ingest(list(zip(range(last - 9, last + 1), recs, strict=True)))
    # a crash after renaming a later batch's files but before the manifest moved
    stray = store.tree.files()[0].with_name("seq-000000000011-000000000020.parquet")
    stray.write_bytes(store.tree.files()[0].read_bytes())
    (stray.parent / "x.parquet.tmp").write_bytes(b"junk")
    reader = Store(tmp_path)
    assert seqs(reader) == list(range(1, 11))  # the stray file is in no manifest
    assert stray.exists() and (stray.parent / "x.parquet.tmp").exists()  # readers never delete
    writer = Store(tmp_path)
    with writer.open_log():
        assert not stray.exists() and not (stray.parent / "x.parquet.tmp").exists()
        assert writer.existing_keys([123]) == set()


def test_tree_rejects_nothing_below_watermark(tmp_path: Path) -> None:
    tree = ParquetTree(tmp_path)
    assert tree.write([(1, make(1)), (2, make(2))]) == 2
    assert tree.write([(2, make(2)), (3, make(3))]) == 1
    assert tree.watermark == 3


def test_location_and_node_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAUDIT_STORE", str(tmp_path / "s"))
    assert default_root() == tmp_path / "s"
    monkeypatch.delenv("SEAUDIT_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_root() == tmp_path / "seaudit"
    assert check_node("web01.example.com") == "web01.example.com"
    for bad in ("../x", "_local", "a/b", "", "a b"):
        with pytest.raises(Exception, match="node name"):
            check_node(bad)


def test_buffered_rows_are_found_before_and_after_flush(tmp_path: Path) -> None:
    from seaudit.store.columns import dedup_key

    store = Store(tmp_path)
    recs = [make(i) for i in range(1, 21)]
    with store.open_log() as log:
        last = log.append_batch(recs[:10])
        store.ingest(list(zip(range(last - 9, last + 1), recs[:10], strict=True)), flush=False)
        last = log.append_batch(recs[10:])
        store.ingest(list(zip(range(last - 9, last + 1), recs[10:], strict=True)), flush=False)
    keys = [dedup_key(r.origin.node, r.origin.line, r.origin.raw) for r in recs if r.origin]
    assert store.tree.watermark == 0 and store.existing_keys(keys) == set(keys)
    assert seqs(store) == list(range(1, 21))  # buffered rows answer from the live tail
    store.flush()
    assert store.tree.watermark == 20 and len(store.tree.files()) == 3  # one file per day
    assert store.existing_keys(keys) == set(keys) and seqs(store) == list(range(1, 21))


def test_background_flush_keeps_rows_findable_and_obeys_the_watermark(tmp_path: Path) -> None:
    """Rows handed to a background flush are found (buffered, being written, or written)
    at every moment; files only count once the watermark covers them."""
    from seaudit.store.columns import dedup_key

    store = Store(tmp_path)
    recs = [make(i) for i in range(1, 41)]
    keys = [dedup_key(r.origin.node, r.origin.line, r.origin.raw) for r in recs if r.origin]
    with store.open_log() as log:
        last = log.append_batch(recs)
        store.ingest(list(zip(range(last - 39, last + 1), recs, strict=True)), flush=False)
        store.tree.flush(background=True)
        while store.tree.pending_last != store.tree.watermark:  # while the thread writes
            assert store.existing_keys(keys, tail=False) == set(keys)
        store.tree.wait()
    assert store.tree.watermark == 40 and store.existing_keys(keys, tail=False) == set(keys)
    reopened = Store(tmp_path)
    assert seqs(reopened) == list(range(1, 41))
    assert manifest.load(tmp_path / "parquet").watermark == 40


def test_files_carry_their_own_seq_range_and_unsorted_reads_keep_log_order(tmp_path: Path) -> None:
    store = Store(tmp_path)
    recs = [make(i).replace(timestamp=f"2024-02-{i // 7 + 1:02d}T10:00:00") for i in range(1, 43)]
    with store.open_log() as log:
        for start in range(0, 42, 10):  # five flushes, most split over two days
            log.append_batch(recs[start : start + 10])
            store.catch_up()
    entries = store.tree.manifest.files
    ranges = [(f.first, f.last) for f in entries]
    assert ranges == sorted(ranges) and len(entries) > 5
    for path, (low, high) in zip(store.tree.files(), ranges, strict=True):
        assert pq.read_table(path).column("seq").to_pylist() == list(range(low, high + 1))
    assert in_log_order(entries)
    assert seqs(store) == list(range(1, 43))  # read without ORDER BY
    assert seqs(store, "user = u1") == list(range(1, 43, 4))
    assert [s for s, _ in store.select(Filter(TRUE), limit=3)] == [1, 2, 3]
    overlapping = [
        FileEntry("day=1/node=a/seq-000000000001-000000000005.parquet", 1, 5, 5, 9, ""),
        FileEntry("day=2/node=a/seq-000000000003-000000000004.parquet", 3, 4, 2, 9, ""),
    ]
    assert not in_log_order(overlapping)
