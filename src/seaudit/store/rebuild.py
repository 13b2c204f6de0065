"""``reindex``: a new Parquet tree from the audit log, built beside the old one and swapped in
only when complete (``swap``), under the log's writer lock.

The log is read segment by segment, every record the next seq. A damaged segment or a seq
no file holds makes the rebuild stop and leave the old tree as it was, unless ``salvage``:
then every record the log still gives is kept, each seq range the log lost is taken from
the old Parquet files where they hold it (in files of their own, marked ``salvaged`` in
the manifest), and what neither holds is recorded in the manifest as lost and reported.
The old manifest is not needed (it may be the damage being repaired): without it, salvage
reads every file of the old tree that reads as Parquet.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seaudit.errors import LogCorruptError, SeauditError
from seaudit.log.lock import held
from seaudit.store import manifest as mf
from seaudit.store import swap
from seaudit.store.tree import SCAN, ParquetTree

if TYPE_CHECKING:
    import duckdb

    from seaudit.log import LogConfig, LogEntry
    from seaudit.schema.record import AuditRecord

BATCH = 100_000
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a reindex did: records from the log, ranges kept from old Parquet, ranges lost,
    and the damage found in the log."""

    records: int
    salvaged: tuple[Span, ...] = ()
    salvaged_records: int = 0
    lost: tuple[Span, ...] = ()
    damage: tuple[str, ...] = ()


REFUSED_HINT = (
    "the Parquet files were left as they were; `seaudit verify` shows the damage, and "
    "`seaudit reindex --salvage` rebuilds keeping every record it can prove"
)


def _refused(damage: list[str]) -> LogCorruptError:
    err = LogCorruptError(f"the log cannot be reindexed: {'; '.join(damage)}")
    err.hint = REFUSED_HINT
    return err


def reindex(root: Path, cfg: LogConfig, *, salvage: bool = False) -> Rebuilt:
    """Rebuild ``root``'s tree from its log (see the module doc)."""
    with held(cfg.audit_log):
        swap.recover(root)
        old = _OldTree(root / swap.TREE)
        build = root / swap.BUILD
        try:
            result = _build(ParquetTree(build), cfg, old, salvage)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
        swap.swap_in(root)
        return result


def _build(tree: ParquetTree, cfg: LogConfig, old: _OldTree, salvage: bool) -> Rebuilt:
    damage: list[str] = []
    salvaged: list[Span] = []
    lost: list[Span] = []
    kept = 0
    expect = 1
    done = 0
    chunk: list[tuple[int, AuditRecord]] = []

    def fill(upto: int) -> None:
        """Records ``expect..upto`` the log does not give: refused, or salvaged from Parquet
        a window of seqs at a time (bounded memory), what no file holds noted as lost."""
        nonlocal kept
        if not salvage:
            raise _refused(damage or [_missing(expect, upto)])
        tree.write(chunk, flush=False)
        chunk.clear()
        nxt = expect
        for rows in old.windows(expect, upto):
            tree.write(rows, flush=False, salvaged=True)
            kept += len(rows)
            for seq, _ in rows:
                if seq > nxt:
                    lost.append((nxt, seq - 1))
                if salvaged and salvaged[-1][1] == seq - 1:
                    salvaged[-1] = (salvaged[-1][0], seq)
                else:
                    salvaged.append((seq, seq))
                nxt = seq + 1
        if nxt <= upto:
            lost.append((nxt, upto))

    for entry in _log_entries(cfg, damage):
        if entry.seq < expect:
            continue  # a repeated segment (should not happen): each seq once
        if entry.seq > expect:
            damage.append(_missing(expect, entry.seq - 1))
            fill(entry.seq - 1)
        elif damage and not salvage:
            raise _refused(damage)
        chunk.append((entry.seq, entry.record))
        expect = entry.seq + 1
        done += 1
        if len(chunk) >= BATCH:
            tree.write(chunk, flush=False)
            chunk.clear()
    beyond = old.watermark
    if beyond >= expect:
        damage.append(f"the log ends at seq {expect - 1}, the old Parquet files reach {beyond}")
        fill(beyond)
    elif damage:
        fill(expect - 1)  # damage at the very end of the log: nothing to fill, but refuse
    tree.write(chunk, flush=False)
    tree.flush()
    # the watermark: the log's end, or the last record kept beyond it (then the store holds
    # seqs the log will give again: writers refuse it until the log is restored)
    top = max(expect - 1, salvaged[-1][1] if salvaged else 0)
    tree.set_lost([(a, min(b, top)) for a, b in lost if a <= top], top)
    return Rebuilt(done, tuple(salvaged), kept, tuple(lost), tuple(damage))


def _log_entries(cfg: LogConfig, damage: list[str]) -> Iterator[LogEntry]:
    """Every record the log's files give, file by file; a damaged file's records up to the
    damage, the damage noted (the writer's lock is held: nothing rotates meanwhile)."""
    from seaudit.log import log_files, read_segment

    for path in log_files(cfg):
        try:
            yield from read_segment(path, live=path == cfg.audit_log)
        except (LogCorruptError, OSError) as exc:
            damage.append(str(exc))


def _missing(first: int, last: int) -> str:
    return f"records {first}..{last} are in no readable log file"


class _OldTree:
    """The tree being replaced, read for salvage: its manifest's files, or, when the manifest
    is unreadable, every file in it that reads as Parquet."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        try:
            manifest = mf.load(tree) if tree.is_dir() else mf.Manifest()
            self.files = [tree / f.path for f in manifest.files]
            self.watermark = manifest.watermark
        except SeauditError:
            self.files = sorted(tree.glob("day=*/node=*/seq-*.parquet"))
            spans = [mf.seq_range_of_name(p.name) for p in self.files]
            self.watermark = max((s[1] for s in spans if s), default=0)

    def windows(self, first: int, last: int) -> Iterator[list[tuple[int, AuditRecord]]]:
        """Rows with ``first <= seq <= last`` from every old file that can be read, in seq
        order, each seq once: a list per window of ``BATCH`` seqs."""
        import duckdb

        con = duckdb.connect(":memory:")
        try:
            for low in range(first, last + 1, BATCH):
                high = min(last, low + BATCH - 1)
                found = self._window(con, low, high)
                if found:
                    yield [(seq, found[seq]) for seq in sorted(found)]
        finally:
            con.close()

    def _window(
        self, con: duckdb.DuckDBPyConnection, low: int, high: int
    ) -> dict[int, AuditRecord]:
        import duckdb

        from seaudit.store.columns import from_batch

        found: dict[int, AuditRecord] = {}
        for path in self.files:
            span = mf.seq_range_of_name(path.name)
            if span is not None and (span[1] < low or span[0] > high):
                continue
            try:
                query = f"SELECT * FROM {SCAN} WHERE seq BETWEEN ? AND ?"
                reader = con.sql(query, params=[[str(path)], low, high])
                for batch in reader.to_arrow_reader(BATCH):
                    for seq, record in from_batch(batch):
                        found.setdefault(seq, record)
            except (duckdb.Error, OSError):
                continue  # a damaged old file: its rows are not provable
        return found
