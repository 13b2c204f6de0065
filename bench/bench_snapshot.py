"""What the store's safety costs: a reader's snapshot and a writer's manifest, each beside a
baseline measured in the same run.

    PYTHONPATH=src python bench/bench_snapshot.py --records 1000000

- query: ``Store.count`` over every file (snapshot: one manifest read, every file opened and
  its size and magic checked, DuckDB reading ``/proc/self/fd/N``, then the log's tail)
  against the same DuckDB count over the files' own paths and the same tail (what a reader
  did before the manifest);
- flush: hashing a written Parquet file for the manifest (SHA-256 read back) and the atomic
  manifest write, against writing that Parquet file.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from seaudit.query import TRUE  # noqa: E402
from seaudit.query.spec import Filter  # noqa: E402
from seaudit.schema.record import AuditRecord, Origin  # noqa: E402
from seaudit.store import Store  # noqa: E402
from seaudit.store import manifest as mf  # noqa: E402
from seaudit.store.tree import SCAN  # noqa: E402


def best(fn: Callable[[], object], runs: int = 7) -> float:
    """Median wall time of ``runs`` calls, in ms."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def record(i: int) -> AuditRecord:
    return AuditRecord(
        event="login",
        timestamp=f"2024-05-{i % 28 + 1:02d}T{i % 24:02d}:{i % 60:02d}:00",
        status="PD"[i % 2],
        user=f"user{i % 500}",
        terminal=f"tty{i % 20}",
        stage=59,
        reason=2,
        origin=Origin("bench", i, f"line {i}", f"node{i % 4}"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="seaudit-bench-snapshot-"))
    try:
        store = Store(root)
        start = time.perf_counter()
        with store.open_log() as log:
            step = 100_000
            for low in range(0, args.records, step):
                batch = [record(i) for i in range(low, min(args.records, low + step))]
                last = log.append_batch(batch)
                entries = list(zip(range(last - len(batch) + 1, last + 1), batch, strict=True))
                store.ingest(entries, flush=False)
            store.flush()
        built = time.perf_counter() - start
        tree = store.tree
        files = [str(p) for p in tree.files()]
        print(f"{args.records} records in {len(files)} Parquet files (built in {built:.1f} s)")

        import duckdb

        con = duckdb.connect(":memory:")
        mark = tree.watermark

        def by_path() -> int:
            """The count as a reader made it before the manifest: the files by path."""
            row = con.execute(f"SELECT count(*) FROM {SCAN}", [files]).fetchone()
            return (row[0] if row else 0) + sum(1 for _ in store.tail(mark))

        assert by_path() == store.count(Filter(TRUE)) == args.records
        plain_runs, snap_runs = [], []
        for _ in range(7):  # alternated, so both see the same machine
            plain_runs.append(best(by_path, 1))
            snap_runs.append(best(lambda: store.count(Filter(TRUE)), 1))
        plain, snap = statistics.median(plain_runs), statistics.median(snap_runs)
        print(f"count, files by path + tail (baseline) {plain:8.1f} ms")
        print(f"count, snapshot + tail                 {snap:8.1f} ms  ({snap / plain:.2f}x)")

        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]

        table = pa.concat_tables([pq.read_table(p) for p in tree.files()])  # one big file
        out = root / "copy.parquet"
        write = best(lambda: pq.write_table(table, out, compression="zstd"), 5)
        digest = best(lambda: mf.sha256_of(out), 5)
        publish = best(lambda: mf.write(root, tree.manifest), 5)
        size = out.stat().st_size / 1e6
        print(f"write one Parquet file ({table.num_rows} rows, {size:.1f} MB) {write:8.1f} ms")
        print(f"  its SHA-256 for the manifest   {digest:8.1f} ms  ({digest / write:.1%})")
        print(f"  manifest write ({len(files)} files, fsync) {publish:8.1f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
