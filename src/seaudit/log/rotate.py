"""Backup files: their names, the order they are read in, how many are kept, and when the
date-triggered modes (daily / weekly / monthly) rotate.

With ``BackUp_Date`` none/no a rotation renames the log to ``audit_back``, overwriting the
previous backup (the product's behaviour). Otherwise each backup is timestamped
``<audit_back>.DD-Mon-YYYY.HHMMSS`` (local time of the rotation, English month; ``.1``, ``.2``
... appended when two rotations fall in the same second) and the oldest are deleted beyond
``audit_max_files`` (0 = keep all). ``yes`` rotates on size only; ``daily``, ``weekly`` (ISO
weeks, from Monday) and ``monthly`` also rotate at the first append after local midnight of a
new day / week / month, so each backup holds at most one period.
Backups are ordered by the first sequence number in their header, never by name.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path

from seaudit.log.config import LogConfig
from seaudit.log.frame import HEADER_SIZE, decode_header

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def stamp(when: dt.datetime) -> str:
    return f"{when.day:02d}-{MONTHS[when.month - 1]}-{when.year:04d}.{when:%H%M%S}"


def backup_path(cfg: LogConfig, when: dt.datetime) -> Path:
    """Where the log goes when it rotates now."""
    if not cfg.timestamped:
        return cfg.audit_back
    base = cfg.audit_back.with_name(f"{cfg.audit_back.name}.{stamp(when)}")
    path, n = base, 0
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}.{n}")
    return path


def _pattern(cfg: LogConfig) -> re.Pattern[str]:
    return re.compile(
        re.escape(cfg.audit_back.name) + r"\.\d{2}-[A-Z][a-z]{2}-\d{4}\.\d{6}(\.\d+)?"
    )


def first_seq_of(path: Path) -> int:
    """The first sequence number a file's header announces (-1 if unreadable: sorted first,
    so verify reports it)."""
    try:
        with path.open("rb") as handle:
            return decode_header(handle.read(HEADER_SIZE)).first_seq
    except (OSError, ValueError):
        return -1


def backups(cfg: LogConfig, first_seq: Callable[[Path], int] = first_seq_of) -> list[Path]:
    """Every backup present (the single one and timestamped ones), oldest first
    (``first_seq`` reads a file's first seq: the writer passes one that remembers)."""
    folder = cfg.audit_back.parent
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    pattern = _pattern(cfg)
    found = [folder / n for n in names if n == cfg.audit_back.name or pattern.fullmatch(n)]
    return sorted(found, key=lambda p: (first_seq(p), p.name))


def log_files(cfg: LogConfig) -> list[Path]:
    """Backups oldest first, then the live log (when it exists)."""
    files = backups(cfg)
    if cfg.audit_log.exists():
        files.append(cfg.audit_log)
    return files


def timestamped_names(cfg: LogConfig) -> list[str]:
    """The names of the timestamped backups present (in no particular order)."""
    try:
        names = os.listdir(cfg.audit_back.parent)
    except OSError:
        return []
    match = _pattern(cfg).fullmatch
    return [n for n in names if match(n)]


def timestamped_backups(
    cfg: LogConfig,
    first_seq: Callable[[Path], int] = first_seq_of,
) -> list[Path]:
    pattern = _pattern(cfg)
    return [p for p in backups(cfg, first_seq) if pattern.fullmatch(p.name)]


def prune(cfg: LogConfig) -> list[Path]:
    """Delete the oldest timestamped backups beyond ``audit_max_files``, but none a route
    destination has not acknowledged yet (``route.holds``); returns those deleted."""
    from seaudit.route.holds import released

    if not cfg.timestamped or cfg.audit_max_files == 0:
        return []
    olds = timestamped_backups(cfg)
    doomed = released(cfg, olds[: max(0, len(olds) - cfg.audit_max_files)])
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


def next_boundary(mode: str, created_ns: int) -> float | None:
    """Epoch seconds of the next local day / ISO week / month start after ``created_ns``, or
    None when the mode rotates on size only."""
    if mode not in ("daily", "weekly", "monthly"):
        return None
    start = dt.datetime.fromtimestamp(created_ns / 1e9).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    if mode == "daily":
        nxt = start + dt.timedelta(days=1)
    elif mode == "weekly":
        nxt = start + dt.timedelta(days=7 - start.weekday())
    else:
        nxt = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return nxt.timestamp()
