"""The Parquet tree: zstd files partitioned by day and node, written in log order.

A file is named by the first and last seq it holds and keeps its rows in seq order.

Invariant: every log record with ``seq <= watermark`` is in exactly one Parquet file, and
no file holds a record above the watermark. A batch is written as temporary files, renamed,
and only then is the watermark advanced (written atomically); on open, files of a batch
that did not reach the watermark (a crash in between) are removed, so they are rewritten
from the log instead of being counted twice.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from seaudit.schema.record import AuditRecord
from seaudit.store.columns import node_of, to_table
from seaudit.store.location import LOCAL_NODE, NODE_NAME

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

_FILE = re.compile(r"seq-(\d+)-(\d+)\.parquet")
DAY_PATTERN = r"\d{4}-\d{2}-\d{2}"
UNKNOWN_DAY = "0000-00-00"  # the partition of a row whose timestamp is not a date
_DAY = re.compile(DAY_PATTERN)
#: the Parquet files, given as a bound list; directory names are not columns
SCAN = "read_parquet(?, hive_partitioning = false)"
ROW_GROUP = 128 * 1024
FILE_ROWS = 200_000  # rows buffered before a bulk import writes files (bounds its memory)


def seq_range(path: Path) -> tuple[int, int]:
    """The first and last seq a Parquet file holds (from its name)."""
    m = _FILE.fullmatch(path.name)
    if m is None:
        raise ValueError(f"{path}: not a Parquet file of the store")
    return int(m[1]), int(m[2])


def in_log_order(files: Sequence[Path]) -> bool:
    """Whether these files (each in seq order), read one after the other, give their rows in
    seq order: true when their seq ranges do not overlap (one node logging in time order, the
    usual case), so a query need not sort."""
    ranges = sorted(seq_range(p) for p in files)
    return all(prev[1] < nxt[0] for prev, nxt in itertools.pairwise(ranges))


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


class ParquetTree:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._mark = self.root / "_watermark"
        self.watermark = int(self._mark.read_text()) if self._mark.exists() else 0
        #: buffered (rows, each row's partition "day=D/node=N", first seq, last seq)
        self._pending: list[tuple[pa.Table, pa.Array, int, int]] = []
        self._pending_rows = 0
        self._inflight: list[tuple[pa.Table, pa.Array, int, int]] = []  # a background flush's
        self._job: threading.Thread | None = None
        self._error: BaseException | None = None
        self._recover()

    def _recover(self) -> None:
        for path in self.root.rglob("*"):
            if path.name.endswith(".tmp"):
                path.unlink()
                continue
            m = _FILE.fullmatch(path.name)
            if m and int(m[2]) > self.watermark:
                path.unlink()

    def files(self) -> list[Path]:
        """Every Parquet file, by the first seq it holds."""
        return sorted(self.root.glob("day=*/node=*/seq-*.parquet"), key=seq_range)

    @property
    def pending_last(self) -> int:
        """Highest seq written or buffered (buffered rows are not yet under the watermark)."""
        if self._pending:
            return self._pending[-1][3]
        inflight = self._inflight  # the flush thread moves the watermark, then clears this
        return inflight[-1][3] if inflight else self.watermark

    def write(self, entries: Sequence[tuple[int, AuditRecord]], *, flush: bool = True) -> int:
        """Append entries (ascending seq); those at or below what is already written or
        buffered are skipped. Without ``flush``, rows are buffered as compact Arrow columns
        until ``FILE_ROWS`` (few, large files; little Python memory); returns how many."""
        import pyarrow as pa

        entries = [e for e in entries if e[0] > self.pending_last]
        if entries:
            parts = pa.array(
                [partition(day_of(r), node_dir(node_of(r))) for _, r in entries], pa.string()
            )
            self._buffer(to_table(entries), parts, entries[0][0], entries[-1][0])
        if flush:
            self.flush()
        elif self._pending_rows >= FILE_ROWS:
            self.flush(background=True)
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
            self._buffer(table, parts, first, last)
        if flush:
            self.flush()
        elif self._pending_rows >= FILE_ROWS:
            self.flush(background=True)
        return int(table.num_rows)

    def _buffer(self, table: pa.Table, parts: pa.Array, first: int, last: int) -> None:
        self._pending.append((table, parts, first, last))
        self._pending_rows += table.num_rows

    def pending_tables(self) -> list[pa.Table]:
        """The rows not yet under the watermark (buffered, or being written)."""
        return [t for t, _, _, _ in (*self._inflight, *self._pending)]

    def flush(self, *, background: bool = False) -> None:
        """Write the buffered rows as one file per (day, node), then move the watermark; in
        a background thread when asked (pyarrow works without the GIL), one at a time.
        Until the watermark moves, the rows are still found by ``pending_tables``."""
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

    def _write_files(self, job: list[tuple[pa.Table, pa.Array, int, int]]) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        last = job[-1][3]
        table = pa.concat_tables([t for t, _, _, _ in job])
        parts = pa.chunked_array([p for _, p, _, _ in job], pa.string())
        groups = pc.unique(parts).to_pylist()
        done: list[tuple[Path, Path]] = []
        for name in groups:
            part = table if len(groups) == 1 else table.filter(pc.equal(parts, name))
            directory = self.root / name
            directory.mkdir(parents=True, exist_ok=True)
            low, high = pc.min_max(part.column("seq")).values()
            final = directory / f"seq-{low.as_py():012d}-{high.as_py():012d}.parquet"
            tmp = final.with_name(final.name + ".tmp")
            pq.write_table(part, tmp, compression="zstd", row_group_size=ROW_GROUP)
            done.append((tmp, final))
        for tmp, final in done:
            os.replace(tmp, final)
        self._set_watermark(last)

    def _set_watermark(self, seq: int) -> None:
        tmp = self._mark.with_name("_watermark.tmp")
        tmp.write_text(str(seq))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self._mark)
        self.watermark = seq

    def clear(self) -> None:
        """Remove every Parquet file (for a rebuild from the log)."""
        self.wait()
        for path in sorted(self.root.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
            elif path.is_dir():
                path.rmdir()
        self.watermark = 0
        self._pending.clear()
        self._pending_rows = 0
