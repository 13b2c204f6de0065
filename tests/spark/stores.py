"""Stores for the Spark tests as a long-lived store has them: several flushes (several files
per day and node), records of several nodes (one whose name is hashed into its directory,
one with none), hostile strings, and the newest records left in the live tail."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store
from seaudit.text.reader import read_file, records_only
from tests.report.scenario import scenario

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
#: node names: plain, one hashed into ``_x…`` (not a host-like name), and none (``_local``)
NODES: tuple[str | None, ...] = ("web01", "db 02/é", None)


def corpus_records() -> list[AuditRecord]:
    """The test corpus (hostile strings included) and the reports' scenario, spread over
    the nodes."""
    out: list[AuditRecord] = []
    for name in ("unix_plain.txt", "windows.txt", "hostile.txt", "unix_sessionid.txt"):
        out += records_only(read_file(str(CORPUS / name)))
    out += scenario()
    spread = []
    for i, record in enumerate(out):
        old = record.origin
        node = NODES[i % len(NODES)]
        origin = Origin(old.source if old else "t.txt", old.line if old else i, None, node)
        if old is not None:
            origin = Origin(old.source, old.line, old.raw, node)
        spread.append(record.replace(origin=origin))
    return spread


def layered(
    root: Path, records: Sequence[AuditRecord], *, flushes: int = 3, tail: int = 7
) -> Store:
    """A store at ``root`` holding ``records``: all but the last ``tail`` in Parquet, written
    in ``flushes`` flushes; the last ``tail`` only in the live log."""
    store = Store(root)
    cut = max(len(records) - tail, 0)
    step = max(cut // flushes, 1)
    with store.open_log() as log:
        for start in range(0, cut, step):
            log.append_batch(list(records[start : min(start + step, cut)]))
            store.catch_up()
        if records[cut:]:
            log.append_batch(list(records[cut:]))
    return store
