"""The writer's lock of a log (``<audit_log>.lock``, flock): one place that takes it, for the
log's writer and for whoever must write the store beside it without appending (reindex)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from seaudit.errors import LogLockedError, LogWriteError


def acquire(live: Path) -> int:
    """Take the lock of the log at ``live`` (not waiting); returns the descriptor holding it."""
    try:
        live.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{live}.lock", os.O_RDWR | os.O_CREAT, 0o640)
    except OSError as exc:
        raise LogWriteError(f"cannot open the log in {live.parent}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise LogLockedError(f"{live} is open for writing by another process") from None
    return fd


@contextlib.contextmanager
def held(live: Path) -> Iterator[None]:
    """The lock, for the duration of a ``with`` block."""
    fd = acquire(live)
    try:
        yield
    finally:
        os.close(fd)
