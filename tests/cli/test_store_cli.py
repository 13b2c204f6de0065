"""``seaudit import`` / query / ``reindex`` / ``--follow`` as real processes on real files."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import render_detailed
from seaudit.text.short import render_short

SUMMARY = re.compile(
    r"(\S+): (\d+) lines read = (\d+) stored \((\d+) records\) \+ (\d+) "
    r"rejected \((\d+)\) \+ (\d+) duplicate \((\d+) records\) \+ (\d+) blank"
)

RECORDS = [
    AuditRecord(
        event="login",
        timestamp="2024-05-15T09:00:00",
        status="D",
        event_name="LOGIN",
        user="bob",
        stage=59,
        reason=2,
        terminal="tty1",
        program="/bin/login",
        audit_flags="",
    ),
    AuditRecord(
        event="login",
        timestamp="2024-05-14T09:00:00",
        status="P",
        event_name="LOGIN",
        user="alice",
        stage=59,
        reason=2,
        terminal="tty2",
        program="/bin/login",
        audit_flags="",
    ),
    AuditRecord(
        event="resource_access",
        timestamp="2024-05-15T11:00:00",
        status="D",
        class_="FILE",
        user="bob",
        access="Read",
        stage=69,
        reason=3,
        resource="/etc/shadow",
        program="/bin/cat",
        terminal="tty1",
        effective_user="bob",
        audit_flags="",
        platform="unix",
    ),
]


def env(store: Path | None = None, **extra: str) -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    if store is not None:
        e["SEAUDIT_STORE"] = str(store)
    e.update(extra)
    return e


def seaudit(
    *args: str, store: Path | None = None, stdin: bytes = b"", **extra: str
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        input=stdin,
        capture_output=True,
        env=env(store, **extra),
        timeout=60,
        check=False,
    )


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    """A file named like an endpoint's export: short lines, a detailed block, a blank line,
    a line that is not a record, and the same record twice on different lines."""
    text = [
        render_short(RECORDS[0]),
        render_short(RECORDS[1]),
        "",
        render_detailed(RECORDS[2], block=True),
        "not a record at all",
        render_short(RECORDS[0]),
    ]
    path = tmp_path / "web01.audit"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def summary(stderr: bytes) -> tuple[int, ...]:
    m = SUMMARY.search(stderr.decode())
    assert m, stderr.decode()
    return tuple(int(x) for x in m.groups()[1:])


def test_import_counts_every_line_and_twice_stores_nothing(tmp_path: Path, sample: Path) -> None:
    store = tmp_path / "store"
    rejects = tmp_path / "rejects.txt"
    done = seaudit("import", "--store", str(store), "--rejects", str(rejects), str(sample))
    assert done.returncode == 1  # one line rejected
    lines, stored_l, stored, rej_l, rej, dup_l, dup, blank = summary(done.stderr)
    block = len(render_detailed(RECORDS[2], block=True).splitlines())
    assert lines == 6 + block - 1 + 0 and lines == stored_l + rej_l + dup_l + blank
    assert (stored, rej, dup, blank, stored_l) == (4, 1, 0, 1, 3 + block)
    assert rejects.read_text() == "not a record at all\n"
    assert "web01.audit:" in done.stderr.decode() and "Traceback" not in done.stderr.decode()
    again = seaudit("import", "--store", str(store), str(sample))
    lines2, _, stored2, _, _, dup_l2, dup2, _ = summary(again.stderr)
    assert (lines2, stored2, dup2, dup_l2) == (lines, 0, 4, stored_l)
    out = seaudit("--store", str(store), "--to", "jsonl", "--node", "web01")
    assert [json.loads(x)["user"] for x in out.stdout.splitlines()] == [
        "bob",
        "alice",
        "bob",
        "bob",
    ]


def test_query_is_the_default_action(tmp_path: Path, sample: Path) -> None:
    store = tmp_path / "s"
    assert seaudit("import", str(sample), store=store).returncode == 1
    dflt = seaudit("--status", "D", "--user", "bob", "--to", "jsonl", store=store)
    alias = seaudit("query", "--status", "D", "--user", "bob", "--to", "jsonl", store=store)
    assert dflt.returncode == 0 and dflt.stdout == alias.stdout
    rows = [json.loads(x) for x in dflt.stdout.splitlines()]
    assert [r["event"] for r in rows] == ["login", "resource_access", "login"]
    assert seaudit("-a", store=store).stdout.decode().splitlines()[0] == render_short(RECORDS[0])
    assert seaudit("--count", "-l", "b*,alice", "tty?", store=store).stdout == b"3\n"
    assert seaudit("--count", "-r", "FILE", "/etc/*", "bob", store=store).stdout == b"1\n"
    today = seaudit("--count", "--since", "today", store=store, SEAUDIT_NOW="2024-05-15T12:00")
    assert today.stdout == b"3\n"
    stats = seaudit("--stats", store=store).stdout.decode()
    assert "records: 4" in stats and re.search(r"3\s+bob", stats)
    csv = seaudit("--to", "csv", "--where", "stage = 69 or user = alice", store=store)
    assert len(csv.stdout.splitlines()) == 3
    bad = seaudit("--where", "user ==", store=store)
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr and b"--where" in bad.stderr
    assert seaudit("-t").returncode == 0


def test_reindex_rebuilds_the_same_answers(tmp_path: Path, sample: Path) -> None:
    store = tmp_path / "s"
    seaudit("import", str(sample), store=store)
    before = seaudit("--to", "jsonl", store=store).stdout
    for p in sorted((store / "parquet").rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()
    assert seaudit("reindex", store=store).returncode == 0
    assert list((store / "parquet").rglob("*.parquet"))
    assert seaudit("--to", "jsonl", store=store).stdout == before


def test_a_mask_typed_with_an_undecodable_byte_finds_the_record_stored_from_it(
    tmp_path: Path,
) -> None:
    """The log keeps the byte; the Parquet files hold it as U+FFFD (and answers print it so),
    and the mask is bound the same way, so the record is found instead of a store error."""
    line = render_short(RECORDS[1]).encode().replace(b"alice", b"al\xffce")
    path = tmp_path / "bytes.audit"
    path.write_bytes(line + b"\n" + render_short(RECORDS[0]).encode() + b"\n")
    store = tmp_path / "store"
    assert seaudit("import", str(path), store=store).returncode == 0
    for mask in (b"al\xffce", b"al\xff*"):
        out = subprocess.run(
            [sys.executable, "-m", "seaudit", "--user", mask],  # argv as the shell passes it
            capture_output=True,
            env=env(store),
            timeout=60,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout == line.replace(b"\xff", "\ufffd".encode()) + b"\n"


WRITER = """
import sys, time
from pathlib import Path
from seaudit.store import Store
from seaudit.schema.record import AuditRecord
store = Store(Path(sys.argv[1]))
with store.open_log() as log:
    for i in range(int(sys.argv[2])):
        log.append(AuditRecord(event="login", timestamp="2024-05-15T09:00:%02d" % i,
                               status="DP"[i % 2], user="u%d" % i, terminal="tty1"))
        time.sleep(0.05)
"""


def test_follow_prints_records_as_a_writer_appends(tmp_path: Path) -> None:
    store = tmp_path / "s"
    follow = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seaudit",
            "--follow",
            "--status",
            "D",
            "--to",
            "jsonl",
            "--interval",
            "0.05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(store),
    )
    try:
        time.sleep(1.5)  # let it start and take the (empty) log's end
        writer = subprocess.run(
            [sys.executable, "-c", WRITER, str(store), "10"],
            env=env(),
            timeout=60,
            check=False,
            capture_output=True,
        )
        assert writer.returncode == 0, writer.stderr
        assert follow.stdout is not None
        got = []
        deadline = time.monotonic() + 20
        while len(got) < 5 and time.monotonic() < deadline:
            line = follow.stdout.readline()
            if line:
                got.append(json.loads(line)["user"])
        assert got == ["u0", "u2", "u4", "u6", "u8"]
    finally:
        follow.send_signal(signal.SIGINT)
        assert follow.wait(timeout=10) == 130
        assert follow.stderr is not None and b"Traceback" not in follow.stderr.read()
