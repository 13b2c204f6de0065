"""A store on disk to damage, and the ways to damage it: shared by the store's safety tests
(real files, the real CLI in child processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from seaudit.schema.record import AuditRecord
from seaudit.store import journal
from seaudit.text.short import render_short

TINY_SEGMENTS_KB = 50  # the log's minimum segment: many rotations from a few thousand lines


def lines(n: int, start: int = 0) -> list[str]:
    """``n`` distinct non-detailed lines over several days (so several partitions)."""
    out = []
    for i in range(start, start + n):
        record = AuditRecord(
            event="login",
            timestamp=f"2024-05-{i % 5 + 1:02d}T{i % 24:02d}:{i % 60:02d}:{i // 60 % 60:02d}",
            status="PD"[i % 2],
            event_name="LOGIN",
            user=f"u{i}",
            stage=59,
            reason=2,
            terminal=f"tty{i % 9}",
            program="/bin/login",
            audit_flags="",
        )
        out.append(render_short(record))
    return out


def feed(path: Path, n: int, start: int = 0) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines(n, start)), encoding="utf-8")
    return path


def new_store(root: Path, kb: int = TINY_SEGMENTS_KB) -> Path:
    """An empty store whose log rotates every ``kb`` KB."""
    root.mkdir(parents=True, exist_ok=True)
    text = journal.DEFAULT_INI.replace("audit_size = 4096", f"audit_size = {kb}")
    (root / "seos.ini").write_text(text.replace("flush = record", "flush = every:100000"))
    return root


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), **extra}


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        capture_output=True,
        text=True,
        env=env(),
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def count(store: Path) -> int:
    done = cli("--store", str(store), "--count")
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def users(store: Path) -> list[str]:
    """Every record's user, in log order, from the full short listing."""
    done = cli("--store", str(store), "--to", "short")
    assert done.returncode == 0, done.stderr
    return [line.split()[6] for line in done.stdout.splitlines()]


def tree_files(store: Path) -> dict[str, int]:
    """Every file under ``parquet/`` (and its siblings) with its size: to prove nothing moved."""
    return {
        str(p.relative_to(store)): p.stat().st_size
        for p in sorted(store.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def manifest_files(store: Path) -> list[Path]:
    doc = json.loads((store / "parquet" / "_manifest.json").read_text())
    return [store / "parquet" / f["path"] for f in doc["files"]]


def flip_byte(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0xFF
    path.write_bytes(bytes(data))


def backups(store: Path) -> list[Path]:
    """The log's backups in seq order (by name they sort by time, then by counter)."""
    from seaudit.log.rotate import backups as ordered

    return ordered(journal.config(store))
