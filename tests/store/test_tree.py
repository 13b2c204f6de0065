"""The tree's writer side (issue 8, findings 1 and 9): what ``open_tree`` does under the
log's lock: a store from before the manifest migrated, a damaged manifest or watermark
refused with the fix, a watermark above the log refused before anything is appended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seaudit.log import log_files
from seaudit.store import journal
from tests.store.damage import cli, count, feed, manifest_files, tree_files, users
from tests.store.test_snapshot import imported


def to_legacy(store: Path) -> None:
    """The store as ``main`` wrote it before the manifest: a ``_watermark`` file."""
    tree = store / "parquet"
    mark = json.loads((tree / "_manifest.json").read_text())["watermark"]
    (tree / "_manifest.json").unlink()
    (tree / "_watermark").write_text(str(mark))


def test_a_store_from_before_the_manifest_is_read_then_migrated(tmp_path: Path) -> None:
    store = imported(tmp_path)
    files = manifest_files(store)
    to_legacy(store)
    before = tree_files(store)
    assert count(store) == 3000 and len(users(store)) == 3000
    assert tree_files(store) == before  # readers do not migrate
    assert cli("verify", "--store", str(store)).returncode == 0
    more = feed(tmp_path / "db01.audit", 500, start=3000)
    assert cli("import", "--store", str(store), str(more)).returncode == 0
    assert not (store / "parquet" / "_watermark").exists()
    assert set(files) <= set(manifest_files(store))
    assert count(store) == 3500
    checked = cli("verify", "--store", str(store))
    assert checked.returncode == 0 and "OK: store" in checked.stdout, checked.stdout


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("_manifest.json", b"abc"),
        ("_manifest.json", b""),
        ("_manifest.json", b'{"version": 1, "watermark": -4, "files": []}'),
        ("_manifest.json", b'{"version": 99, "watermark": 4, "files": []}'),
        ("_watermark", b"abc"),
        ("_watermark", b""),
    ],
)
def test_a_damaged_manifest_or_watermark_is_refused_and_reindex_repairs_it(
    tmp_path: Path, name: str, text: bytes
) -> None:
    store = imported(tmp_path, 300)
    if name == "_watermark":
        to_legacy(store)
    (store / "parquet" / name).write_bytes(text)
    for args in (["--count"], ["-a"], ["import", str(tmp_path / "web01.audit")]):
        done = cli(*args, "--store", str(store))
        assert done.returncode == 2, (args, done.stderr)
        assert "StoreCorruptError" in done.stderr and "seaudit reindex" in done.stderr
        assert name in done.stderr and "Traceback" not in done.stderr
    broken = cli("verify", "--store", str(store))
    assert broken.returncode == 1 and "DAMAGED: store" in broken.stdout
    fixed = cli("reindex", "--store", str(store))
    assert fixed.returncode == 0, fixed.stderr
    assert count(store) == 300 and cli("verify", "--store", str(store)).returncode == 0


def test_a_watermark_above_the_log_is_refused_before_appending(tmp_path: Path) -> None:
    store = imported(tmp_path, 300)
    path = store / "parquet" / "_manifest.json"
    doc = json.loads(path.read_text())
    doc["watermark"] = 400
    path.write_text(json.dumps(doc))
    logs = {p: p.stat().st_size for p in log_files(journal.config(store))}
    more = feed(tmp_path / "db01.audit", 50, start=300)
    done = cli("import", "--store", str(store), str(more))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "reach seq 400" in done.stderr and "only 300" in done.stderr
    assert {p: p.stat().st_size for p in log_files(journal.config(store))} == logs
    checked = cli("verify", "--store", str(store))
    assert checked.returncode == 1 and "above the log" in checked.stdout
    assert cli("reindex", "--store", str(store)).returncode == 2  # the log lost records
    salvaged = cli("reindex", "--salvage", "--store", str(store))
    assert salvaged.returncode == 1 and "LOST 100 records (seqs 301..400)" in salvaged.stderr
    assert count(store) == 300  # nothing held them: the watermark goes back to the log's end
    assert cli("import", "--store", str(store), str(more)).returncode == 0
    assert count(store) == 350 and cli("verify", "--store", str(store)).returncode == 0
