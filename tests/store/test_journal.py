"""The store's log tail: the live log alone in the usual case, no gap when it rotates while
being read. Real log files, a real writer."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from seaudit.errors import LogCorruptError
from seaudit.store import Store, journal
from tests.store.damage import backups
from tests.store.test_store import make, small_segments


def test_tail_reads_the_live_log_and_follows_a_rotation_mid_read(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.open_log() as log:
        log.append_batch([make(i) for i in range(1, 11)])
        assert [e.seq for e in journal.tail(store.cfg, 4)] == list(range(5, 11))
        reader = journal.tail(store.cfg, 4)
        got = [next(reader).seq]
        log.rotate()  # the live log becomes a backup while the reader is inside it
        log.append_batch([make(i) for i in range(11, 14)])
        got += [e.seq for e in reader]
        assert got == list(range(5, 14))
        log.rotate()
        log.append_batch([make(i) for i in range(14, 16)])
        # the tail starts in a backup: the listing of every file is needed
        assert [e.seq for e in journal.tail(store.cfg, 8)] == list(range(9, 16))
        assert [e.seq for e in journal.tail(store.cfg, 15)] == []


def test_tail_of_a_store_without_a_log_is_empty(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert list(journal.tail(store.cfg, 0)) == []
    assert not Path(store.cfg.audit_log).exists()


def test_a_missing_backup_is_an_error_not_a_jump(tmp_path: Path) -> None:
    """Issue 8, finding 2: a seq no file holds stops the tail with the range it lacks."""
    store = small_segments(tmp_path)
    with store.open_log() as log:
        for start in range(0, 900, 100):
            log.append_batch([make(i) for i in range(start + 1, start + 101)])
    middle = backups(tmp_path)[2]
    middle.unlink()
    with pytest.raises(LogCorruptError, match=r"records \d+\.\.\d+ are missing"):
        list(journal.tail(store.cfg, 0))
    after_gap = [e.seq for e in journal.tail(store.cfg, 800)]
    assert after_gap == list(range(801, 901))


def test_a_follower_sees_every_record_once_through_many_rotations(tmp_path: Path) -> None:
    """Issue 8, finding 2: a writer thread rotating every few dozen records while a reader
    polls the tail: the reader sees 1..N with no gap and no repeat, whatever the timing."""
    store = small_segments(tmp_path)
    total = 6000
    log = store.open_log()
    done = threading.Event()

    def write() -> None:
        try:
            for start in range(0, total, 20):
                log.append_batch([make(i) for i in range(start + 1, start + 21)])
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen: list[int] = []
    try:
        while not done.is_set() or (seen[-1] if seen else 0) < total:
            seen += [e.seq for e in journal.tail(store.cfg, seen[-1] if seen else 0)]
    finally:
        writer.join()
        log.close()
    assert seen == list(range(1, total + 1))
    assert len(backups(tmp_path)) > 20
