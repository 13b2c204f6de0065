"""A full disk (a real tiny tmpfs) and a file-size limit (RLIMIT_FSIZE in a real child
process): a clear LogFullError and an intact log with on_full=refuse; rotation and dropped
oldest backups with on_full=rotate."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from seaudit.errors import LogFullError
from seaudit.log import AuditLog, LogConfig, log_files, read_log, verify_log

from .conftest import make_record

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _fill(log: AuditLog, limit: int = 5000) -> int:
    """Append until the log refuses; returns how many were accepted."""
    for i in range(limit):
        try:
            log.append(make_record(i, pad=300))
        except LogFullError:
            return i
    raise AssertionError("never filled")


def test_full_disk_refuse_keeps_the_log_intact(tmpfs: Callable[[str], Path]) -> None:
    point = tmpfs("64k")
    cfg = LogConfig(audit_log=point / "seos.audit", audit_size=1024, on_full="refuse")
    with AuditLog(cfg) as log:
        accepted = _fill(log)
        assert accepted > 50 and log.last_seq == accepted
        with pytest.raises(LogFullError, match="No space left on device") as info:
            log.append(make_record(0))
        assert f"after seq {accepted}" in str(info.value) and info.value.hint
    assert [e.record for e in read_log(cfg)] == [make_record(i, pad=300) for i in range(accepted)]
    assert verify_log(cfg).ok
    with AuditLog(cfg) as log:  # reopening a full log works and still refuses
        assert log.recovery is None
        with pytest.raises(LogFullError):
            log.append(make_record(0))


@pytest.mark.parametrize("mode", ["yes", "none"])
def test_full_disk_rotate_drops_oldest_backups_and_keeps_going(
    tmpfs: Callable[[str], Path], mode: str
) -> None:
    point = tmpfs("160k" if mode == "yes" else "80k")
    cfg = LogConfig(
        audit_log=point / "seos.audit",
        audit_size=50,
        backup_date=mode,
        audit_max_files=0,
        on_full="rotate",
    )
    with AuditLog(cfg) as log:
        for i in range(1500):
            assert log.append(make_record(i, pad=300)) == i + 1
    entries = list(read_log(cfg))
    assert entries[-1].seq == 1500 and entries[0].seq > 1  # oldest dropped for room
    assert [e.seq for e in entries] == list(range(entries[0].seq, 1501))
    assert all(e.record == make_record(e.seq - 1, pad=300) for e in entries)
    report = verify_log(cfg)
    assert report.ok and report.history_start == entries[0].seq
    assert len(log_files(cfg)) >= 2


CHILD = textwrap.dedent("""
    import resource, signal, sys
    from pathlib import Path
    sys.path.insert(0, {tests!r})
    from log.conftest import make_record
    from seaudit.errors import LogFullError
    from seaudit.log import AuditLog, LogConfig
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
    cfg = LogConfig(audit_log=Path(sys.argv[1]), audit_size=50, backup_date="yes",
                    audit_max_files=0, on_full=sys.argv[2])
    with AuditLog(cfg) as log:
        for i in range(300):
            try:
                seq = log.append(make_record(i, pad=300))
            except LogFullError as exc:
                print("FULL", log.last_seq, exc, flush=True)
                break
            print("A", seq, flush=True)
""")


def _child(tmp_path: Path, on_full: str) -> tuple[list[str], LogConfig]:
    tests = str(Path(__file__).resolve().parents[1])
    log = tmp_path / "seos.audit"
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(tests=tests), str(log), on_full],
        env={**os.environ, "PYTHONPATH": SRC},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines(), LogConfig(audit_log=log, backup_date="yes", audit_max_files=0)


def test_file_size_limit_refuse(tmp_path: Path) -> None:
    lines, cfg = _child(tmp_path, "refuse")
    assert lines[-1].startswith("FULL ") and "File too large" in lines[-1]
    acked = [int(x.split()[1]) for x in lines if x.startswith("A ")]
    assert acked and int(lines[-1].split()[1]) == acked[-1]
    assert cfg.audit_log.stat().st_size <= 20000
    assert [e.seq for e in read_log(cfg)] == acked
    assert verify_log(cfg).ok


def test_file_size_limit_rotate(tmp_path: Path) -> None:
    lines, cfg = _child(tmp_path, "rotate")
    assert not any(x.startswith("FULL") for x in lines) and len(lines) == 300
    files = log_files(cfg)
    assert len(files) >= 4 and all(p.stat().st_size <= 20000 for p in files)
    assert [e.record for e in read_log(cfg)] == [make_record(i, pad=300) for i in range(300)]
    assert verify_log(cfg).ok


BATCH_CHILD = CHILD.replace("for i in range(300):", "for i in range(0, 300, 100):").replace(
    "log.append(make_record(i, pad=300))",
    "log.append_batch(make_record(j, pad=300) for j in range(i, i + 100))",
)
assert BATCH_CHILD.count("append_batch") == 1


def test_file_size_limit_rotate_with_batches(tmp_path: Path) -> None:
    """Batches bigger than the file-size limit are split where the limit falls."""
    tests = str(Path(__file__).resolve().parents[1])
    log = tmp_path / "seos.audit"
    done = subprocess.run(
        [sys.executable, "-c", BATCH_CHILD.format(tests=tests), str(log), "rotate"],
        env={**os.environ, "PYTHONPATH": SRC},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [w for i in range(100, 301, 100) for w in ("A", str(i))]
    cfg = LogConfig(audit_log=log, backup_date="yes", audit_max_files=0)
    assert all(p.stat().st_size <= 20000 for p in log_files(cfg))
    assert [e.record for e in read_log(cfg)] == [make_record(i, pad=300) for i in range(300)]
    assert verify_log(cfg).ok
