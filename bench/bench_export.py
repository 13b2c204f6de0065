"""Records per second into every registered output format, from parsed records.

Builds N seaudit short lines (the five seed examples' shapes, every event type, varied users,
times and resources), parses them with the reader (so records carry their origin and raw line
like real input), then writes all records into each format, to a real file in a temporary
directory. The same-run baseline is ``json.dumps(record.to_dict())`` per record with the
standard library, written as lines.

    PYTHONPATH=src python bench/bench_export.py [--records 200000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from seaudit.export import registry
from seaudit.schema.record import AuditRecord
from seaudit.text.reader import read_file, records_only
from seaudit.text.short import render_short

#: record shapes: one per event type, as the seed pages show them
SHAPES: tuple[dict[str, object], ...] = (
    {
        "event": "login",
        "status": "P",
        "event_name": "LOGIN",
        "user": "root",
        "stage": 59,
        "reason": 2,
        "terminal": "_CRONJOB_",
        "program": "SBIN_CRON",
        "audit_flags": "",
    },
    {
        "event": "logout",
        "status": "O",
        "event_name": "LOGIN",
        "user": "root",
        "stage": 49,
        "reason": 2,
        "terminal": "tty1",
        "audit_flags": "",
    },
    {
        "event": "login_enabled",
        "status": "E",
        "event_name": "LOGIN",
        "user": "bob",
        "stage": 19,
        "reason": 2,
        "terminal": "tty1",
        "program": "/bin/login",
        "audit_flags": "",
    },
    {
        "event": "login_disabled",
        "status": "I",
        "event_name": "LOGIN",
        "user": "bob",
        "stage": 13,
        "reason": 2,
        "terminal": "tty1",
        "program": "/bin/login",
        "audit_flags": "",
    },
    {
        "event": "password_attempt",
        "status": "A",
        "event_name": "LOGIN",
        "user": "bob",
        "stage": 8,
        "reason": 2,
        "terminal": "tty1",
        "program": "/bin/login",
        "audit_flags": "",
    },
    {
        "event": "trace",
        "status": "P",
        "event_name": "TRACE",
        "user": "root",
        "effective_user": "john",
        "real_user": "root",
        "class": "FILE",
        "resource": "/home/jon/file.txt",
        "stage": 55,
        "audit_flags": "",
        "trace": "FILE > Result: 'P' [stage=55 gstag=55 ACEEH=8 rv=0(/home/john/file.txt",
        "platform": "unix",
    },
    {"event": "startup", "status": "M", "event_name": "START", "service": "seosd"},
    {
        "event": "shutdown",
        "status": "M",
        "event_name": "SHUTDOWN",
        "user": "root",
        "stage": 0,
        "service": "seosd",
        "audit_flags": "",
    },
    {
        "event": "password_verification",
        "status": "F",
        "event_name": "PASSWORD",
        "user": "bob",
        "stage": 3,
        "reason": 2,
        "audit_flags": "",
    },
    {
        "event": "db_admin",
        "status": "S",
        "event_name": "UPDATE",
        "class": "FILE",
        "user": "admin1",
        "stage": 305,
        "reason": 0,
        "object": "dfdok",
        "terminal": "computer.com",
        "command": "cr file dfdok defacc(r)",
        "audit_flags": "",
    },
    {
        "event": "untrust",
        "status": "U",
        "class": "PROGRAM",
        "module": "seoswd",
        "stage": 1,
        "message_id": "0",
        "file": "/usr/bin/passwd",
    },
    {
        "event": "inbound_network",
        "status": "D",
        "class": "TCP",
        "service": "telnet",
        "stage": 408,
        "reason": 2,
        "host": "computer.org",
        "program": "/usr/sbin/in.telnetd",
    },
    {
        "event": "outbound_network",
        "status": "D",
        "class": "TCP",
        "service": "telnet",
        "user": "root",
        "stage": 408,
        "reason": 2,
        "host": "computer.org",
        "program": "/usr/bin/telnet",
        "terminal": "computer.com",
        "audit_flags": "",
    },
    {
        "event": "resource_access",
        "status": "D",
        "class": "FILE",
        "user": "admabc",
        "access": "Read",
        "stage": 69,
        "reason": 3,
        "resource": "/tmp/one",
        "program": "/usr/local/bin/tcsh",
        "terminal": "localhost",
        "audit_flags": "",
        "effective_user": "admabc",
        "platform": "unix",
    },
)
_USERS = ("root", "admabc", "bob", "alice", "svc_backup", "oracle")


def generate_lines(count: int, seed: int = 4) -> Iterable[str]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1)
    weights = [1] * len(SHAPES)
    weights[-1] = 12  # resource access dominates real trails
    weights[0] = 4
    for i in range(count):
        shape = dict(rng.choices(SHAPES, weights)[0])
        moment = start + timedelta(seconds=i * 3 + rng.randrange(3))
        shape["timestamp"] = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if "user" in shape:
            shape["user"] = rng.choice(_USERS)
        if "resource" in shape and shape["class"] == "FILE":
            shape["resource"] = f"/srv/data/{rng.randrange(5000)}.dat"
        yield render_short(AuditRecord.from_dict(shape))


def baseline(records: list[AuditRecord], sink: BinaryIO) -> int:
    count = 0
    for record in records:
        sink.write((json.dumps(record.to_dict()) + "\n").encode("utf-8", "surrogateescape"))
        count += 1
    return count


def timed(write: Callable[[BinaryIO], int], path: Path, repeat: int) -> tuple[float, int, int]:
    best = float("inf")
    count = 0
    for _ in range(repeat):
        with path.open("wb") as sink:
            t0 = time.perf_counter()
            count = write(sink)
            elapsed = time.perf_counter() - t0
        best = min(best, elapsed)
    return best, count, path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per format")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="seaudit-bench-") as tmp:
        directory = Path(tmp)
        text = directory / "trail.txt"
        t0 = time.perf_counter()
        with text.open("w", encoding="utf-8") as out:
            for line in generate_lines(args.records):
                out.write(line + "\n")
        t1 = time.perf_counter()
        records = list(records_only(read_file(str(text))))
        t2 = time.perf_counter()
        assert len(records) == args.records, (len(records), args.records)
        print(
            f"{len(records)} records: generated in {t1 - t0:.1f} s, "
            f"parsed at {len(records) / (t2 - t1):,.0f} records/s "
            f"(python {sys.version.split()[0]}, {os.cpu_count()} cpus)\n"
        )

        base_s, _, base_size = timed(
            lambda s: baseline(records, s), directory / "base", args.repeat
        )
        base_rate = len(records) / base_s
        rows = [("json.dumps (stdlib baseline)", base_rate, base_size, 1.0)]
        for name, fmt in registry().items():
            try:
                seconds, count, size = timed(
                    lambda s, fmt=fmt: fmt.write(records, s), directory / f"out.{name}", args.repeat
                )
            except Exception as error:  # a format that needs options or a receiver
                print(f"{name}: skipped ({type(error).__name__}: {error})")
                continue
            assert count == len(records)
            rate = count / seconds
            rows.append((name, rate, size, rate / base_rate))

    print(f"{'format':<30} {'records/s':>12} {'MB written':>11} {'vs baseline':>12}")
    for name, rate, size, ratio in rows:
        print(f"{name:<30} {rate:>12,.0f} {size / 1e6:>11.1f} {ratio:>11.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
