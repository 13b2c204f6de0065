"""Import keys already stored, for one import: a snapshot of the store taken as it begins.

A key hashes (node, line, raw text) (``columns.dedup_key``), so a record of the import can
only equal a stored record of the same node on the same line: only that node's partition
is read, and only the rows whose ``line`` lies in the batch's range (Parquet row-group
statistics let DuckDB skip the rest). Records the import itself stores cannot match its
later records (each has its own line), so the snapshot stays right for the whole import;
its Parquet metadata is cached across batches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from seaudit.store.prune import Scope
from seaudit.store.tree import SCAN, node_dir

if TYPE_CHECKING:
    import duckdb
    import polars as pl
    import pyarrow as pa  # type: ignore[import-untyped]

    from seaudit.store import Store


class KeyLookup:
    """``lookup(keys, first_line, last_line)``: which keys are stored (see module doc). The
    store's log must hold nothing above ``Store.tree.pending_last`` (the import catches up
    first)."""

    def __init__(self, store: Store, node: str | None) -> None:
        self.pending: list[pa.Table] = store.tree.pending_tables()
        self.snapshot = store.snapshot(Scope(nodes=frozenset({node_dir(node)})))
        self.files = self.snapshot.paths
        self._con: duckdb.DuckDBPyConnection | None = None

    def __call__(self, keys: pl.Series, first_line: int, last_line: int) -> set[int]:
        import pyarrow as pa
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        found: set[int] = set()
        if not len(keys):
            return found
        incoming = keys.to_arrow().cast(pa.int64())
        if self.files:
            con = self._connect()
            con.register("incoming", pa.table({"k": incoming}))
            with self.snapshot.errors_named():
                rows = con.execute(
                    f"SELECT DISTINCT key FROM {SCAN} WHERE line BETWEEN ? AND ? "
                    "AND key IN (SELECT k FROM incoming)",
                    [self.files, first_line, last_line],
                ).fetchall()
            found.update(int(r[0]) for r in rows)
        for table in self.pending:
            column = table.column("key")
            found.update(column.filter(pc.is_in(column, value_set=incoming)).to_pylist())
        return found

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            import duckdb

            self._con = duckdb.connect(":memory:")
            self._con.execute("SET parquet_metadata_cache = true")
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
        self.snapshot.close()
