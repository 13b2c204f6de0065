"""Log retention that waits for routing: a backup is deleted only once every destination
of ``seaudit route`` has acknowledged its last record, and what happens when such held
backups fill the disk is an explicit setting.

The holds are the route checkpoints (``checkpoint.py``, ``<log dir>/seos.route``): a router
registers each destination there before its first delivery, so a destination that has
taken nothing yet holds everything. A destination removed from the route file keeps its
checkpoint, and so its hold, until that file is deleted (deleting it gives up what that
destination has not taken).

``[selogrd] WhenHeldFull`` (the router copies it beside the checkpoints, where the log's
writer reads it) says what the writer does when the disk is full, ``on_full = rotate``,
and the oldest backup is still held:

==========  ================================================================================
refuse      (default) the record is refused with LogFullError; the log and its backups stay
            as they are, and appends succeed again once routing has freed a backup
stop        the writer stops: LogFullError now, and every later append fails until it is
            opened again
drop        the held backup is deleted anyway, and a record is appended saying which seqs
            were dropped before which destinations had them (a collector reports the gap)
==========  ================================================================================
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.log.config import LogConfig
from seaudit.log.rotate import first_seq_of, log_files
from seaudit.route.checkpoint import Checkpoints
from seaudit.schema.record import AuditRecord

CHOICES = ("refuse", "stop", "drop")
DEFAULT = "refuse"
CHOICE_FILE = "when_held_full"


def checkpoints_of(cfg: LogConfig) -> Checkpoints:
    """Where the routes of this log keep their checkpoints (and so their holds)."""
    return Checkpoints(cfg.audit_log.parent / "seos.route")


def owed_after(cfg: LogConfig) -> int | None:
    """The lowest seq any destination has acknowledged (every record after it is still owed
    to someone); ``None`` when the log is not routed."""
    marks = checkpoints_of(cfg).all()
    return min(marks.values()) if marks else None


def released(cfg: LogConfig, doomed: list[Path]) -> list[Path]:
    """Those of ``doomed`` (backups, oldest first) whose every record each destination has
    acknowledged: the oldest up to the first still held."""
    owed = owed_after(cfg)
    if owed is None or not doomed:
        return doomed
    files = log_files(cfg)
    out: list[Path] = []
    for path in doomed:
        if path not in files:
            continue
        k = files.index(path)
        following = first_seq_of(files[k + 1]) if k + 1 < len(files) else -1
        if following <= 0 or following - 1 > owed:
            break
        out.append(path)
    return out


def save_choice(cfg: LogConfig, choice: str) -> None:
    """Record the ``WhenHeldFull`` choice beside the checkpoints (written by the router)."""
    if choice not in CHOICES:
        raise UsageError(f"WhenHeldFull = {choice!r}: choose one of {', '.join(CHOICES)}")
    folder = checkpoints_of(cfg).directory
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{CHOICE_FILE}.tmp"
    tmp.write_text(choice + "\n", encoding="utf-8")
    os.replace(tmp, folder / CHOICE_FILE)


def choice_of(cfg: LogConfig) -> str:
    """The recorded ``WhenHeldFull`` choice (the default when none or not readable)."""
    with contextlib.suppress(OSError, UnicodeDecodeError):
        text = (checkpoints_of(cfg).directory / CHOICE_FILE).read_text(encoding="utf-8")
        if text.strip() in CHOICES:
            return text.strip()
    return DEFAULT


@dataclass(frozen=True, slots=True)
class HeldFull:
    """The disk is full and the oldest backup is held: the ``WhenHeldFull`` choice, the
    error to raise (``refuse``, ``stop``) and the record to append (``drop``)."""

    choice: str
    message: str
    notice: AuditRecord


def held_full(cfg: LogConfig, oldest: Path) -> HeldFull:
    files = log_files(cfg)
    first = first_seq_of(oldest)
    k = files.index(oldest) if oldest in files else -1
    last = first_seq_of(files[k + 1]) - 1 if 0 <= k < len(files) - 1 else first
    waiting = ", ".join(sorted(u for u, s in checkpoints_of(cfg).all().items() if s < last))
    waiting = waiting or "a destination"
    choice = choice_of(cfg)
    outcome = {
        "refuse": "the record was refused",
        "stop": "the writer stopped",
        "drop": "the backup was deleted",
    }[choice]
    return HeldFull(
        choice,
        f"{cfg.audit_log}: the disk is full and the oldest backup {oldest.name} (seqs "
        f"{first}..{last}) is not yet routed to {waiting}; WhenHeldFull = {choice}: {outcome}",
        AuditRecord(
            event="trace",
            timestamp=_now(),
            status="W",
            event_name="TRACE",
            user="seaudit",
            class_="AUDITLOG",
            resource=oldest.name,
            trace=(
                f"backup {oldest.name} (seqs {first}..{last}) deleted for room before "
                f"{waiting} had it (WhenHeldFull = drop)"
            ),
        ),
    )


def _now() -> str:
    import datetime as dt

    return dt.datetime.now().strftime("%Y-%m-%dT%H:%M:%S")
