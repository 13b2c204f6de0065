"""``compact``: a long-lived store's small Parquet files (one per flush, per day and node)
merged into large ones, so queries open few files on either engine.

Runs as the store's writer (the log's lock held, the tree recovered: ``Store.open_log``).
Within each day and node directory, consecutive files (by seq) are merged, in seq order,
into files of up to ``TARGET_ROWS`` rows; salvaged files only with salvaged ones. DuckDB
reads the inputs, pyarrow writes the output as the tree writes every file (zstd, the same
row groups, the stored schema); the new files are written as ``.tmp``, synced and renamed,
then one manifest replaces the inputs by them (same watermark, same lost ranges), then the
inputs are deleted. A reader's snapshot holds its files open, so it keeps reading the
inputs it took; a crash leaves either manifest, and the next writer removes the files the
current one does not list. A merged file names its first and last seq; rows of other
directories may lie between them, as they may between any two files of one directory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import LogLockedError
from seaudit.store import manifest as mf
from seaudit.store.manifest import FileEntry
from seaudit.store.tree import ROW_GROUP, SCAN, ParquetTree

TARGET_ROWS = 2_000_000  # rows per merged file (a few dozen MB of zstd)


@dataclass(frozen=True, slots=True)
class Compacted:
    files_before: int
    files_after: int
    merged: int  # input files replaced
    written: int  # output files written
    rows: int  # rows moved


def compact(root: Path, *, target_rows: int = TARGET_ROWS, wait: float = 0.0) -> Compacted:
    """Merge the small files of the store at ``root`` (waiting up to ``wait`` seconds for
    its writer's lock)."""
    from seaudit.store import Store

    store = Store(root)
    deadline = time.monotonic() + wait
    while True:
        try:
            log = store.open_log()
            break
        except LogLockedError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
    try:
        return compact_tree(store.tree, target_rows)
    finally:
        log.close()


def compact_tree(tree: ParquetTree, target_rows: int = TARGET_ROWS) -> Compacted:
    """``compact`` on a tree its caller writes (holding the lock)."""
    tree.flush()
    before = tree.manifest
    runs = list(_runs(before.files, target_rows))
    if not runs:
        n = len(before.files)
        return Compacted(n, n, 0, 0, 0)
    written = [_merge(tree.root, run) for run in runs]
    replaced = {f.path for run in runs for f in run}
    kept = [f for f in before.files if f.path not in replaced]
    after = mf.Manifest(before.watermark, (), before.lost).with_files(
        [*kept, *written], before.watermark
    )
    tree._publish(after)
    for path in sorted(replaced):
        (tree.root / path).unlink(missing_ok=True)
    rows = sum(f.rows for run in runs for f in run)
    return Compacted(len(before.files), len(after.files), len(replaced), len(written), rows)


def _runs(files: Sequence[FileEntry], target_rows: int) -> Iterator[list[FileEntry]]:
    """Groups of two or more files to merge: per directory and salvaged flag, consecutive
    small files (by seq) up to ``target_rows`` rows in all."""
    groups: dict[tuple[str, bool], list[FileEntry]] = {}
    for entry in sorted(files, key=lambda f: (f.first, f.path)):
        groups.setdefault((entry.path.rsplit("/", 1)[0], entry.salvaged), []).append(entry)
    for entries in groups.values():
        run: list[FileEntry] = []
        for entry in entries:
            if run and sum(f.rows for f in run) + entry.rows > target_rows:
                if len(run) > 1:
                    yield run
                run = []
            if entry.rows >= target_rows:
                continue  # already large: left as it is
            run.append(entry)
        if len(run) > 1:
            yield run


def _merge(root: Path, run: list[FileEntry]) -> FileEntry:
    """One file holding the rows of ``run``, in seq order, written beside them."""
    import duckdb
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from seaudit.store.columns import arrow_schema

    first, last = run[0].first, max(f.last for f in run)
    directory = root / run[0].path.rsplit("/", 1)[0]
    final = directory / f"seq-{first:012d}-{last:012d}.parquet"
    tmp = final.with_name(final.name + ".tmp")
    schema = arrow_schema()
    con = duckdb.connect(":memory:")
    try:
        paths = [str(root / f.path) for f in run]
        reader = con.sql(f"SELECT * FROM {SCAN} ORDER BY seq", params=[paths]).to_arrow_reader(
            ROW_GROUP
        )
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(
                    batch.select(schema.names).cast(schema), row_group_size=ROW_GROUP
                )
    finally:
        con.close()
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    rows = sum(f.rows for f in run)
    entry = mf.describe(tmp, first, last, rows, root)
    os.replace(tmp, final)
    mf.sync_dir(directory)
    rel = final.relative_to(root).as_posix()
    return FileEntry(rel, first, last, rows, entry.size, entry.sha256, run[0].salvaged)
