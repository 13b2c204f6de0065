"""``compact``: a store's small Parquet files merged per day and node, every answer and
``verify`` unchanged, readers holding older snapshots unharmed, the writer's lock respected;
and with real processes: an importer, a reader and ``compact`` at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from seaudit.errors import LogLockedError
from seaudit.query import TRUE, Filter
from seaudit.report import REPORTS, run_report
from seaudit.store import Store
from seaudit.store.compact import compact, compact_tree
from seaudit.store.manifest import load
from seaudit.store.tree import SCAN
from tests.store.damage import cli, count, env, feed, manifest_files, new_store, users


def _imported(root: Path, batches: int, size: int) -> Path:
    """A store filled by ``batches`` imports (each flushes its own small files)."""
    new_store(root)
    for i in range(batches):
        done = cli("import", "--store", str(root), str(feed(root / f"in{i}.txt", size, i * size)))
        assert done.returncode == 0, done.stderr
    return root


def _answers(root: Path) -> tuple[str, str, list[object]]:
    listing = cli("--store", str(root), "--to", "jsonl")
    stats = cli("--store", str(root), "--stats")
    assert listing.returncode == stats.returncode == 0, listing.stderr + stats.stderr
    store = Store(root)
    reports = [run_report(store, name, Filter(TRUE)).tables for name in REPORTS]
    return listing.stdout, stats.stdout, reports


def _partitions(root: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in manifest_files(root):
        key = str(path.parent)
        found[key] = found.get(key, 0) + 1
    return found


def test_compact_merges_per_day_and_node_and_changes_no_answer(tmp_path: Path) -> None:
    root = _imported(tmp_path / "s", batches=4, size=300)
    before = _answers(root)
    files = len(manifest_files(root))
    assert max(_partitions(root).values()) == 4  # one file per import in each partition
    done = cli("compact", "--store", str(root))
    assert done.returncode == 0, done.stderr
    assert f"{files} files -> 5" in done.stderr  # the five days, one node
    assert _answers(root) == before
    assert max(_partitions(root).values()) == 1
    check = cli("verify", "--store", str(root))
    assert check.returncode == 0, check.stdout + check.stderr
    left = [p for p in (root / "parquet").rglob("*") if p.is_file()]
    assert sorted(left) == sorted([*manifest_files(root), root / "parquet" / "_manifest.json"])
    again = cli("compact", "--store", str(root))  # nothing left to merge
    assert again.returncode == 0 and "0 merged into 0" in again.stderr


def test_files_grow_up_to_the_target_and_large_ones_stay(tmp_path: Path) -> None:
    root = _imported(tmp_path / "s", batches=5, size=100)  # 20 rows per file per day
    store = Store(root)
    with store.open_log():
        done = compact_tree(store.tree, target_rows=45)
        entries = store.tree.manifest.files
    assert done.merged == 20 and done.written == 10  # per day: 2 + 2 + 1 files of 20 rows
    assert sorted({e.rows for e in entries}) == [20, 40]
    with store.open_log():
        assert compact_tree(store.tree, target_rows=45).merged == 0
    assert cli("verify", "--store", str(root)).returncode == 0


def test_a_reader_keeps_the_files_of_its_snapshot(tmp_path: Path) -> None:
    import duckdb

    root = _imported(tmp_path / "s", batches=3, size=200)
    store = Store(root)
    snap = store.snapshot()
    try:
        old = {e.path for e in snap.entries}
        with store.open_log():
            compact_tree(store.tree)
        assert not any((root / "parquet" / p).exists() for p in old)  # replaced and deleted
        rows = duckdb.connect().execute(f"SELECT count(*) FROM {SCAN}", [snap.paths]).fetchone()
        assert rows == (600,)  # read through the descriptors the snapshot holds
    finally:
        snap.close()
    assert store.count(Filter(TRUE)) == 600


def test_compact_waits_for_the_writer_or_refuses(tmp_path: Path) -> None:
    root = _imported(tmp_path / "s", batches=2, size=50)
    store = Store(root)
    with store.open_log():
        with pytest.raises(LogLockedError):
            compact(root)
        done = cli("compact", "--store", str(root))
        assert done.returncode == 2 and "open for writing by another process" in done.stderr
    assert compact(root, wait=5).merged == 10


def test_compact_of_no_store_is_a_usage_error(tmp_path: Path) -> None:
    done = cli("compact", "--store", str(tmp_path / "none"))
    assert done.returncode == 2 and "no store at" in done.stderr
    assert not (tmp_path / "none").exists()


def test_compact_beside_an_importer_and_a_reader(tmp_path: Path) -> None:
    """Real processes: an importer appending batch after batch, a reader counting and
    listing in a loop, ``compact --wait`` run again and again. Every count the reader saw
    is a whole number of batches (never a record lost or doubled), every listing a prefix
    of the final one; at the end every record once, ``verify`` OK."""
    batches, size = 6, 150
    root = _imported(tmp_path / "s", batches=1, size=size)
    inputs = [feed(tmp_path / f"b{i}.txt", size, i * size) for i in range(1, batches)]
    script = (  # an import finding compact holding the lock is tried again
        "import subprocess, sys, time\n"
        "for path in sys.argv[2:]:\n"
        "    while True:\n"
        "        done = subprocess.run([sys.executable, '-m', 'seaudit', 'import', '--store',"
        " sys.argv[1], path], capture_output=True, text=True)\n"
        "        if done.returncode == 0: break\n"
        "        if 'open for writing' not in done.stderr: sys.exit(done.stderr)\n"
        "        time.sleep(0.05)\n"
    )
    importer = subprocess.Popen(
        [sys.executable, "-c", script, str(root), *map(str, inputs)], env=env()
    )
    seen: list[int] = []
    listings: list[list[str]] = []
    compactions = 0
    while importer.poll() is None or compactions < 2:
        done = cli("compact", "--store", str(root), "--wait", "30")
        assert done.returncode == 0, done.stderr
        compactions += 1
        seen.append(count(root))
        listings.append(users(root))
    assert importer.wait() == 0
    final = users(root)
    assert len(final) == len(set(final)) == batches * size
    assert all(n % size == 0 for n in seen), seen  # an import is seen whole or not at all
    assert all(final[: len(one)] == one for one in listings)
    assert cli("verify", "--store", str(root)).returncode == 0
    assert json.loads((root / "parquet" / "_manifest.json").read_text())["watermark"] == len(final)
    assert load(root / "parquet").watermark == len(final)
