"""The store's audit log: its ``seos.ini`` and the calls into ``seaudit.log`` (one place).

The store writes its own ``seos.ini`` on first use: timestamped backups, all kept
(``audit_max_files = 0``), because the log is the record of truth ``seaudit reindex``
rebuilds Parquet from; 4 MB segments, so reading the live tail stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from seaudit.errors import LogCorruptError
from seaudit.log.reader import first_seq_in, read_open_segment

if TYPE_CHECKING:
    from seaudit.log import AuditLog, LogConfig
    from seaudit.log.payload import LogEntry

#: the store's [logmgr] settings, written to its seos.ini on first write
STORE_LOGMGR = {
    "audit_log": "seos.audit",
    "audit_back": "seos.audit.bak",
    "audit_size": "4096",
    "audit_max_files": "0",
    "BackUp_Date": "yes",
    "flush": "record",
    "on_full": "refuse",
}
DEFAULT_INI = (
    "; seaudit store: the audit log's settings (names as in the product's seos.ini [logmgr])\n"
    "[logmgr]\n" + "".join(f"{k} = {v}\n" for k, v in STORE_LOGMGR.items())
)


def config(root: Path, *, create: bool = False) -> LogConfig:
    """The store's log settings: its ``seos.ini``, written first when ``create`` (a writer);
    for a reader of a store without one, the settings it would be written with."""
    from seaudit.log import LogConfig

    ini = root / "seos.ini"
    if ini.exists():
        return LogConfig.load(ini)
    if not create:
        return LogConfig(
            audit_log=root / STORE_LOGMGR["audit_log"],
            audit_back=Path(STORE_LOGMGR["audit_back"]),
            audit_size=int(STORE_LOGMGR["audit_size"]),
            audit_max_files=int(STORE_LOGMGR["audit_max_files"]),
            backup_date=STORE_LOGMGR["BackUp_Date"],
            flush=STORE_LOGMGR["flush"],  # type: ignore[arg-type]
            on_full=STORE_LOGMGR["on_full"],
        )
    root.mkdir(parents=True, exist_ok=True)
    tmp = ini.with_name("seos.ini.tmp")
    tmp.write_text(DEFAULT_INI, encoding="utf-8")
    os.replace(tmp, ini)
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
    """Entries with seq > ``after``, walked by seq: each file is the one holding the next seq
    (the live log alone in the usual case, else the backups rotated since, in seq order), and
    every entry must be the next seq. A rotation meanwhile is followed through the backup the
    live log became; a seq that no file holds is a ``LogCorruptError``, never a silent jump.
    Ends at the end of the live log as it is now."""
    expect = after + 1
    files = _Files(cfg)
    while True:
        found = files.holder(expect)
        if found is None:
            return  # nothing at or after ``expect`` yet
        path, first = found
        if first > expect:
            raise _gap(cfg, expect, first, path)
        live = path == cfg.audit_log
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            files.forget()  # rotated away between the listing and the open: look again
            continue
        with handle:
            if first_seq_in(handle) != first:
                files.forget()  # a rotation replaced it after its header was read
                continue
            for entry in read_open_segment(path, handle, after=expect - 1, live=live):
                if entry.seq != expect:
                    raise _gap(cfg, expect, entry.seq, path)
                expect += 1
                yield entry
            if live and _same_file(handle, path):
                return  # the live log, still live: this is the end for now
        if live:
            files.forget()  # it became a backup: list again
        else:
            files.spent.add((path.name, first))


class _Files:
    """The log's files by first seq, listed once and again only when a rotation or a miss
    makes the listing stale; sealed backups' first seqs read once (by name and inode)."""

    def __init__(self, cfg: LogConfig) -> None:
        self.cfg = cfg
        self.listing: list[tuple[Path, int]] | None = None
        self.spent: set[tuple[str, int]] = set()  # sealed backups read to their end
        self._firsts: dict[tuple[str, int], int] = {}

    def forget(self) -> None:
        self.listing = None

    def holder(self, seq: int) -> tuple[Path, int] | None:
        """The file that should hold ``seq`` (the last whose first seq is at most ``seq``,
        unless read to its end) and its first seq; else the first file after it (then
        records are missing); None when no file reaches that far."""
        from seaudit.log.rotate import first_seq_of

        first = first_seq_of(self.cfg.audit_log)
        if 0 < first <= seq:
            return self.cfg.audit_log, first  # the usual case: one header read
        for fresh in (self.listing is None, True):
            if self.listing is None:
                self.listing = self._list()
            found = self._choose(seq)
            if fresh or (found is not None and found[1] <= seq):
                return found
            self.listing = None  # nothing holds it in an old listing: list again
        return None  # not reached: the second pass lists afresh

    def _choose(self, seq: int) -> tuple[Path, int] | None:
        assert self.listing is not None
        before = [(p, f) for p, f in self.listing if f <= seq]
        if before:
            path, first = max(before, key=lambda pf: pf[1])
            if (path.name, first) not in self.spent:
                return path, first
        later = [(p, f) for p, f in self.listing if f > seq]
        return min(later, key=lambda pf: pf[1]) if later else None

    def _list(self) -> list[tuple[Path, int]]:
        from seaudit.log.rotate import backups

        files = [(p, self._first(p)) for p in backups(self.cfg, self._first)]
        live = self.cfg.audit_log
        files.append((live, _live_first(live)))
        return [(p, f) for p, f in files if f > 0]

    def _first(self, path: Path) -> int:
        from seaudit.log.rotate import first_seq_of

        try:
            key = (path.name, os.stat(path).st_ino)
        except FileNotFoundError:
            return -1
        if key not in self._firsts:
            self._firsts[key] = first_seq_of(path)
        return self._firsts[key]


def _same_file(handle: BinaryIO, path: Path) -> bool:
    try:
        now = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(handle.fileno())
    return (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)


def _live_first(path: Path) -> int:
    """The live log's first seq (-1 while there is none: between the two renames of a
    rotation). A file that holds a whole header that does not decode is damage, never a log
    to pass over: that would hide its records."""
    from seaudit.log.frame import HEADER_SIZE, decode_header

    try:
        with path.open("rb") as handle:
            head = handle.read(HEADER_SIZE)
    except FileNotFoundError:
        return -1
    try:
        return decode_header(head).first_seq
    except ValueError:
        if len(head) < HEADER_SIZE:
            return -1  # cut short: not damage this reader can name (verify does)
        err = LogCorruptError(f"{path}: its header is damaged (not a seaudit log header)")
        err.hint = "run `seaudit verify` to see the damage"
        raise err from None


def _gap(cfg: LogConfig, expect: int, found: int, path: Path) -> LogCorruptError:
    err = LogCorruptError(
        f"{cfg.audit_log}: records {expect}..{found - 1} are missing: the next record "
        f"found ({path}) is seq {found}"
    )
    err.hint = "run `seaudit verify` to see which log file is missing or damaged"
    return err
