"""A filter's records on Spark in log order, in bounded memory, however many there are.

A global sort and ``toLocalIterator`` hold whole sorted partitions in the driver (a 2.2 M-row
answer ran a 1 GiB heap out of memory). Instead, each store's rows are fetched in windows of
seq placed from the manifest alone (``FileEntry.first``/``last``/``rows``, see ``windows``),
each holding at most ``window_rows`` stored rows: one Spark job per window over the files
that reach it (Parquet's seq statistics skip the row groups outside it), collected as Arrow
(no Python object per row on the way) and put in seq order in Arrow. Every stored row is in
one window, so the files are scanned once in all, as by one big query. ``window_rows``
comes from the files' own footers (the widest row group's uncompressed bytes per row), so
wide rows make small windows. The live tail (above the watermark, already in Python)
follows each store's Parquet rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord
from seaudit.spark import frames
from seaudit.spark.session import heap_bytes
from seaudit.store.manifest import FileEntry

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]
    from pyspark.sql import DataFrame, SparkSession

#: uncompressed Parquet bytes of rows fetched per Spark job: the driver holds one window, in
#: the JVM and in Arrow here, while it is given out; at most this, at most 1/16 of the heap
WINDOW_BYTES = 64 * 2**20
HEAP_SHARE = 16

Window = tuple[int, int]  # first and last seq, inclusive


def in_log_order(records: frames.Records, flt: Filter) -> Iterator[AuditRecord]:
    """The records of ``records`` (read with ``flt``), store by store, each by seq."""
    heap = heap_bytes(records.spark)
    budget = WINDOW_BYTES if heap is None else min(WINDOW_BYTES, heap // HEAP_SHARE)
    for part in records.parts:
        entries = part.snapshot.entries
        if entries:
            rows = window_rows(part.snapshot.paths, budget)
            for window in windows(entries, rows):
                yield from _window_records(records.spark, part, flt, window)
        for _, record in part.tail:
            yield record


def window_rows(footers: Sequence[str], budget: int) -> int:
    """Rows per window: ``budget`` bytes over the widest row group's bytes per row among the
    Parquet files at ``footers`` (this process's own view of them)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    widest = 1.0
    for path in footers:
        meta = pq.read_metadata(path)
        for i in range(meta.num_row_groups):
            group = meta.row_group(i)
            if group.num_rows:
                widest = max(widest, group.total_byte_size / group.num_rows)
    return max(1, int(budget // widest))


def windows(entries: Sequence[FileEntry], rows: int) -> list[Window]:
    """Seq ranges covering ``entries``, each holding at most ``rows`` stored rows (so at most
    ``rows`` matching ones), as few as that allows. Files whose seq ranges overlap (other
    nodes' files of the same hours) are one group; a group of more than ``rows`` rows is cut
    into ranges ``rows`` seqs wide (a store's seqs are distinct, so no wider range holds
    more); consecutive pieces are then packed while their rows add up to at most ``rows``."""
    pieces: list[tuple[int, int, int]] = []  # first seq, last seq, most rows it can hold
    for first, last, held in _groups(entries):
        if held <= rows:
            pieces.append((first, last, held))
            continue
        for start in range(first, last + 1, rows):
            end = min(start + rows - 1, last)
            pieces.append((start, end, end - start + 1))
    out: list[list[int]] = []
    for first, last, held in pieces:
        if out and out[-1][2] + held <= rows:
            out[-1][1:] = [last, out[-1][2] + held]
        else:
            out.append([first, last, held])
    return [(first, last) for first, last, _ in out]


def _groups(entries: Sequence[FileEntry]) -> Iterator[tuple[int, int, int]]:
    """(first seq, last seq, rows) of each run of files whose seq ranges overlap, in order."""
    group: list[int] = []
    for entry in sorted(entries, key=lambda e: e.first):
        if group and entry.first <= group[1]:
            group[1:] = [max(group[1], entry.last), group[2] + entry.rows]
        else:
            if group:
                yield group[0], group[1], group[2]
            group = [entry.first, entry.last, entry.rows]
    if group:
        yield group[0], group[1], group[2]


def _window_records(
    spark: SparkSession, part: frames.Part, flt: Filter, window: Window
) -> Iterator[AuditRecord]:
    from seaudit.store.columns import from_batch

    first, last = window
    reach = [p for p, e in zip(part.paths, part.snapshot.entries, strict=True) if _meets(e, window)]
    frame = frames.matching(
        spark, frames.parquet(spark, reach), flt, f"seq BETWEEN {first} AND {last}"
    )
    table = _arrow(frame).sort_by("seq")
    for batch in table.to_batches():
        for _, record in from_batch(batch):
            yield record


def _meets(entry: FileEntry, window: Window) -> bool:
    return entry.first <= window[1] and entry.last >= window[0]


def _arrow(frame: DataFrame) -> pa.Table:
    """The frame's rows as one Arrow table (a window: bounded)."""
    return frame.toArrow()
