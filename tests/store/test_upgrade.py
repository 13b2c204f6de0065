"""A store written by the code before log format 3 and store schema version 2 (the fixture
``tests/fixtures/old/store``, built by ``tests/fixtures/build_old_formats.py``) opens,
answers and verifies after the upgrade, with no ``reindex``; new records go on in format 3;
and a Parquet file that lacks a column added later reads it as NULL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from seaudit.log import LogConfig
from seaudit.log.frame import decode_header
from seaudit.log.rotate import log_files
from seaudit.store.manifest import STORE_SCHEMA_VERSION, load
from seaudit.store.tree import SCAN

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "tests" / "fixtures" / "old" / "store"
SAMPLE = ROOT / "samples" / "sample.txt"
MORE = "05 Mar 2024 10:00:00 P LOGIN zed 59 2 tty7 /bin/login\n"


def seaudit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SEAUDIT_NOW": "2024-03-06T00:00"}
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def answers(store: Path) -> list[str]:
    """Every record and two filtered queries, as JSON lines."""
    out = []
    for query in (["-a"], ["--user", "oracle"], ["-a", "--status", "D"]):
        done = seaudit("--store", str(store), *query, "--to", "jsonl")
        assert done.returncode == 0, done.stderr
        out.append(done.stdout)
    return out


def test_an_old_store_opens_answers_and_verifies_after_the_upgrade(tmp_path: Path) -> None:
    assert OLD.is_dir(), f"fixture missing: {OLD}"
    old = tmp_path / "old"
    shutil.copytree(OLD, old)
    assert load(old / "parquet").version == 1
    assert {decode_header(p.read_bytes()).version for p in old.glob("seos.audit*")} == {2}
    fresh = tmp_path / "fresh"  # what today's code stores from the same text
    assert seaudit("import", "--store", str(fresh), str(SAMPLE)).returncode == 1  # 5 rejects
    checked = seaudit("verify", "--store", str(old))
    assert checked.returncode == 0, checked.stdout
    assert "OK: 336 records" in checked.stdout and "OK: store: 1 Parquet files" in checked.stdout
    assert answers(old) == answers(fresh)
    assert len(answers(old)[0].splitlines()) > 200

    more = tmp_path / "more.txt"
    more.write_text(MORE)
    for store in (old, fresh):
        done = seaudit("import", "--store", str(store), str(more))
        assert done.returncode == 0, done.stderr
    checked = seaudit("verify", "--store", str(old))
    assert checked.returncode == 0 and "OK: 337 records" in checked.stdout, checked.stdout
    assert answers(old) == answers(fresh)
    versions = [decode_header(p.read_bytes()).version for p in log_files(_cfg(old))]
    assert versions == [2, 3]  # the old segment kept, the new records in format 3
    assert load(old / "parquet").version == STORE_SCHEMA_VERSION == 2
    assert json.loads((old / "parquet" / "_manifest.json").read_text())["version"] == 2


def _cfg(store: Path) -> LogConfig:
    return LogConfig.load(store / "seos.ini")


def test_a_file_without_a_column_added_later_reads_it_as_null(tmp_path: Path) -> None:
    """Files are read by column name: a new field is additive."""
    old = tmp_path / "a.parquet"
    new = tmp_path / "b.parquet"
    pq.write_table(pa.table({"seq": [1, 2], "user": ["ann", "bob"]}), old)
    pq.write_table(pa.table({"user": ["cy"], "seq": [3], "added": ["x"]}), new)
    rows = (
        duckdb.connect()
        .execute(f"SELECT seq, user, added FROM {SCAN} ORDER BY seq", [[str(old), str(new)]])
        .fetchall()
    )
    assert rows == [(1, "ann", None), (2, "bob", None), (3, "cy", "x")]
