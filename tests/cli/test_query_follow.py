"""``seaudit --follow`` with every registered format, as real processes: a writer process
appends records to the store's log in two rounds while a follower process writes them to a
file through the format's writer. After each round (each flush) the file is what the
format's reader accepts, with a header once (CSV); after Ctrl-C (SIGINT) the Parquet file is
valid and holds every record."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from seaudit.export import FORMAT_MODULES
from seaudit.export.csvfmt import COLUMNS
from seaudit.schema.record import AuditRecord
from seaudit.text.reader import Reject, read_stream

WRITER = """
import sys
from pathlib import Path
from seaudit.store import Store
from seaudit.schema.record import AuditRecord
store = Store(Path(sys.argv[1]))
first, count = int(sys.argv[2]), int(sys.argv[3])
with store.open_log() as log:
    for i in range(first, first + count):
        log.append(AuditRecord(event="login", timestamp="2024-05-15T09:00:%02d" % i,
                               status="D", event_name="LOGIN", user="u%d" % i, stage=59,
                               reason=2, terminal="tty1", program="/bin/login", audit_flags=""))
"""
ROUND = 4
SEAUDIT = (sys.executable, "-m", "seaudit")


def env(store: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
        "SEAUDIT_STORE": str(store),
    }


def _json_lines(data: bytes) -> int:
    lines = data.decode("utf-8").splitlines()
    assert all(isinstance(json.loads(line), dict) for line in lines)
    return len(lines)


def _csv(data: bytes) -> int:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows and tuple(rows[0]) == COLUMNS
    assert all(tuple(row) != COLUMNS for row in rows[1:])  # the header once
    assert all(len(row) == len(COLUMNS) for row in rows[1:])
    return len(rows) - 1


def _seaudit_text(data: bytes) -> int:
    items = list(read_stream(io.BytesIO(data), source="out"))
    assert not [i for i in items if isinstance(i, Reject)]
    return sum(isinstance(i, AuditRecord) for i in items)


def _prefixed(pattern: str) -> Callable[[bytes], int]:
    def read(data: bytes) -> int:
        lines = data.decode("utf-8").splitlines()
        assert all(re.match(pattern, line) for line in lines), lines[:3]
        return len(lines)

    return read


def _parquet(data: bytes) -> int:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    table = pq.read_table(io.BytesIO(data))
    assert table.column("user").to_pylist() == [f"u{i}" for i in range(table.num_rows)]
    return int(table.num_rows)


#: format -> its reader (how many records the output holds; raises if it does not accept it)
READERS: dict[str, Callable[[bytes], int]] = {
    "jsonl": _json_lines,
    "csv": _csv,
    "short": _seaudit_text,
    "detailed": _seaudit_text,
    "parquet": _parquet,
    "ocsf": _json_lines,
    "ecs": _json_lines,
    "cef": _prefixed(r"CEF:0\|"),
    "leef": _prefixed(r"LEEF:[12]\.0\|"),
    "syslog": _prefixed(r"<\d+>1 "),
}
#: formats whose output is readable only once the writer closes (a footer)
READABLE_WHEN_CLOSED = {"parquet"}


def test_every_registered_format_has_a_reader_here() -> None:
    assert set(READERS) == set(FORMAT_MODULES)


def _wait_for(out: Path, fmt: str, count: int, follower: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    last: object = None
    while time.monotonic() < deadline:
        assert follower.poll() is None, "the follower stopped"
        try:
            if READERS[fmt](out.read_bytes()) == count:
                return
        except (AssertionError, ValueError) as exc:  # a batch not there yet
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"{fmt}: {count} records never became readable ({last!r})")


def _append(store: Path, first: int, count: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(store), str(first), str(count)],
        env=env(store),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("fmt", list(FORMAT_MODULES))
def test_follow_output_is_readable_after_each_flush_and_after_ctrl_c(
    tmp_path: Path, fmt: str
) -> None:
    store, out = tmp_path / "store", tmp_path / f"out.{fmt}"
    _append(store, 0, 0)  # the store exists before the follower looks
    follower = subprocess.Popen(
        [*SEAUDIT, "--follow", "--to", fmt, "-o", str(out), "--interval", "0.05"],
        env=env(store),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # past the follower's first look at the log's end
        for done in (ROUND, 2 * ROUND):
            _append(store, done - ROUND, ROUND)
            if fmt not in READABLE_WHEN_CLOSED:
                _wait_for(out, fmt, done, follower)
        if fmt in READABLE_WHEN_CLOSED:
            time.sleep(1.0)  # two polls: the records are in the writer's row groups
    finally:
        follower.send_signal(signal.SIGINT)
        code = follower.wait(timeout=30)
    assert follower.stderr is not None
    errors = follower.stderr.read()
    assert code == 130, errors
    assert b"Traceback" not in errors
    assert READERS[fmt](out.read_bytes()) == 2 * ROUND
