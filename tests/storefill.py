"""Real stores for the report and web tests: records appended to a store's audit log, the
first ones moved to Parquet, the rest left in the live tail, as a running store has them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store


def fill(root: Path, records: Sequence[AuditRecord], *, parquet: int | None = None) -> Store:
    """A store at ``root`` holding ``records`` in log order: the first ``parquet`` (all when
    None) in Parquet files, the others only in the live log."""
    store = Store(root)
    cut = len(records) if parquet is None else parquet
    with store.open_log() as log:
        if records[:cut]:
            log.append_batch(list(records[:cut]))
            store.catch_up()
        if records[cut:]:
            log.append_batch(list(records[cut:]))
    return store


def on_node(record: AuditRecord, node: str | None, line: int = 1) -> AuditRecord:
    return record.replace(origin=Origin("test.txt", line, None, node))
