"""The node state file is read without a write: ``verify --nodes`` (and the integrity
report) beside a running collector, after it stopped, and in a read-only store create no
file and change none."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from seaudit.errors import UsageError
from seaudit.route.nodestate import NodeState, NodeStates
from tests.route.endpoints import fill
from tests.route.natsd import NatsServer, seaudit, spawn

Snapshot = dict[str, tuple[int, str]]


def snapshot(root: Path) -> Snapshot:
    """Every file under ``root`` with its size and content hash (the ``-shm`` index only
    by name: readers take their locks in it)."""
    out: Snapshot = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            name = path.relative_to(root).as_posix()
            digest = "" if name.endswith("-shm") else hashlib.sha256(path.read_bytes()).hexdigest()
            out[name] = (path.stat().st_size, digest)
    return out


def wait_for(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_verify_nodes_beside_a_running_collector_writes_nothing(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    fill(tmp_path / "ep", "web01", 300)
    rules = tmp_path / "selogrd.cfg"
    rules.write_text(f"rule\nhost {nats_server.stream_url()}\n.\n")
    central = tmp_path / "central"
    collector = spawn("collect", "--store", str(central), "--from", nats_server.stream_url())
    try:
        routed = seaudit(
            "route", "--store", str(tmp_path / "ep"), "--rules", str(rules), "--node", "web01",
            "--once",
        )  # fmt: skip
        assert routed.returncode == 0, routed.stderr

        def stored_all() -> bool:
            done = seaudit("verify", "--nodes", "--store", str(central))
            return "last seq 300" in done.stdout

        wait_for(stored_all)
        assert (central / "nodes.sqlite-wal").exists()  # the collector holds the file open
        before = snapshot(central)
        done = seaudit("verify", "--nodes", "--store", str(central))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "OK web01: last seq 300, 300 records" in done.stdout
        report = seaudit("report", "integrity", "--store", str(central))
        assert "web01" in report.stdout, report.stderr
        assert snapshot(central) == before
    finally:
        collector.send_signal(signal.SIGTERM)
        collector.wait(timeout=60)


def states_file(folder: Path) -> Path:
    path = folder / "nodes.sqlite"
    states = NodeStates(path)
    try:
        states.put(NodeState("db01", last_seq=7, records=7))
        states.reject("evil", "not a node name")
    finally:
        states.close()
    return path


def test_a_reader_of_a_closed_file_creates_nothing(tmp_path: Path) -> None:
    path = states_file(tmp_path)
    before = snapshot(tmp_path)
    assert before.keys() == {"nodes.sqlite"}  # the collector folded its log in on close
    reader = NodeStates(path, read_only=True)
    try:
        assert [s.last_seq for s in reader.all()] == [7]
        assert reader.rejected() == [("evil", "not a node name", 1)]
        with pytest.raises(sqlite3.OperationalError, match="readonly database"):
            reader.put(NodeState("db02"))
    finally:
        reader.close()
    assert snapshot(tmp_path) == before


def test_verify_nodes_in_a_read_only_store(tmp_path: Path, tmpfs: Callable[[str], Path]) -> None:
    point = tmpfs("4m")
    states_file(point)
    (point / "seos.ini").write_text("[logmgr]\naudit_log = seos.audit\n")
    before = snapshot(point)
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    done = seaudit("verify", "--nodes", "--store", str(point))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK db01: last seq 7, 7 records" in done.stdout
    assert "rejected from evil: 1 messages: not a node name" in done.stdout
    assert snapshot(point) == before


def test_a_file_that_is_no_node_state_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "nodes.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(UsageError, match="cannot read the node state file"):
        NodeStates(path, read_only=True).all()
    done = seaudit("verify", "--nodes", "--state", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot read the node state file" in done.stderr
    assert "Traceback" not in done.stderr
