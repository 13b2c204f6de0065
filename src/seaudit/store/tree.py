"""The Parquet tree, as its one writer sees it: zstd files partitioned by day and node,
written in log order, listed in the manifest (``manifest``).

A file is named by the first and last seq it holds and keeps its rows in seq order.

Invariant: every log record with ``seq <= watermark`` is in exactly one file the manifest
lists, and no listed file holds a record above it. A batch is written as temporary files,
synced, renamed, and only then is the manifest (files and watermark together) replaced;
files that no manifest lists (a crash in between) are ignored by readers and removed by
``open_tree``, which only the log's writer (holding its lock) calls: readers never write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from seaudit.errors import StoreCorruptError
from seaudit.schema.record import AuditRecord
from seaudit.store import manifest as mf
from seaudit.store.bloom import LOOKUP_COLUMNS, blooms_of
from seaudit.store.columns import node_of, to_table
from seaudit.store.location import LOCAL_NODE, NODE_NAME
from seaudit.store.manifest import FileEntry, Manifest

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

DAY_PATTERN = r"\d{4}-\d{2}-\d{2}"
UNKNOWN_DAY = "0000-00-00"  # the partition of a row whose timestamp is not a date
_DAY = re.compile(DAY_PATTERN)
#: how every reader opens the Parquet files: columns matched by name, so a file written before
#: a column was added reads it as NULL (store schema version 2: a new field is additive, no
#: ``reindex`` after an upgrade); directory names are not columns
READ_OPTIONS = "hive_partitioning = false, union_by_name = true"
#: the Parquet files, given as a bound list
SCAN = f"read_parquet(?, {READ_OPTIONS})"
ROW_GROUP = 128 * 1024
FILE_ROWS = 200_000  # rows buffered before a bulk import writes files (bounds its memory)


def in_log_order(files: Sequence[FileEntry]) -> bool:
    """Whether these files (each in seq order), read one after the other in the order given,
    give their rows in seq order: true when their seq ranges do not overlap (one node logging
    in time order, the usual case), so a query need not sort."""
    return all(prev.last < nxt.first for prev, nxt in itertools.pairwise(files))


def day_of(record: AuditRecord) -> str:
    day = record.timestamp[:10]
    return day if _DAY.fullmatch(day) else UNKNOWN_DAY


def partition(day: str, node_name: str) -> str:
    """A row's directory under the tree: ``day=YYYY-MM-DD/node=NAME``."""
    return f"day={day}/node={node_name}"


def node_dir(node: str | None) -> str:
    if node is None:
        return LOCAL_NODE
    if NODE_NAME.fullmatch(node):
        return node
    digest = hashlib.blake2b(node.encode("utf-8", "surrogateescape"), digest_size=8)
    return "_x" + digest.hexdigest()


Job = tuple["pa.Table", "pa.Array", int, int, bool]  # rows, partitions, first, last, salvaged


class ParquetTree:
    """The tree at ``root`` with its manifest, for its one writer (see ``open_tree``)."""

    def __init__(self, root: Path, manifest: Manifest | None = None) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.manifest = manifest if manifest is not None else Manifest()
        #: buffered rows (each row's partition "day=D/node=N", first seq, last seq, salvaged)
        self._pending: list[Job] = []
        self._pending_rows = 0
        self._inflight: list[Job] = []  # a background flush's
        self._job: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def watermark(self) -> int:
        return self.manifest.watermark

    def files(self) -> list[Path]:
        """Every Parquet file the manifest lists, by the first seq it holds."""
        return [self.root / f.path for f in self.manifest.files]

    @property
    def pending_last(self) -> int:
        """Highest seq written or buffered (buffered rows are not yet under the watermark)."""
        if self._pending:
            return self._pending[-1][3]
        inflight = self._inflight  # the flush thread moves the watermark, then clears this
        return inflight[-1][3] if inflight else self.watermark

    def write(
        self,
        entries: Sequence[tuple[int, AuditRecord]],
        *,
        flush: bool = True,
        salvaged: bool = False,
    ) -> int:
        """Append entries (ascending seq); those at or below what is already written or
        buffered are skipped. Without ``flush``, rows are buffered as compact Arrow columns
        until ``FILE_ROWS`` (few, large files; little Python memory); returns how many.
        ``salvaged`` rows (kept from old Parquet by ``reindex --salvage``) go in files of
        their own, marked so in the manifest."""
        import pyarrow as pa

        entries = [e for e in entries if e[0] > self.pending_last]
        if entries:
            parts = pa.array(
                [partition(day_of(r), node_dir(node_of(r))) for _, r in entries], pa.string()
            )
            self._buffer(to_table(entries), parts, entries[0][0], entries[-1][0], salvaged)
        self._after_buffer(flush)
        return len(entries)

    def write_table(self, table: pa.Table, parts: pa.Array, *, flush: bool = True) -> int:
        """Append stored rows made column-wise (``columns.arrow_schema()``, ascending
        ``seq`` above everything written or buffered, consecutive) with each row's
        ``partition``; buffered and flushed as ``write`` does. Returns how many."""
        if table.num_rows:
            seqs = table.column("seq")
            first, last = seqs[0].as_py(), seqs[-1].as_py()
            if first <= self.pending_last:
                raise ValueError(
                    f"rows from seq {first} are at or below seq "
                    f"{self.pending_last}, already written"
                )
            self._buffer(table, parts, first, last, False)
        self._after_buffer(flush)
        return int(table.num_rows)

    def _after_buffer(self, flush: bool) -> None:
        if flush:
            self.flush()
        elif self._pending_rows >= FILE_ROWS:
            self.flush(background=True)

    def _buffer(self, table: pa.Table, parts: pa.Array, first: int, last: int, salv: bool) -> None:
        if self._pending and self._pending[-1][4] != salv:
            self.flush()  # salvaged rows and log rows never share a file
        self._pending.append((table, parts, first, last, salv))
        self._pending_rows += table.num_rows

    def pending_tables(self) -> list[pa.Table]:
        """The rows not yet under the watermark (buffered, or being written)."""
        return [job[0] for job in (*self._inflight, *self._pending)]

    def set_lost(self, lost: Sequence[tuple[int, int]], watermark: int) -> None:
        """Record seq ranges nothing could recover, and move the watermark past them."""
        self.wait()
        m = self.manifest
        self._publish(Manifest(max(m.watermark, watermark), m.files, (*m.lost, *lost)))

    def flush(self, *, background: bool = False) -> None:
        """Write the buffered rows as one file per (day, node), then replace the manifest; in
        a background thread when asked (pyarrow works without the GIL), one at a time.
        Until the manifest moves, the rows are still found by ``pending_tables``."""
        self.wait()
        if not self._pending:
            return
        job = self._pending
        if not background:
            self._write_files(job)
            self._pending, self._pending_rows = [], 0
            return
        self._inflight = job  # before the buffer is emptied: readers always find the rows
        self._pending, self._pending_rows = [], 0

        def run() -> None:
            try:
                self._write_files(job)
            except BaseException as exc:  # raised again by ``wait``
                self._error = exc
            finally:
                self._inflight = []

        self._job = threading.Thread(target=run, name="seaudit-parquet")
        self._job.start()

    def wait(self) -> None:
        """Wait for a background flush; its error, if any, is raised here."""
        if self._job is not None:
            self._job.join()
            self._job = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write_files(self, job: list[Job]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        last = job[-1][3]
        salvaged = job[-1][4]
        table = pa.concat_tables([j[0] for j in job])
        parts = pa.chunked_array([j[1] for j in job], pa.string())
        groups = pc.unique(parts).to_pylist()
        done: list[tuple[Path, Path, FileEntry]] = []
        for name in groups:
            part = table if len(groups) == 1 else table.filter(pc.equal(parts, name))
            directory = self.root / name
            directory.mkdir(parents=True, exist_ok=True)
            low, high = (v.as_py() for v in pc.min_max(part.column("seq")).values())
            final = directory / f"seq-{low:012d}-{high:012d}.parquet"
            tmp = final.with_name(final.name + ".tmp")
            pq.write_table(part, tmp, compression="zstd", row_group_size=ROW_GROUP)
            _fsync(tmp)
            entry = dataclasses.replace(
                mf.describe(tmp, low, high, part.num_rows, self.root),
                path=final.relative_to(self.root).as_posix(),
                salvaged=salvaged,
                blooms=blooms_of(part),
            )
            done.append((tmp, final, entry))
        for tmp, final, _ in done:
            os.replace(tmp, final)
        for directory in {final.parent for _, final, _ in done}:
            mf.sync_dir(directory)
        self._publish(self.manifest.with_files((e for _, _, e in done), last))

    def _publish(self, manifest: Manifest) -> None:
        mf.write(self.root, manifest)
        self.manifest = manifest


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def open_tree(root: Path, log_last: int) -> ParquetTree:
    """The store's tree for its writer, who holds the log's lock: an interrupted ``reindex``
    swap finished or undone, a store of the format before the manifest migrated (its files
    hashed into a manifest), files no manifest lists (a crash mid-flush) and temporary files
    removed. A watermark above the log's last record (``log_last``) is refused: the log
    lost records the tree claims to hold, and appending would give their seqs again."""
    from seaudit.store import swap

    swap.recover(root)
    tree_dir = root / swap.TREE
    manifest = mf.load(tree_dir) if tree_dir.is_dir() else Manifest()
    if manifest.watermark > log_last:
        err = StoreCorruptError(
            f"{tree_dir / mf.MANIFEST}: the Parquet files reach seq {manifest.watermark}, "
            f"the audit log only {log_last}: the log lost records (or is another store's)"
        )
        err.hint = (
            "run `seaudit verify`; `seaudit reindex --salvage` rebuilds from the log and "
            "keeps the records only Parquet still holds"
        )
        if any(f.salvaged and f.last > log_last for f in manifest.files):
            err.hint = (
                "the store keeps records salvaged beyond the log's end (reindex --salvage): "
                "restore the log's missing files before writing to this store again"
            )
        raise err
    tree = ParquetTree(tree_dir, manifest)
    if manifest.legacy:
        tree._publish(_migrated(tree_dir, manifest))
        (tree_dir / mf.LEGACY_WATERMARK).unlink(missing_ok=True)
    _remove_unlisted(tree_dir, tree.manifest)
    return tree


def _migrated(tree_dir: Path, legacy: Manifest) -> Manifest:
    """The manifest of a store from before manifests: its files hashed, rows counted."""
    import pyarrow.parquet as pq

    files = []
    for f in legacy.files:
        path = tree_dir / f.path
        parquet = pq.ParquetFile(path)
        rows = parquet.metadata.num_rows
        names = [c for c in LOOKUP_COLUMNS if c in parquet.schema_arrow.names]
        blooms = blooms_of(parquet.read(columns=names))
        entry = mf.describe(path, f.first, f.last, rows, tree_dir)
        files.append(dataclasses.replace(entry, blooms=blooms))
    return Manifest(legacy.watermark, tuple(files))


def _remove_unlisted(tree_dir: Path, manifest: Manifest) -> None:
    listed = {f.path for f in manifest.files} | {mf.MANIFEST}
    for path in sorted(tree_dir.rglob("*"), reverse=True):
        rel = path.relative_to(tree_dir).as_posix()
        if path.is_dir():
            with contextlib.suppress(OSError):
                path.rmdir()  # only when empty
        elif rel not in listed:
            path.unlink()
