"""A query answered by the warm service is the query answered by a fresh process: same bytes
out, same messages, same exit status, a new snapshot each time; with no usable service the
client runs the query itself, and an answer cut off mid-way is an error, never a short one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store
from tests.report.scenario import scenario
from tests.storefill import fill
from tests.warm.conftest import env_with, seaudit

QUERIES = [
    ["-a"],
    ["--user", "eve", "--to", "jsonl"],
    ["--count", "--status", "D"],
    ["--stats"],
    ["--since", "today", "-sessionid"],
    ["--where", "user ~ 'b*' and not status = P", "--to", "csv"],
    ["--user", "nobody-at-all"],
    ["--where", "user = = x"],  # a usage error: exit 2, the same message
    ["--limit", "abc"],  # argparse's error: usage and exit 2, the service goes on
    ["--no-such-option"],
    ["--limit", "3", "--to", "detailed"],
]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    recs = scenario()
    return fill(tmp_path / "store", recs, parquet=len(recs) // 2)


def test_answers_equal_those_of_a_fresh_process(service, store: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, sock = service
    for options in QUERIES:
        args = ["--store", str(store.root), *options]
        warm, cold = seaudit(*args, socket=sock), seaudit(*args, socket=None)
        assert (warm.returncode, warm.stdout, warm.stderr) == (
            cold.returncode,
            cold.stdout,
            cold.stderr,
        ), options
    # relative paths are the client's: the service works in the client's directory
    rel = os.path.relpath(store.root, tmp_path)
    warm = seaudit("--store", rel, "--count", socket=sock, cwd=tmp_path)
    assert warm.stdout == f"{len(scenario())}\n".encode()
    missing = seaudit("--store", "nowhere", "-a", socket=sock, cwd=tmp_path)
    assert missing.returncode == 2 and b"no store at nowhere" in missing.stderr


def test_each_query_reads_the_store_as_it_is_now(service, store: Store) -> None:  # type: ignore[no-untyped-def]
    _, sock = service
    before = seaudit("--store", str(store.root), "--count", socket=sock)
    with store.open_log() as log:
        log.append(
            AuditRecord(
                event="login",
                timestamp="2024-03-06T10:00:00",
                status="P",
                user="late",
                origin=Origin("t", 1, "r", "web01"),
            )
        )
    after = seaudit("--store", str(store.root), "--user", "late", "--count", socket=sock)
    assert int(after.stdout) == 1
    assert int(seaudit("--store", str(store.root), "--count", socket=sock).stdout) == (
        int(before.stdout) + 1
    )


def test_without_a_usable_service_the_query_runs_here(private: Path, store: Store) -> None:
    sock = private / "query.sock"
    cold = seaudit("--store", str(store.root), "-a", socket=None)
    # no service; a socket file a dead service left; a directory others may enter
    assert seaudit("--store", str(store.root), "-a", socket=sock).stdout == cold.stdout
    import socket as sockets

    left = sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM)
    left.bind(str(sock))
    left.close()
    assert seaudit("--store", str(store.root), "-a", socket=sock).stdout == cold.stdout
    os.chmod(private, 0o755)
    assert seaudit("--store", str(store.root), "-a", socket=sock).stdout == cold.stdout


def test_an_answer_cut_off_is_an_error(service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proc, sock = service
    recs = [
        AuditRecord(
            event="login",
            timestamp="2024-03-05T10:00:00",
            status="P",
            user=f"user{i}",
            terminal="tty1",
            origin=Origin("t", i + 1, f"raw {i}", "web01"),
        )
        for i in range(60_000)
    ]
    store = fill(tmp_path / "big", recs)
    client = subprocess.Popen(
        [sys.executable, "-m", "seaudit", "--store", str(store.root), "--to", "jsonl"],
        env=env_with(sock),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert client.stdout is not None
    first = client.stdout.read(1000)  # the answer has begun (the rest waits in the pipes)
    assert first
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    rest, err = client.communicate(timeout=120)
    assert client.returncode == 2
    assert b"the query service stopped before its answer was complete" in err
    assert b"Traceback" not in err
    assert (first + rest).count(b"\n") < len(recs)
