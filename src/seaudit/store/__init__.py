"""The embedded store: the audit log (truth) plus a Parquet tree (speed), queried as one.

A query runs in DuckDB over the Parquet files (records up to the watermark) and then over
the live tail (log records above the watermark, filtered by the same filter's Python
predicate), so a record is visible the moment ``append`` returns. Results come in log
order (``seq``). See ``location`` for the layout and ``tree`` for the crash rules.

One writer, many readers: only the log's writer (``open_log``, holding ``<audit_log>.lock``)
or ``reindex`` (same lock) writes the tree, and recovers it first. Every query reads a
snapshot (``snapshot.take``: one read of the manifest, its files held open) and never
creates, renames or deletes a file; a query on a store that does not exist yet answers as
an empty store.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seaudit.errors import UsageError
from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord
from seaudit.store import journal, snapshot, swap
from seaudit.store.columns import dedup_key, from_batch
from seaudit.store.manifest import load
from seaudit.store.prune import ANY, Scope, scope_of
from seaudit.store.snapshot import Snapshot
from seaudit.store.tree import SCAN, ParquetTree, in_log_order, open_tree

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa  # type: ignore[import-untyped]

    from seaudit.log import AuditLog
    from seaudit.store.rebuild import Rebuilt

BATCH = 100_000
LINE_BATCH = 65_536  # rows per Arrow batch of rendered lines (a few MB)
TAIL_CHUNK = 4096  # live-tail lines per chunk written
Entry = tuple[int, AuditRecord]
_DATABASE: duckdb.DuckDBPyConnection | None = None
_DATABASE_LOCK = threading.Lock()


@dataclass
class Stats:
    total: int = 0
    by_event: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_user: Counter[str] = field(default_factory=Counter)


class Store:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.cfg = journal.config(self.root)  # read only: a reader creates nothing
        self._tree: ParquetTree | None = None

    # --- writing -------------------------------------------------------------------------

    @property
    def tree(self) -> ParquetTree:
        """The tree as its writer holds it (after ``open_log``)."""
        if self._tree is None:
            raise UsageError(f"{self.root}: the store is not open for writing")
        return self._tree

    def open_log(self, *, read_back: bool = True) -> AuditLog:
        """The audit log (its lock taken, the store created on first use, the tree
        recovered), with rotated segments turned into Parquet as they rotate; without
        ``read_back`` the writer makes its rows itself (``ingest``, ``ingest_table``: an
        import, a collector, an agent replay) and nothing is read back from the log."""
        self.cfg = journal.config(self.root, create=True)
        log = journal.open_log(self.cfg)
        try:
            self._tree = open_tree(self.root, log.last_seq)
        except BaseException:
            log.close()
            raise
        if read_back:
            log.on_rotate = self._on_rotate
        return log

    def _on_rotate(self, path: Path) -> None:
        self.catch_up(rotated_only=True)

    def catch_up(self, *, rotated_only: bool = False, upto: int | None = None) -> int:
        """Write log records above the watermark into Parquet (only those in backups when
        ``rotated_only``, only up to ``upto`` when given); returns how many."""
        from seaudit.log import log_files, read_segment

        done = 0
        files = log_files(self.cfg)
        if rotated_only:
            files = [f for f in files if f != self.cfg.audit_log]
        for path in files:
            live = path == self.cfg.audit_log
            stream: Iterator[Entry] = (
                (e.seq, e.record) for e in read_segment(path, after=self.tree.watermark, live=live)
            )
            if upto is not None:
                stream = itertools.takewhile(lambda e: e[0] <= upto, stream)
            for chunk in batched(stream, BATCH):
                done += self.tree.write(chunk)
        return done

    def ingest(self, entries: list[Entry], *, flush: bool = True) -> int:
        """Parquet for entries just appended to the log (import: no read-back). Without
        ``flush`` the rows may wait in memory for ``flush()``; until then queries find them
        in the live tail, like any record above the watermark."""
        if not entries:
            return 0
        if entries[0][0] > self.tree.pending_last + 1:
            self.tree.flush()
            self.catch_up(upto=entries[0][0] - 1)
        return self.tree.write(entries, flush=flush)

    def ingest_table(self, table: pa.Table, parts: pa.Array, *, flush: bool = True) -> int:
        """``ingest`` for rows already made column-wise (``columns.arrow_schema()``, their
        log seqs consecutive, each row's partition in ``parts``: see ``tree.write_table``)."""
        if not table.num_rows:
            return 0
        first = table.column("seq")[0].as_py()
        if first > self.tree.pending_last + 1:
            self.tree.flush()
            self.catch_up(upto=first - 1)
        return self.tree.write_table(table, parts, flush=flush)

    def flush(self) -> None:
        self.tree.flush()

    def reindex(self, *, salvage: bool = False) -> Rebuilt:
        """Rebuild the Parquet tree from the whole log, beside the old one (``rebuild``)."""
        from seaudit.store.rebuild import reindex

        return reindex(self.root, self.cfg, salvage=salvage)

    # --- reading -------------------------------------------------------------------------

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection of its own (a cursor: safe to use beside other threads'), on
        the process's one in-memory database (``shared_database``)."""
        return Store.shared_database().cursor()

    @staticmethod
    def shared_database() -> duckdb.DuckDBPyConnection:
        """One in-memory DuckDB database for every store of the process, made on first use
        (a database costs ~20 ms to start; it holds nothing of a store's: each query names
        its files), so a long-running process (``serve``, ``warm``) starts it once."""
        import duckdb

        global _DATABASE
        with _DATABASE_LOCK:
            if _DATABASE is None:
                _DATABASE = duckdb.connect(":memory:")
            return _DATABASE

    def snapshot(self, scope: Scope = ANY) -> Snapshot:
        """The Parquet files a filter of ``scope`` can reach, as they are now, held open
        (close it when done)."""
        return snapshot.take(self.root, scope)

    def tail(self, after: int) -> Iterator[Entry]:
        for e in journal.tail(self.cfg, after):
            yield e.seq, e.record

    def select(self, flt: Filter, *, limit: int | None = None) -> Iterator[Entry]:
        """Matching records, in log order."""
        snap = self.snapshot(scope_of(flt.expr))
        try:
            count = 0
            if snap.fds:
                files = snap.paths
                sql, params = flt.sql()
                con = self._connect()
                query = f"SELECT * FROM {SCAN} WHERE {sql}{_order_by_seq(snap)}"
                if limit is not None:
                    query += f" LIMIT {int(limit)}"
                with snap.errors_named():
                    reader = con.sql(query, params=[files, *params]).to_arrow_reader(8192)
                    for batch in reader:
                        for entry in from_batch(batch):
                            yield entry
                            count += 1
        finally:
            snap.close()
        if limit is not None and count >= limit:
            return
        pred = flt.predicate()
        for seq, record in self.tail(snap.watermark):
            if pred(record):
                yield seq, record
                count += 1
                if limit is not None and count >= limit:
                    return

    def select_lines(
        self,
        flt: Filter,
        *,
        sessionid: bool = False,
        platform: str | None = None,
        limit: int | None = None,
    ) -> Iterator[bytes | memoryview]:
        """Matching records as the ``short`` format writes them (``render_short(record,
        sessionid=, platform=, missing=MISSING)``, a newline after each), in log order, as
        UTF-8 chunks of many lines. DuckDB renders the Parquet part column-wise (a Python
        object per row costs 10x more: see ``lines``); the rows it cannot promise to render
        exactly, and the live tail, are rendered by Python."""
        from seaudit.store import lines
        from seaudit.text.short import MISSING, render_short

        render = functools.partial(
            render_short, sessionid=sessionid, platform=platform, missing=MISSING
        )
        scope = scope_of(flt.expr)
        snap = self.snapshot(scope)
        try:
            count = 0
            if snap.fds:
                files = snap.paths
                sql, params = flt.sql()
                expr = lines.line_sql(sessionid=sessionid, platform=platform, events=scope.events)
                query = f"SELECT seq, {expr} FROM {SCAN} WHERE {sql}{_order_by_seq(snap)}"
                if limit is not None:
                    query += f" LIMIT {int(limit)}"
                con = self._connect()

                def fallback(seqs: list[int]) -> dict[int, bytes]:
                    rows = _rows(con.cursor(), files, seqs)
                    return {seq: _encode(render(record)) for seq, record in rows}

                with snap.errors_named():
                    reader = con.sql(query, params=[files, *params]).to_arrow_reader(LINE_BATCH)
                    for batch in reader:
                        count += batch.num_rows
                        yield from lines.chunks(batch.column(0), batch.column(1), fallback)
        finally:
            snap.close()
        if limit is not None and count >= limit:
            return
        pred = flt.predicate()
        buffer: list[bytes] = []
        for _, record in self.tail(snap.watermark):
            if pred(record):
                buffer.append(_encode(render(record)))
                count += 1
                if len(buffer) >= TAIL_CHUNK:
                    yield b"".join(buffer)
                    buffer.clear()
                if limit is not None and count >= limit:
                    break
        if buffer:
            yield b"".join(buffer)

    def _fetch(self, flt: Filter, select: str, tail: str = "") -> tuple[int, list[tuple[Any, ...]]]:
        """The watermark, and the rows of ``SELECT {select} FROM files WHERE filter {tail}``
        over one snapshot of the Parquet files the filter can reach."""
        snap = self.snapshot(scope_of(flt.expr))
        try:
            if not snap.fds:
                return snap.watermark, []
            sql, params = flt.sql()
            with snap.errors_named():
                query = f"SELECT {select} FROM {SCAN} WHERE {sql} {tail}"
                return snap.watermark, self._connect().execute(
                    query, [snap.paths, *params]
                ).fetchall()
        finally:
            snap.close()

    def count(self, flt: Filter) -> int:
        mark, rows = self._fetch(flt, "count(*)")
        total = int(rows[0][0]) if rows else 0
        pred = flt.predicate()
        return total + sum(1 for _, r in self.tail(mark) if pred(r))

    def stats(self, flt: Filter) -> Stats:
        mark, rows = self._fetch(
            flt,
            'grouping(event, status, "user"), event, status, "user", count(*)',
            'GROUP BY GROUPING SETS ((event), (status), ("user"), ())',
        )
        out = Stats()
        if rows:
            for grouping, event, status, user, n in rows:
                if grouping == 0b011:
                    out.by_event[event] += n
                elif grouping == 0b101:
                    out.by_status[status] += n
                elif grouping == 0b110 and user is not None:
                    out.by_user[user] += n
                elif grouping == 0b111:
                    out.total += n
        pred = flt.predicate()
        for _, r in self.tail(mark):
            if pred(r):
                out.total += 1
                out.by_event[r.event] += 1
                out.by_status[r.status] += 1
                if r.user is not None:
                    out.by_user[r.user] += 1
        return out

    def follow(self, flt: Filter, after: int, interval: float = 0.2) -> Iterator[Entry]:
        """Records appended after ``after`` that match, as they come (forever)."""
        pred = flt.predicate()
        last = after
        while True:
            for seq, record in self.tail(last):
                last = seq
                if pred(record):
                    yield seq, record
            time.sleep(interval)

    def last_seq(self) -> int:
        tree = swap.current(self.root)
        last = load(tree).watermark if tree is not None else 0
        for seq, _ in self.tail(last):
            last = seq
        return last

    def existing_keys(self, keys: Iterable[int], *, tail: bool = True) -> set[int]:
        """Which of these import keys are already stored: in Parquet, in rows buffered for
        Parquet, or in the live tail (``tail=False``: the caller, the log's writer, knows
        every record is written or buffered)."""
        import pyarrow as pa
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        incoming = pa.array(keys if isinstance(keys, list) else list(keys), pa.int64())
        if not len(incoming):
            return set()
        wanted = None
        found: set[int] = set()
        pending = self.tree.pending_tables()  # before the files: a flush may move rows over
        snap = self.snapshot()
        try:
            if snap.fds:
                con = self._connect()
                con.register("incoming", pa.table({"k": incoming}))
                with snap.errors_named():
                    rows = con.execute(
                        f"SELECT DISTINCT key FROM {SCAN} WHERE key IN (SELECT k FROM incoming)",
                        [snap.paths],
                    ).fetchall()
                found.update(int(r[0]) for r in rows)
        finally:
            snap.close()
        for table in pending:
            column = table.column("key")
            found.update(column.filter(pc.is_in(column, value_set=incoming)).to_pylist())
        if not tail:
            return found
        for _, r in self.tail(self.tree.pending_last):
            o = r.origin
            if o is not None:
                k = dedup_key(o.node, o.line, o.raw)
                if wanted is None:
                    wanted = set(incoming.to_pylist())
                if k is not None and k in wanted:
                    found.add(k)
        return found


def _rows(con: duckdb.DuckDBPyConnection, files: list[str], seqs: list[int]) -> Iterator[Entry]:
    """The stored rows of these seqs (in ``files``), in log order (a cursor of the query's
    own connection: a new database costs more than a small query)."""
    query = (
        f"SELECT * FROM {SCAN} WHERE seq BETWEEN ? AND ? "
        "AND list_contains(?::BIGINT[], seq) ORDER BY seq"
    )
    reader = con.sql(query, params=[files, min(seqs), max(seqs), seqs])
    for batch in reader.to_arrow_reader(BATCH):
        yield from from_batch(batch)


def _encode(line: str) -> bytes:
    """A rendered line as ``export.write_lines`` writes it (undecodable input bytes, kept as
    lone surrogates, go out as the bytes they were)."""
    return line.encode("utf-8", "surrogateescape") + b"\n"


def batched(items: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _order_by_seq(snap: Snapshot) -> str:
    """The ORDER BY a query over the snapshot's files needs for log order: none when the
    files, read in the order given (DuckDB keeps a scan's order), already give it."""
    return "" if in_log_order(snap.entries) else " ORDER BY seq"


def open_store(root: Path) -> Store:
    return Store(root)


__all__ = ["Stats", "Store", "open_store"]
