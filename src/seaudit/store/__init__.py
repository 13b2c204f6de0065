"""The embedded store: the audit log (truth) plus a Parquet tree (speed), queried as one.

A query runs in DuckDB over the Parquet files (records up to the watermark) and then over
the live tail (log records above the watermark, filtered by the same filter's Python
predicate), so a record is visible the moment ``append`` returns. Results come in log
order (``seq``). See ``location`` for the layout and ``tree`` for the crash rules.
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
from typing import TYPE_CHECKING

from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord
from seaudit.store import journal
from seaudit.store.columns import dedup_key, from_batch
from seaudit.store.prune import ANY, Scope, scope_of
from seaudit.store.tree import SCAN, ParquetTree, in_log_order, seq_range

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa  # type: ignore[import-untyped]

    from seaudit.log import AuditLog

BATCH = 100_000
LINE_BATCH = 65_536  # rows per Arrow batch of rendered lines (a few MB)
TAIL_CHUNK = 4096  # live-tail lines per chunk written
Entry = tuple[int, AuditRecord]


@dataclass
class Stats:
    total: int = 0
    by_event: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    by_user: Counter[str] = field(default_factory=Counter)


class Store:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.cfg = journal.config(self.root)
        self.tree = ParquetTree(self.root / "parquet")
        self._suspend_hook = False
        self._db: duckdb.DuckDBPyConnection | None = None
        self._db_lock = threading.Lock()

    # --- writing -------------------------------------------------------------------------

    def open_log(self) -> AuditLog:
        """The audit log, with rotated segments turned into Parquet as they rotate."""
        log = journal.open_log(self.cfg)
        log.on_rotate = self._on_rotate
        return log

    def _on_rotate(self, path: Path) -> None:
        if not self._suspend_hook:
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

    def reindex(self) -> int:
        """Rebuild the Parquet tree from the whole log."""
        self.tree.clear()
        done = 0
        stream = ((e.seq, e.record) for e in journal.entries(self.cfg))
        for chunk in batched(stream, BATCH):
            done += self.tree.write(chunk, flush=False)
        self.tree.flush()
        return done

    # --- reading -------------------------------------------------------------------------

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection of its own (a cursor: safe to use beside other threads'), on
        one in-memory database per store, made once: a database costs ~20 ms to start."""
        import duckdb

        with self._db_lock:
            if self._db is None:
                self._db = duckdb.connect(":memory:")
            return self._db.cursor()

    def _source(self, scope: Scope = ANY) -> tuple[int, list[str]]:
        """The watermark and the Parquet files under it that a filter of ``scope`` can reach."""
        mark = self.tree.watermark
        files = [
            str(p) for p in self.tree.files() if seq_range(p)[1] <= mark and scope.admits_file(p)
        ]
        return mark, files

    def tail(self, after: int) -> Iterator[Entry]:
        for e in journal.tail(self.cfg, after):
            yield e.seq, e.record

    def select(self, flt: Filter, *, limit: int | None = None) -> Iterator[Entry]:
        """Matching records, in log order."""
        mark, files = self._source(scope_of(flt.expr))
        count = 0
        if files:
            sql, params = flt.sql()
            con = self._connect()
            query = f"SELECT * FROM {SCAN} WHERE {sql}{_order_by_seq(files)}"
            if limit is not None:
                query += f" LIMIT {int(limit)}"
            reader = con.sql(query, params=[files, *params]).to_arrow_reader(8192)
            for batch in reader:
                for entry in from_batch(batch):
                    yield entry
                    count += 1
        if limit is not None and count >= limit:
            return
        pred = flt.predicate()
        for seq, record in self.tail(mark):
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
        mark, files = self._source(scope)
        count = 0
        if files:
            sql, params = flt.sql()
            expr = lines.line_sql(sessionid=sessionid, platform=platform, events=scope.events)
            query = f"SELECT seq, {expr} FROM {SCAN} WHERE {sql}{_order_by_seq(files)}"
            if limit is not None:
                query += f" LIMIT {int(limit)}"
            con = self._connect()
            reader = con.sql(query, params=[files, *params]).to_arrow_reader(LINE_BATCH)

            def fallback(seqs: list[int]) -> dict[int, bytes]:
                return {
                    seq: _encode(render(record)) for seq, record in _rows(con.cursor(), files, seqs)
                }

            for batch in reader:
                count += batch.num_rows
                yield from lines.chunks(batch.column(0), batch.column(1), fallback)
        if limit is not None and count >= limit:
            return
        pred = flt.predicate()
        buffer: list[bytes] = []
        for _, record in self.tail(mark):
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

    def count(self, flt: Filter) -> int:
        mark, files = self._source(scope_of(flt.expr))
        total = 0
        if files:
            sql, params = flt.sql()
            row = (
                self._connect()
                .execute(f"SELECT count(*) FROM {SCAN} WHERE {sql}", [files, *params])
                .fetchone()
            )
            total = int(row[0]) if row else 0
        pred = flt.predicate()
        return total + sum(1 for _, r in self.tail(mark) if pred(r))

    def stats(self, flt: Filter) -> Stats:
        mark, files = self._source(scope_of(flt.expr))
        out = Stats()
        if files:
            sql, params = flt.sql()
            rows = (
                self._connect()
                .execute(
                    f'SELECT grouping(event, status, "user"), event, status, "user", count(*) '
                    f"FROM {SCAN} WHERE {sql} "
                    f'GROUP BY GROUPING SETS ((event), (status), ("user"), ())',
                    [files, *params],
                )
                .fetchall()
            )
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
        last = self.tree.watermark
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
        _, files = self._source()
        if files:
            con = self._connect()
            con.register("incoming", pa.table({"k": incoming}))
            rows = con.execute(
                f"SELECT DISTINCT key FROM {SCAN} WHERE key IN (SELECT k FROM incoming)", [files]
            ).fetchall()
            found.update(int(r[0]) for r in rows)
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


def _order_by_seq(files: list[str]) -> str:
    """The ORDER BY a query over ``files`` needs for log order: none when the files, read in
    the order given (DuckDB keeps a scan's order), already give it."""
    return "" if in_log_order([Path(f) for f in files]) else " ORDER BY seq"


def open_store(root: Path) -> Store:
    return Store(root)


__all__ = ["Stats", "Store", "open_store"]
