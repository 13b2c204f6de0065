"""Kill a real writer process with SIGKILL at random moments, many times; after each kill
the log reopens, and every acknowledged record is there, intact, with the chain unbroken."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seaudit.log import AuditLog, LogConfig, read_log, verify_log

from .writer_proc import record_for

SRC = str(Path(__file__).resolve().parents[2] / "src")
WRITER = str(Path(__file__).with_name("writer_proc.py"))
KILLS = 10


@pytest.mark.slow
@pytest.mark.parametrize("flush", ["record", "every:16", "ms:5"])
def test_sigkill_never_loses_an_acknowledged_record(tmp_path: Path, flush: str) -> None:
    rng = random.Random(f"crash-{flush}")
    cfg = LogConfig(
        audit_log=tmp_path / "seos.audit", audit_size=50, backup_date="yes", audit_max_files=0
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    checked = 0
    recoveries = 0
    for i in range(KILLS):
        proc = subprocess.Popen(
            [sys.executable, WRITER, str(tmp_path), flush, str(i)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # opened: now kill at a random moment of writing
        assert first.startswith("O ")
        time.sleep(rng.uniform(0.02, 0.25))
        proc.send_signal(signal.SIGKILL)
        out = proc.stdout.read()
        proc.wait()
        acked = [int(line[2:]) for line in out.splitlines() if line.startswith("A ")]
        durable = [int(line[2:]) for line in out.splitlines() if line.startswith("D ")]
        assert max(durable, default=0) <= max(acked, default=0)
        with AuditLog(cfg) as log:
            recoveries += log.recovery is not None
            last = log.last_seq
        assert last >= max(acked, default=0)
        seqs = []
        for entry in read_log(cfg, after=checked):
            assert entry.record == record_for(entry.seq)
            assert entry.record.origin == record_for(entry.seq).origin
            seqs.append(entry.seq)
        assert seqs == list(range(checked + 1, last + 1))
        checked = last
        report = verify_log(cfg)
        assert report.ok, report.first_problem
        assert report.records_checked == last
    print(f"{flush}: {KILLS} kills, {checked} records, {recoveries} torn tails cut")
