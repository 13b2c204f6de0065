"""Import at bulk speed: seaudit text to the audit log and Parquet, a parser batch at a time.

The bulk parser (``text.bulk.parse_batches``) gives each batch as a frame; the batch's import
keys are checked against the store at once, the new records' log payloads are made
column-wise and appended with one ``AuditLog.append_payloads``, and their Parquet rows are
made from the same frame (no records in between). The result is what the per-record path
(``ingest.read_items``, ``append_batch``, ``Store.ingest``) stores: the same records, seqs,
provenance, keys and summary; tests hold the two together.

Line accounting, as ``ingest.read_items`` does it: every record and reject spans the lines
from its first line to the next item's first line, less the blank lines between
(whitespace-only lines, counted by ``LineCounter`` as the parser reads).
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, BinaryIO

import polars as pl

from seaudit.store.columns import dedup_key, to_table
from seaudit.store.frames import dedup_keys, payloads, stored_rows, with_node
from seaudit.store.ingest import is_blank
from seaudit.store.keys import KeyLookup
from seaudit.store.tree import day_of, node_dir, partition
from seaudit.text.badinput import BadInput, checked_batches
from seaudit.text.bulk import parse_batches
from seaudit.text.reader import MAX_LINE_BYTES, Reject

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

    from seaudit.log import AuditLog
    from seaudit.schema.record import AuditRecord
    from seaudit.store import Store

STORED, DUPLICATE, REJECTED = 0, 1, 2
#: text per parser batch: half the parser's default, which bounds memory (a batch is held as
#: text, frame, payloads and Parquet rows at once, three batches deep) at the same speed
IMPORT_BATCH_BYTES = 4 << 20


@dataclass
class Tally:
    lines: int = 0
    stored_lines: int = 0
    stored: int = 0
    rejected_lines: int = 0
    rejects: int = 0
    duplicate_lines: int = 0
    duplicates: int = 0
    blank: int = 0

    def summary(self, name: str) -> str:
        return (
            f"{name}: {self.lines} lines read = {self.stored_lines} stored "
            f"({self.stored} records) + {self.rejected_lines} rejected ({self.rejects}) + "
            f"{self.duplicate_lines} duplicate ({self.duplicates} records) + "
            f"{self.blank} blank"
        )

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@cache
def _blank_after() -> re.Pattern[bytes]:
    """A newline followed by a whitespace-only line (``str.strip``'s whitespace, in UTF-8)."""
    spaces = sorted(
        (chr(c).encode() for c in range(0x110000) if chr(c).isspace() and chr(c) != "\n"),
        key=len,
        reverse=True,
    )
    return re.compile(rb"\n(?=((?:%s)*)\n)" % b"|".join(re.escape(s) for s in spaces))


class LineCounter:
    """A binary stream (``read``) that counts bytes and lines and notes the blank ones as
    ``ingest.is_blank`` tells them, among the lines the reader reads whole (at most
    ``max_line`` bytes)."""

    def __init__(self, raw: BinaryIO, max_line: int = MAX_LINE_BYTES) -> None:
        self.raw = raw
        self.max_line = max_line
        self.bytes = 0
        self.lines = 0  # complete lines so far (the last one, unterminated, at the end)
        #: blank lines not yet accounted for, as runs [first, count] in line order: between
        #: two items they form one run, so a file of millions of blank lines costs one entry
        self.blank_runs: list[list[int]] = []
        self.blank_total = 0
        self._open = False  # inside an unfinished line
        self._tail: bytes | None = b""  # its bytes (None once longer than max_line)
        self._blank_re = _blank_after()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if not data:
            if self._open:
                self.lines += 1
                if self._tail is not None and is_blank(self._tail):
                    self._note(self.lines)
                self._open, self._tail = False, b""
            return data
        self.bytes += len(data)
        first = data.find(b"\n")
        if first < 0:
            self._open = True
            self._tail = self._cap(self._tail, data)
            return data
        number = self.lines + 1  # the line that ends at ``first``
        line = self._cap(self._tail, data[:first])
        if line is not None and is_blank(line):
            self._note(number)
        pos = first
        for m in self._blank_re.finditer(data, first):
            number += data.count(b"\n", pos + 1, m.start() + 1)
            pos = m.start()
            if len(m[1]) <= self.max_line:
                self._note(number + 1)
        self.lines += 1 + data.count(b"\n", first + 1)
        rest = data[data.rfind(b"\n") + 1 :]
        self._open, self._tail = bool(rest), self._cap(b"", rest)
        return data

    def _cap(self, head: bytes | None, more: bytes) -> bytes | None:
        if head is None or len(head) + len(more) > self.max_line:
            return None
        return head + more

    def _note(self, number: int) -> None:
        runs = self.blank_runs
        if runs and runs[-1][0] + runs[-1][1] == number:
            runs[-1][1] += 1
        else:
            runs.append([number, 1])
        self.blank_total += 1

    def blank_lines(self) -> list[int]:
        """The blank lines not yet accounted for, one by one (for checks)."""
        return [first + i for first, count in self.blank_runs for i in range(count)]

    def blanks_before(self, lines: pl.Series) -> pl.Series:
        """For each line number, how many of the noted blank lines come before it."""
        if not self.blank_runs:
            return pl.Series([0] * len(lines), dtype=pl.Int64)
        starts = pl.Series([r[0] for r in self.blank_runs], dtype=pl.Int64)
        counts = pl.Series([r[1] for r in self.blank_runs], dtype=pl.Int64)
        before = counts.cum_sum() - counts  # blanks in the runs before each run
        lines = lines.cast(pl.Int64)
        run = starts.search_sorted(lines, side="left").cast(pl.Int64) - 1  # last run below
        at = run.clip(0)
        inside = (lines - starts.gather(at)).clip(0)
        counted = (
            before.gather(at) + pl.select(pl.min_horizontal(counts.gather(at), inside)).to_series()
        )
        return counted.zip_with(run >= 0, pl.Series([0] * len(lines), dtype=pl.Int64))

    def forget_blanks_before(self, line: int) -> None:
        """Drop the blank lines below ``line`` (no span to be counted reaches them)."""
        runs = self.blank_runs
        keep = 0
        while keep < len(runs) and runs[keep][0] + runs[keep][1] <= line:
            keep += 1
        del runs[:keep]
        if runs and runs[0][0] < line:
            runs[0] = [line, runs[0][0] + runs[0][1] - line]


class _Spans:
    """Lines per category: each item spans up to the next item's first line, less blanks."""

    def __init__(self, counter: LineCounter, tally: Tally) -> None:
        self.counter, self.tally = counter, tally
        self.carry: tuple[int, int] | None = None  # the last item: its span needs the next

    def add(self, items: pl.DataFrame) -> None:
        """Items of one batch (``line``, ``cat``), in any order."""
        if items.height == 0:
            return
        items = items.sort("line")
        if self.carry is not None:
            items = pl.concat(
                [
                    pl.DataFrame(
                        {"line": [self.carry[0]], "cat": [self.carry[1]]}, schema=items.schema
                    ),
                    items,
                ]
            )
        last = items.row(items.height - 1)
        self.carry = (last[0], last[1])
        self._count(items.head(items.height - 1), items["line"].slice(1))
        self._trim(self.carry[0])

    def finish(self) -> None:
        if self.carry is not None:
            line, cat = self.carry
            done = pl.DataFrame(
                {"line": [line], "cat": [cat]}, schema={"line": pl.Int64, "cat": pl.Int8}
            )
            self._count(done, pl.Series([self.counter.lines + 1], dtype=pl.Int64))
            self.carry = None

    def _count(self, items: pl.DataFrame, following: pl.Series) -> None:
        if items.height == 0:
            return
        start, end = items["line"].cast(pl.Int64), following.cast(pl.Int64)
        span = (end - start) - (self.counter.blanks_before(end) - self.counter.blanks_before(start))
        sums = items.with_columns(span.alias("span")).group_by("cat").agg(pl.col("span").sum())
        for cat, total in sums.iter_rows():
            name = ("stored_lines", "duplicate_lines", "rejected_lines")[cat]
            setattr(self.tally, name, getattr(self.tally, name) + int(total))

    def _trim(self, line: int) -> None:
        self.counter.forget_blanks_before(line)


@dataclass
class _Prepared:
    """One batch made ready for the log and Parquet (seqs counted from 0: the commit adds
    the first seq the log gives)."""

    rejects: list[Reject]
    cats: pl.DataFrame  # every item's first line and category
    found: int  # records in the batch
    payloads: list[bytes]  # the new records', in log order
    table: pa.Table | None
    parts: pa.Array | None


def import_stream(
    store: Store,
    log: AuditLog,
    raw: BinaryIO,
    *,
    source: str,
    node: str | None,
    platform: str | None = None,
    bad: BadInput | None = None,
    advance: Callable[[int], object] = lambda done: None,
    batch_bytes: int = IMPORT_BATCH_BYTES,
) -> Tally:
    """Import one stream (``source`` names it in provenance); returns its tally. The
    caller flushes the store (``Store.flush``) when it is done. Bad lines are reported by
    ``bad`` as ``parse`` reports them (by default on stderr); an import takes no strict mode,
    since its summary accounts for every line of the stream.

    A thread parses and prepares the next batch (keys checked, payloads and Parquet rows
    made: mostly polars and DuckDB work, outside the GIL) while this one is appended. A
    stream's own records cannot be duplicates of each other (each has its own line), so
    a batch is checked against what was stored before the stream began."""
    counter = LineCounter(raw)
    tally = Tally()
    spans = _Spans(counter, tally)
    if store.tree.pending_last < log.last_seq:  # records the Parquet tree lacks: add them
        store.tree.flush()
        store.catch_up()
    bad = bad or BadInput()
    if bad.strict:
        raise ValueError("an import takes no strict mode: its summary accounts for every line")
    bad.start()
    lookup = KeyLookup(store, node)
    batches = checked_batches(
        parse_batches(
            counter,  # type: ignore[arg-type]
            source=source,
            platform=platform,
            batch_bytes=batch_bytes,
        ),
        bad,
    )
    prepared = _ahead(_prepare(lookup, b.frame, b.rejects, b.extra, source, node) for b in batches)
    try:
        for prep in prepared:
            _commit(store, log, prep, tally, spans)
            advance(counter.bytes)
    finally:
        prepared.close()  # the thread stops before the lookup it uses is closed
        lookup.close()
    spans.finish()
    tally.lines = counter.lines
    tally.blank = counter.blank_total
    advance(counter.bytes)
    return tally


def _commit(store: Store, log: AuditLog, prep: _Prepared, tally: Tally, spans: _Spans) -> None:
    """Count the batch, append its new records to the log, hand their rows to Parquet."""
    tally.rejects += len(prep.rejects)
    stored = len(prep.payloads)
    tally.stored += stored
    tally.duplicates += prep.found - stored
    spans.add(prep.cats)
    if stored:
        first = log.last_seq + 1
        last = log.append_payloads(prep.payloads)
        if last - first + 1 != stored:
            raise RuntimeError(f"the log gave seqs {first}..{last} to {stored} records")
        assert prep.table is not None and prep.parts is not None
        store.ingest_table(_shift_seq(prep.table, first), prep.parts, flush=False)


def _shift_seq(table: pa.Table, first: int) -> pa.Table:
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    at = table.schema.get_field_index("seq")
    return table.set_column(at, "seq", pc.add(table.column("seq"), first))


def _ahead(items: Iterator[_Prepared]) -> Generator[_Prepared, None, None]:
    """The items, made one ahead in a thread (its errors are raised here, in order)."""
    out: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((False, None))
        except BaseException as exc:  # raised again in the consumer
            put((False, exc))

    worker = threading.Thread(target=run, name="seaudit-import", daemon=True)
    worker.start()
    try:
        while True:
            more, item = out.get()
            if not more:
                if isinstance(item, BaseException):
                    raise item
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


def _prepare(
    lookup: KeyLookup,
    frame: pl.DataFrame,
    rejects: list[Reject],
    extra: list[AuditRecord],
    source: str,
    node: str | None,
) -> _Prepared:
    """Keys checked, the new records' payloads and Parquet rows (seqs from 0)."""
    import pyarrow as pa

    cats = [
        pl.DataFrame(
            {"line": [r.line for r in rejects], "cat": [REJECTED] * len(rejects)},
            schema={"line": pl.Int64, "cat": pl.Int8},
        )
    ]
    extra = [with_node(r, node) for r in extra]
    keys = dedup_keys(frame, node)
    extra_keys = [dedup_key(o.node, o.line, o.raw) if (o := r.origin) else None for r in extra]
    wanted = keys.drop_nulls()
    if any(k is not None for k in extra_keys):
        wanted = pl.concat(
            [wanted, pl.Series("key", [k for k in extra_keys if k is not None], pl.Int64)]
        )
    lines = [r.origin.line for r in extra if r.origin]
    if frame.height:
        lines += [frame["line"].min(), frame["line"].max()]  # type: ignore[list-item]
    seen = lookup(wanted, min(lines), max(lines)) if len(wanted) else set()
    if seen:
        mask = (
            keys.is_null() | ~keys.is_in(pl.Series(list(seen), dtype=pl.Int64).implode())
        ).fill_null(True)
        fresh = frame.filter(mask)
        fresh_keys = keys.filter(mask)
        frame_cat = (
            pl.when(mask).then(pl.lit(STORED, pl.Int8)).otherwise(pl.lit(DUPLICATE, pl.Int8))
        )
    else:
        fresh, fresh_keys, frame_cat = frame, keys, pl.lit(STORED, pl.Int8)
    kept = [(r, k) for r, k in zip(extra, extra_keys, strict=True) if k is None or k not in seen]
    cats.append(frame.select(pl.col("line"), frame_cat.alias("cat")))
    cats.append(
        pl.DataFrame(
            {
                "line": [r.origin.line if r.origin else 0 for r in extra],
                "cat": [DUPLICATE if k is not None and k in seen else STORED for k in extra_keys],
            },
            schema={"line": pl.Int64, "cat": pl.Int8},
        )
    )
    found = frame.height + len(extra)
    items = pl.concat(cats)
    if not fresh.height and not kept:
        return _Prepared(rejects, items, found, [], None, None)
    frame_payloads = payloads(fresh, source, node)
    if not kept:
        seqs = pl.int_range(0, fresh.height, dtype=pl.Int64, eager=True)
        table, parts = stored_rows(fresh, seqs, source, node, fresh_keys)
        return _Prepared(rejects, items, found, frame_payloads, table, parts)
    # records the frame could not hold go in their place by line
    from seaudit.log.payload import encode_record

    lines = fresh["line"].to_list()
    order = sorted(
        [(line, 0, i) for i, line in enumerate(lines)]
        + [(r.origin.line if r.origin else 0, 1, j) for j, (r, _) in enumerate(kept)]
    )
    merged = [frame_payloads[i] if kind == 0 else encode_record(kept[i][0]) for _, kind, i in order]
    frame_seqs = [0] * len(lines)
    extra_entries: list[tuple[int, AuditRecord]] = []
    for pos, (_, kind, i) in enumerate(order):
        if kind == 0:
            frame_seqs[i] = pos
        else:
            extra_entries.append((pos, kept[i][0]))
    table, parts = stored_rows(
        fresh, pl.Series(frame_seqs, dtype=pl.Int64), source, node, fresh_keys
    )
    extra_parts = pa.array(
        [partition(day_of(r), node_dir(node)) for _, r in extra_entries], pa.string()
    )
    both = pa.concat_tables(
        [
            table.append_column("_part", parts),
            to_table(extra_entries).append_column("_part", extra_parts),
        ]
    )
    both = both.sort_by("seq")
    return _Prepared(
        rejects,
        items,
        found,
        merged,
        both.drop_columns(["_part"]),
        both.column("_part").combine_chunks(),
    )
