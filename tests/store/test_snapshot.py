"""Readers never write (issue 8, finding 1): a query, a verify, a refused import or reindex
leave every file of the store as it was, an importer's in-flight files included; a query
on a store that does not exist makes nothing. Damaged Parquet files are refused by path."""

from __future__ import annotations

from pathlib import Path

from seaudit.log.lock import held
from seaudit.store import journal
from tests.store.damage import cli, count, feed, manifest_files, new_store, tree_files


def imported(tmp_path: Path, n: int = 3000) -> Path:
    store = new_store(tmp_path / "store")
    done = cli("import", "--store", str(store), str(feed(tmp_path / "web01.audit", n)))
    assert done.returncode == 0, done.stderr
    return store


def test_readers_and_refused_writers_leave_an_importers_inflight_files(tmp_path: Path) -> None:
    store = imported(tmp_path)
    first = manifest_files(store)[0]
    inflight = [
        first.with_name("seq-000000009001-000000009100.parquet.tmp"),  # being written
        first.with_name("seq-000000009001-000000009100.parquet"),  # renamed, manifest next
        store / "parquet" / "_manifest.json.tmp",
    ]
    for path in inflight:
        path.write_bytes(first.read_bytes())
    before = tree_files(store)
    with held(journal.config(store).audit_log):  # an importer holds the log
        assert count(store) == 3000
        assert cli("--store", str(store), "-a").returncode == 0
        assert cli("--store", str(store), "--stats").returncode == 0
        refused = cli("import", "--store", str(store), str(tmp_path / "web01.audit"))
        assert refused.returncode == 2 and "LogLockedError" in refused.stderr
        again = cli("reindex", "--store", str(store))
        assert again.returncode == 2 and "LogLockedError" in again.stderr
    assert tree_files(store) == before
    cli("verify", "--store", str(store))
    assert tree_files(store) == before
    # the next writer removes what no manifest lists
    done = cli("import", "--store", str(store), str(tmp_path / "web01.audit"))
    assert done.returncode == 0, done.stderr
    assert not any(p.exists() for p in inflight)
    assert count(store) == 3000


def test_a_query_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = cli("--store", str(missing), "--count")
    assert done.returncode == 2 and "no store at" in done.stderr
    assert not missing.exists()
    store = imported(tmp_path, 10)
    before = sorted(store.rglob("*"))
    assert count(store) == 10
    assert sorted(store.rglob("*")) == before


def test_a_truncated_or_missing_parquet_file_is_refused_by_path(tmp_path: Path) -> None:
    store = imported(tmp_path)
    victim = manifest_files(store)[1]
    with victim.open("r+b") as handle:
        handle.truncate(victim.stat().st_size // 2)
    done = cli("--store", str(store), "-a")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(victim) in done.stderr and "seaudit reindex" in done.stderr
    assert "magic" not in done.stderr.lower() and done.stdout == ""
    victim.unlink()
    gone = cli("--store", str(store), "--count")
    assert gone.returncode == 2 and str(victim) in gone.stderr and "missing" in gone.stderr
    assert cli("reindex", "--store", str(store)).returncode == 0
    assert count(store) == 3000


def test_a_file_duckdb_cannot_read_is_named_by_its_path(tmp_path: Path) -> None:
    store = imported(tmp_path)
    victim = manifest_files(store)[0]
    size = victim.stat().st_size
    victim.write_bytes(b"PAR1" + b"\x00" * (size - 8) + b"PAR1")  # right size and magic
    done = cli("--store", str(store), "--count")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert str(victim) in done.stderr and "/proc/self/fd" not in done.stderr
