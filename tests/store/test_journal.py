"""The store's log tail: the live log alone in the usual case, no gap when it rotates while
being read. Real log files, a real writer."""

from __future__ import annotations

from pathlib import Path

from seaudit.store import Store, journal
from tests.store.test_store import make


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
