"""``reindex`` builds beside and swaps (issue 8, finding 3): log damage leaves the old tree
untouched unless ``--salvage``, which keeps what the log and the old Parquet hold and
reports the rest; a SIGKILL at any moment leaves a usable tree; a query running meanwhile
reads its snapshot to the end."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.store.damage import (
    backups,
    cli,
    count,
    env,
    flip_byte,
    manifest_files,
    tree_files,
    users,
)
from tests.store.test_snapshot import imported

N = 3000


def parquet_state(store: Path) -> dict[str, int]:
    return {k: v for k, v in tree_files(store).items() if k.startswith("parquet")}


@pytest.mark.parametrize("damage", ["flipped byte", "missing backup"])
def test_log_damage_is_refused_and_salvage_keeps_every_provable_record(
    tmp_path: Path, damage: str
) -> None:
    store = imported(tmp_path, N)
    listing = users(store)
    victim = backups(store)[len(backups(store)) // 2]
    if damage == "flipped byte":
        flip_byte(victim)
    else:
        victim.unlink()
    before = parquet_state(store)
    refused = cli("reindex", "--store", str(store))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--salvage" in refused.stderr and "left as they were" in refused.stderr
    assert parquet_state(store) == before and count(store) == N
    salvaged = cli("reindex", "--salvage", "--store", str(store))
    assert salvaged.returncode == 0, salvaged.stderr
    assert "salvaged" in salvaged.stderr and "LOST" not in salvaged.stderr
    assert users(store) == listing
    doc = json.loads((store / "parquet" / "_manifest.json").read_text())
    assert any(f.get("salvaged") for f in doc["files"]) and doc["lost"] == []


def test_salvage_reports_what_neither_the_log_nor_parquet_holds(tmp_path: Path) -> None:
    store = imported(tmp_path, N)
    victim = backups(store)[3]
    victim.unlink()
    for path in manifest_files(store):
        path.unlink()
    done = cli("reindex", "--salvage", "--store", str(store))
    assert done.returncode == 1 and "LOST" in done.stderr
    lost = json.loads((store / "parquet" / "_manifest.json").read_text())["lost"]
    ((first, last),) = lost
    assert count(store) == N - (last - first + 1)
    assert f"seqs {first}..{last}" in done.stderr
    checked = cli("verify", "--store", str(store))
    assert checked.returncode == 1  # the log itself is still missing a backup


def test_a_killed_reindex_leaves_a_usable_tree(tmp_path: Path) -> None:
    store = imported(tmp_path, 20_000)
    listing = users(store)
    rng = random.Random(8)
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-m", "seaudit", "reindex", "--store", str(store)],
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 2.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert count(store) == 20_000  # the old tree or the new one, never none
    assert users(store) == listing
    assert cli("reindex", "--store", str(store)).returncode == 0
    assert not (store / "parquet.new").exists() and not (store / "parquet.old").exists()
    assert cli("verify", "--store", str(store)).returncode == 0


def test_a_crash_between_the_two_renames_is_finished_by_the_next_writer(tmp_path: Path) -> None:
    store = imported(tmp_path, N)
    shutil.copytree(store / "parquet", store / "parquet.new")  # a complete new tree
    (store / "parquet").rename(store / "parquet.old")
    assert count(store) == N  # readers take the complete new tree
    assert not (store / "parquet").exists()  # and do not finish the swap themselves
    assert cli("import", "--store", str(store), str(tmp_path / "web01.audit")).returncode == 0
    assert (store / "parquet").is_dir() and not (store / "parquet.new").exists()
    assert not (store / "parquet.old").exists()
    assert count(store) == N and cli("verify", "--store", str(store)).returncode == 0


def test_a_query_during_reindex_reads_its_snapshot_to_the_end(tmp_path: Path) -> None:
    """Finding 9: a query that began before a reindex swapped the tree finishes with every
    record, exit 0 (its files are held open; the old tree is deleted meanwhile)."""
    store = imported(tmp_path, 20_000)
    query = subprocess.Popen(
        [sys.executable, "-m", "seaudit", "--store", str(store), "--to", "jsonl"],
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert query.stdout is not None and query.stderr is not None
    first = query.stdout.readline()  # the query has its snapshot; the pipe holds it back
    old = {p.stat().st_ino for p in manifest_files(store)}
    assert cli("reindex", "--store", str(store)).returncode == 0
    assert not old & {p.stat().st_ino for p in manifest_files(store)}  # all replaced
    rest = query.stdout.read()
    assert query.wait(timeout=60) == 0, query.stderr.read()
    rows = [json.loads(x)["user"] for x in (first + rest).splitlines()]
    assert rows == [f"u{i}" for i in range(20_000)]
