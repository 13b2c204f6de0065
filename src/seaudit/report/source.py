"""The records a filter selects, as one SQL relation: the Parquet files under the watermark
(filtered in DuckDB) and the live tail (filtered by the same filter's Python predicate, then
handed to DuckDB as an Arrow table), so reports and the web viewer aggregate in SQL and still
see a record the moment it is appended (as ``Store.select`` does). ``Records`` is what a
report reads, whichever engine answers it (``spark.relation`` is Spark's)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from seaudit.query.dialect import DUCKDB, Dialect
from seaudit.query.spec import Filter
from seaudit.store.columns import arrow_schema, to_table
from seaudit.store.prune import scope_of
from seaudit.store.tree import READ_OPTIONS, day_of

if TYPE_CHECKING:
    import duckdb

    from seaudit.store import Store
    from seaudit.store.snapshot import Snapshot

#: the name under which the live-tail rows are registered on a query's cursor
TAIL_VIEW = "live_tail"
#: the column naming each Parquet row's file (NULL for live-tail rows): its directory names
#: the day and node, so counts by day need not read the timestamps
FILE_COLUMN = "parquet_file"
SCAN = f"read_parquet(?, {READ_OPTIONS}, filename = '{FILE_COLUMN}')"


class Records(Protocol):
    """A filter's records as the relation ``records`` in some engine's SQL (``dialect``):
    Parquet rows carry ``parquet_file`` (NULL for the live tail's), which ``days`` maps to
    its day partition; ``tail_days`` counts the live tail's matching rows by day."""

    @property
    def dialect(self) -> Dialect: ...
    @property
    def days(self) -> dict[str, str]: ...
    @property
    def tail_days(self) -> Counter[str]: ...
    @property
    def watermarks(self) -> tuple[int, ...]: ...  # each store's, in the order read
    @property
    def tail_rows(self) -> int: ...

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Selection:
    """A filter's records on one cursor: ``cte`` is ``records AS (...)`` to put after WITH,
    ``params`` the values it binds (first in the query), ``files`` the Parquet files read (as
    DuckDB names them: the snapshot's descriptors), ``days`` each file's day partition. It
    holds the store's snapshot open: ``close`` it when done (it is a context manager)."""

    cursor: duckdb.DuckDBPyConnection
    cte: str
    params: tuple[object, ...]
    files: tuple[str, ...]
    days: dict[str, str]
    watermark: int
    tail_rows: int
    snapshot: Snapshot
    tail_days: Counter[str]
    dialect: Dialect = DUCKDB

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        """Run ``query`` (which reads ``records``; it may start with its own WITH) with its
        own ``params`` after ours."""
        head, sep, rest = query.partition("WITH ")
        text = (
            f"WITH {self.cte}, {rest}" if sep and not head.strip() else f"WITH {self.cte} {query}"
        )
        with self.snapshot.errors_named():
            return self.cursor.execute(text, [*self.params, *params]).fetchall()

    @property
    def watermarks(self) -> tuple[int, ...]:
        return (self.watermark,)

    def close(self) -> None:
        self.snapshot.close()

    def __enter__(self) -> Selection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def select(store: Store, flt: Filter) -> Selection:
    """The records of ``flt`` in ``store`` as the relation ``records`` (close it when done)."""
    snap = store.snapshot(scope_of(flt.expr))
    try:
        mark, files = snap.watermark, snap.paths
        days = {path: entry.day for path, entry in zip(files, snap.entries, strict=True)}
        pred = flt.predicate()
        tail = [(seq, r) for seq, r in store.tail(mark) if pred(r)]
        tail_days = Counter(day_of(r) for _, r in tail)
        cursor = store._connect()
        table = to_table(tail) if tail else arrow_schema().empty_table()
        cursor.register(TAIL_VIEW, table)
    except BaseException:
        snap.close()
        raise
    if not files:
        cte = f"records AS (SELECT *, NULL::VARCHAR AS {FILE_COLUMN} FROM {TAIL_VIEW})"
        return Selection(cursor, cte, (), (), days, mark, len(tail), snap, tail_days)
    where, params = flt.sql()
    cte = (
        f"records AS (SELECT * FROM {SCAN} WHERE {where} "
        f"UNION ALL BY NAME SELECT * FROM {TAIL_VIEW})"
    )
    bound = (files, *params)
    return Selection(cursor, cte, bound, tuple(files), days, mark, len(tail), snap, tail_days)
