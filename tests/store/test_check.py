"""``verify`` covers the store (issue 8, finding 4): one flipped byte, a removed file, a stray
file or a gap under the watermark is reported with the path; an intact store is OK."""

from __future__ import annotations

import json
from pathlib import Path

from seaudit.store.bloom import Bloom
from tests.store.damage import cli, flip_byte, manifest_files
from tests.store.test_snapshot import imported


def verify(store: Path) -> tuple[int, str]:
    done = cli("verify", "--store", str(store))
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout


def test_an_intact_store_is_ok(tmp_path: Path) -> None:
    store = imported(tmp_path)
    code, out = verify(store)
    assert code == 0 and "OK: store:" in out and "every record up to seq 3000" in out


def test_a_flipped_byte_in_a_parquet_file_is_reported(tmp_path: Path) -> None:
    store = imported(tmp_path)
    victim = manifest_files(store)[2]
    flip_byte(victim)
    code, out = verify(store)
    assert code == 1 and f"DAMAGED: store: {victim}: content differs" in out


def test_a_removed_or_extra_file_is_reported(tmp_path: Path) -> None:
    store = imported(tmp_path)
    victim = manifest_files(store)[0]
    data = victim.read_bytes()
    victim.unlink()
    code, out = verify(store)
    assert code == 1 and f"{victim}: listed in the manifest but missing" in out
    victim.write_bytes(data)
    stray = victim.with_name("seq-000000090000-000000090001.parquet")
    stray.write_bytes(data)
    code, out = verify(store)
    assert code == 1 and f"{stray}: not in the manifest" in out


def test_a_file_dropped_from_the_manifest_is_a_gap(tmp_path: Path) -> None:
    store = imported(tmp_path)
    path = store / "parquet" / "_manifest.json"
    doc = json.loads(path.read_text())
    dropped = doc["files"].pop(1)
    path.write_text(json.dumps(doc))
    (store / "parquet" / dropped["path"]).unlink()
    code, out = verify(store)
    assert code == 1 and "some are missing" in out


def test_a_bloom_filter_that_lacks_a_value_of_its_file_is_reported(tmp_path: Path) -> None:
    store = imported(tmp_path)
    path = store / "parquet" / "_manifest.json"
    doc = json.loads(path.read_text())
    victim = doc["files"][1]
    victim["bloom"]["user"] = Bloom.of([]).to_text()  # would hide the file's users
    path.write_text(json.dumps(doc))
    code, out = verify(store)
    victim_path = store / "parquet" / victim["path"]
    assert (
        code == 1 and f"DAMAGED: store: {victim_path}: the manifest's Bloom filter of user" in out
    )
