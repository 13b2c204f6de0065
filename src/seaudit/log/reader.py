"""Read the log back in order: backups oldest first, then the live log.

Every frame's CRC, or every block's head CRC and payload CRCs, is checked (cheap); the hash
chain is left to ``verify_log``. A torn tail on
the live log (a writer killed mid-write, or still writing) ends the walk quietly; damage
anywhere else raises ``LogCorruptError`` rather than skipping a record silently.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from seaudit.errors import LogCorruptError
from seaudit.log.config import LogConfig
from seaudit.log.frame import HEADER_SIZE, Header, Scan, decode_header, valid_frame_after
from seaudit.log.payload import LogEntry, decode_record
from seaudit.log.rotate import log_files


@contextlib.contextmanager
def mapped(handle: BinaryIO) -> Iterator[bytes | mmap.mmap]:
    """The file's bytes as they are now (an mmap; bytes for an empty file)."""
    size = os.fstat(handle.fileno()).st_size
    if size == 0:
        yield b""
        return
    view = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ)
    try:
        yield view
    finally:
        view.close()


def read_header(path: Path, data: bytes | mmap.mmap) -> Header:
    try:
        return decode_header(data[:HEADER_SIZE])
    except ValueError as exc:
        raise LogCorruptError(f"{path}: {exc}") from None


def _entries(path: Path, handle: BinaryIO, after: int, live: bool) -> Iterator[LogEntry]:
    with mapped(handle) as data:
        read_header(path, data)
        scan = Scan(data, after=after)
        for block in scan:
            seq = block.first_seq
            for payload in block.payloads():
                if seq > after:
                    try:
                        record = decode_record(payload)
                    except ValueError as exc:
                        raise LogCorruptError(
                            f"{path}: offset {block.offset}: seq {seq}: "
                            f"payload is not a record: {exc}"
                        ) from None
                    yield LogEntry(seq, record)
                seq += 1
        if scan.stop == "eof":
            return
        if live and valid_frame_after(data, scan.stop_offset) < 0:
            return  # torn tail: cut by the next writer that opens the log
        raise LogCorruptError(f"{path}: damaged frame at offset {scan.stop_offset}")


def read_segment(path: str | Path, *, after: int = 0, live: bool = False) -> Iterator[LogEntry]:
    """The records of one log file (for instance a backup just rotated), in order."""
    path = Path(path)
    with path.open("rb") as handle:
        yield from _entries(path, handle, after, live)


def read_open_segment(
    path: Path, handle: BinaryIO, *, after: int = 0, live: bool = False
) -> Iterator[LogEntry]:
    """``read_segment`` of a file already open (``path`` names it in errors): a follower
    reads the very file whose header it checked, whatever a rotation renames meanwhile."""
    return _entries(path, handle, after, live)


def read_log(cfg: LogConfig, *, after: int = 0) -> Iterator[LogEntry]:
    """Every record with seq > ``after``, oldest first, origin restored.

    All files are opened before the first record is read, so a rotation meanwhile does not
    skip or repeat a segment (open descriptors keep their file through a rename).
    """
    files = log_files(cfg)
    handles: list[tuple[Path, BinaryIO]] = []
    try:
        for path in files:
            with contextlib.suppress(FileNotFoundError):
                handles.append((path, path.open("rb")))
        firsts = [first_seq_in(h) for _, h in handles]
        for i, (path, handle) in enumerate(handles):
            nxt = firsts[i + 1] if i + 1 < len(firsts) else None
            if nxt is not None and nxt > 0 and nxt - 1 <= after:
                continue
            yield from _entries(path, handle, after, live=path == cfg.audit_log)
    finally:
        for _, handle in handles:
            handle.close()


def first_seq_in(handle: BinaryIO) -> int:
    """The first seq an open log file's header announces (-1 if unreadable)."""
    head = os.pread(handle.fileno(), HEADER_SIZE, 0)
    try:
        return decode_header(head).first_seq
    except ValueError:
        return -1
