"""The store's audit log: its ``seos.ini`` and the calls into ``seaudit.log`` (one place).

The store writes its own ``seos.ini`` on first use: timestamped backups, all kept
(``audit_max_files = 0``), because the log is the record of truth ``seaudit reindex``
rebuilds Parquet from; 4 MB segments, so reading the live tail stays cheap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seaudit.log import AuditLog, LogConfig
    from seaudit.log.payload import LogEntry

DEFAULT_INI = """\
; seaudit store: the audit log's settings (names as in the product's seos.ini [logmgr])
[logmgr]
audit_log = seos.audit
audit_back = seos.audit.bak
audit_size = 4096
audit_max_files = 0
BackUp_Date = yes
flush = record
on_full = refuse
"""


def config(root: Path) -> LogConfig:
    from seaudit.log import LogConfig

    ini = root / "seos.ini"
    if not ini.exists():
        root.mkdir(parents=True, exist_ok=True)
        ini.write_text(DEFAULT_INI, encoding="utf-8")
    return LogConfig.load(ini)


def open_log(cfg: LogConfig) -> AuditLog:
    from seaudit.log import AuditLog

    return AuditLog(cfg)


def entries(cfg: LogConfig, after: int = 0) -> Iterator[LogEntry]:
    """Log entries with seq > ``after``, oldest first (nothing when there is no log yet)."""
    from seaudit.log import log_files, read_log

    if not log_files(cfg):
        return iter(())
    return read_log(cfg, after=after)


def tail(cfg: LogConfig, after: int) -> Iterator[LogEntry]:
    """Entries with seq > ``after``, opening only the files that can hold them (the live log
    and the backups rotated since), so the cost follows the tail, not the history."""
    from seaudit.log import log_files, read_segment
    from seaudit.log.rotate import first_seq_of

    live = cfg.audit_log
    first = first_seq_of(live)
    if 0 <= first <= after + 1:  # the usual case: the tail is all in the live log
        last = after
        with contextlib.suppress(FileNotFoundError):
            for entry in read_segment(live, after=after, live=True):
                if entry.seq != last + 1:
                    break  # a newer live log: it rotated before we opened it
                last = entry.seq
                yield entry
        if first_seq_of(live) == first:
            return  # no rotation meanwhile: nothing can be missing
        after = last
    for _attempt in range(5):
        files = log_files(cfg)
        start = 0
        for i in range(len(files) - 1, -1, -1):
            if 0 <= first_seq_of(files[i]) <= after + 1:
                start = i
                break
        try:
            last = after
            for path in files[start:]:
                for entry in read_segment(path, after=last, live=path == cfg.audit_log):
                    last = entry.seq
                    yield entry
            return
        except FileNotFoundError:  # rotated away meanwhile: list again, go on after ``last``
            after = last
    yield from entries(cfg, after)
