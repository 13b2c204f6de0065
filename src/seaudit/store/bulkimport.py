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

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

import polars as pl

from seaudit.store.columns import dedup_key, to_table
from seaudit.store.frames import dedup_keys, payloads, stored_rows, with_node
from seaudit.store.tree import day_of, node_dir, partition
from seaudit.text.bulk import parse_batches
from seaudit.text.reader import MAX_LINE_BYTES, Reject

if TYPE_CHECKING:
    from seaudit.log import AuditLog
    from seaudit.schema.record import AuditRecord
    from seaudit.store import Store

_WS = b" \t\r\x0b\x0c"  # bytes.strip()'s whitespace, less the newline
STORED, DUPLICATE, REJECTED = 0, 1, 2


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
        return (f"{name}: {self.lines} lines read = {self.stored_lines} stored "
                f"({self.stored} records) + {self.rejected_lines} rejected ({self.rejects}) + "
                f"{self.duplicate_lines} duplicate ({self.duplicates} records) + "
                f"{self.blank} blank")

    def add(self, other: Tally) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class LineCounter:
    """A binary stream (``read``) that counts bytes and lines and notes the blank ones:
    whitespace-only lines the reader reads whole (at most ``max_line`` bytes)."""

    def __init__(self, raw: BinaryIO, max_line: int = MAX_LINE_BYTES) -> None:
        self.raw = raw
        self.max_line = max_line
        self.bytes = 0
        self.lines = 0  # complete lines so far (the last one, unterminated, at the end)
        self.blank: list[int] = []
        self.blank_total = 0
        self._tail = 0  # bytes of the unfinished line
        self._tail_ws = True
        self._blank_re = re.compile(rb"\n(?=[ \t\r\x0b\x0c]{0,%d}\n)" % max_line)

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        if not data:
            if self._tail:
                self.lines += 1
                self._tail = 0
            return data
        self.bytes += len(data)
        first = data.find(b"\n")
        if first < 0:
            self._tail_ws = self._tail_ws and not data.strip(_WS)
            self._tail += len(data)
            return data
        number = self.lines + 1  # the line that ends at ``first``
        if self._tail_ws and not data[:first].strip(_WS) and self._tail + first <= self.max_line:
            self._note(number)
        pos = first
        for m in self._blank_re.finditer(data, first):
            number += data.count(b"\n", pos + 1, m.start() + 1)
            pos = m.start()
            self._note(number + 1)
        self.lines += 1 + data.count(b"\n", first + 1)
        rest = data[data.rfind(b"\n") + 1:]
        self._tail, self._tail_ws = len(rest), not rest.strip(_WS)
        return data

    def _note(self, number: int) -> None:
        self.blank.append(number)
        self.blank_total += 1


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
            items = pl.concat([pl.DataFrame({"line": [self.carry[0]], "cat": [self.carry[1]]},
                                            schema=items.schema), items])
        last = items.row(items.height - 1)
        self.carry = (last[0], last[1])
        self._count(items.head(items.height - 1), items["line"].slice(1))
        self._trim(self.carry[0])

    def finish(self) -> None:
        if self.carry is not None:
            line, cat = self.carry
            done = pl.DataFrame({"line": [line], "cat": [cat]}, schema={"line": pl.Int64,
                                                                      "cat": pl.Int8})
            self._count(done, pl.Series([self.counter.lines + 1], dtype=pl.Int64))
            self.carry = None

    def _count(self, items: pl.DataFrame, following: pl.Series) -> None:
        if items.height == 0:
            return
        blanks = pl.Series(self.counter.blank, dtype=pl.Int64)
        start, end = items["line"], following.cast(pl.Int64)
        span = (end - start) - (blanks.search_sorted(end, side="left").cast(pl.Int64)
                                - blanks.search_sorted(start, side="left").cast(pl.Int64))
        sums = items.with_columns(span.alias("span")).group_by("cat").agg(pl.col("span").sum())
        for cat, total in sums.iter_rows():
            name = ("stored_lines", "duplicate_lines", "rejected_lines")[cat]
            setattr(self.tally, name, getattr(self.tally, name) + int(total))

    def _trim(self, line: int) -> None:
        blank = self.counter.blank
        if blank and blank[0] < line:
            keep = next((i for i, b in enumerate(blank) if b >= line), len(blank))
            del blank[:keep]


def import_stream(store: Store, log: AuditLog, raw: BinaryIO, *, source: str,
                  node: str | None, platform: str | None = None,
                  on_reject: Callable[[Reject], object] = lambda r: None,
                  advance: Callable[[int], object] = lambda done: None) -> Tally:
    """Import one stream (``source`` names it in provenance); returns its tally. The
    caller flushes the store (``Store.flush``) when it is done."""
    counter = LineCounter(raw)
    tally = Tally()
    spans = _Spans(counter, tally)
    for batch in parse_batches(counter, source=source, platform=platform):  # type: ignore[arg-type]
        for reject in batch.rejects:
            on_reject(reject)
        tally.rejects += len(batch.rejects)
        cats = [pl.DataFrame({"line": [r.line for r in batch.rejects],
                              "cat": [REJECTED] * len(batch.rejects)},
                             schema={"line": pl.Int64, "cat": pl.Int8})]
        cats.extend(_store_batch(store, log, batch.frame, batch.extra, source, node, tally))
        spans.add(pl.concat(cats))
        advance(counter.bytes)
    spans.finish()
    tally.lines = counter.lines
    tally.blank = counter.blank_total
    advance(counter.bytes)
    return tally


def _store_batch(store: Store, log: AuditLog, frame: pl.DataFrame, extra: list[AuditRecord],
                 source: str, node: str | None, tally: Tally) -> list[pl.DataFrame]:
    """Append the batch's new records to the log and Parquet; returns its items' categories."""
    import pyarrow as pa

    extra = [with_node(r, node) for r in extra]
    keys = dedup_keys(frame, node)
    extra_keys = [dedup_key(o.node, o.line, o.raw) if (o := r.origin) else None for r in extra]
    seen = store.existing_keys(k for k in (*keys, *extra_keys) if k is not None)
    fresh_mask = [k is None or k not in seen for k in keys] if seen else None
    if fresh_mask is not None:
        mask = pl.Series(fresh_mask, dtype=pl.Boolean)
        fresh = frame.filter(mask)
        fresh_keys = [k for k, m in zip(keys, fresh_mask, strict=True) if m]
    else:
        mask, fresh, fresh_keys = None, frame, keys
    kept = [(r, k) for r, k in zip(extra, extra_keys, strict=True) if k is None or k not in seen]
    frame_cats = frame.select(
        pl.col("line"),
        (pl.lit(STORED, pl.Int8) if mask is None else
         pl.when(mask).then(pl.lit(STORED, pl.Int8)).otherwise(pl.lit(DUPLICATE, pl.Int8))
         ).alias("cat"))
    extra_cats = pl.DataFrame(
        {"line": [r.origin.line if r.origin else 0 for r in extra],
         "cat": [DUPLICATE if k is not None and k in seen else STORED for k in extra_keys]},
        schema={"line": pl.Int64, "cat": pl.Int8})
    stored = fresh.height + len(kept)
    tally.stored += stored
    tally.duplicates += frame.height + len(extra) - stored
    if not stored:
        return [frame_cats, extra_cats]

    frame_payloads = payloads(fresh, source, node)
    if not kept:
        last = log.append_payloads(frame_payloads)
        seqs = pl.int_range(last - stored + 1, last + 1, dtype=pl.Int64, eager=True)
        table, parts = stored_rows(fresh, seqs, source, node, fresh_keys)
    else:  # records the frame could not hold go in their place by line
        from seaudit.log.payload import encode_record

        lines = fresh["line"].to_list()
        order = sorted([(line, 0, i) for i, line in enumerate(lines)]
                       + [(r.origin.line if r.origin else 0, 1, j)
                          for j, (r, _) in enumerate(kept)])
        merged = [frame_payloads[i] if kind == 0 else encode_record(kept[i][0])
                  for _, kind, i in order]
        last = log.append_payloads(merged)
        first = last - stored + 1
        frame_seqs = [0] * len(lines)
        extra_entries: list[tuple[int, AuditRecord]] = []
        for pos, (_, kind, i) in enumerate(order):
            if kind == 0:
                frame_seqs[i] = first + pos
            else:
                extra_entries.append((first + pos, kept[i][0]))
        table, parts = stored_rows(fresh, pl.Series(frame_seqs, dtype=pl.Int64), source, node,
                                   fresh_keys)
        extra_parts = pa.array([partition(day_of(r), node_dir(node)) for _, r in extra_entries],
                               pa.string())
        both = pa.concat_tables([table.append_column("_part", parts),
                                 to_table(extra_entries).append_column("_part", extra_parts)])
        both = both.sort_by("seq")
        parts = both.column("_part").combine_chunks()
        table = both.drop_columns(["_part"])
    store.ingest_table(table, parts, flush=False)
    return [frame_cats, extra_cats]
