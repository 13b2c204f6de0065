"""Keyset paging by seq over the store (never OFFSET): a page is the ``limit`` matching
records just below or just above a seq, found by reading the Parquet files nearest that seq
first (in doubling batches) and stopping as soon as no unread file can hold a closer record,
so the first page of a filter over tens of millions of records reads a few files, not all.
The live tail is filtered by the same filter's predicate, as ``Store.select`` does."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord
from seaudit.store.columns import from_batch
from seaudit.store.prune import scope_of
from seaudit.store.tree import SCAN

if TYPE_CHECKING:
    from seaudit.store import Store
    from seaudit.store.snapshot import Snapshot

Entry = tuple[int, AuditRecord]
#: the stored columns a list of records does not show, left unread by a ``light`` window
#: (the raw text alone is most of a file's bytes)
LIST_OMITS: dict[str, str] = {
    "raw": "VARCHAR",
    "key": "BIGINT",
    "line": "BIGINT",
    "session_id": "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Window:
    """Matching records strictly below (``down``) or above (up) ``bound``, the nearest
    first, at most ``limit``; ``more``: others lie beyond them."""

    entries: tuple[Entry, ...]
    down: bool
    more: bool


def window(
    store: Store, flt: Filter, bound: int | None, *, down: bool, limit: int, light: bool = False
) -> Window:
    """The window of ``limit`` records next to ``bound`` (None: the end, or the start); a
    ``light`` one reads Parquet rows without ``LIST_OMITS`` (they come back as None)."""
    with contextlib.closing(store.snapshot(scope_of(flt.expr))) as snap:
        pred = flt.predicate()
        tail = [
            (seq, r)
            for seq, r in store.tail(snap.watermark)
            if (bound is None or (seq < bound if down else seq > bound)) and pred(r)
        ]
        want = limit + 1
        found: list[Entry] = []
        if down:
            found = tail[::-1][:want]
            if len(found) < want:
                found += _parquet(
                    store, flt, snap, bound, down=True, want=want - len(found), light=light
                )
        else:
            found = _parquet(store, flt, snap, bound, down=False, want=want, light=light)
            if len(found) < want:
                found += tail[: want - len(found)]
    return Window(tuple(found[:limit]), down, len(found) > limit)


def _ranges(snap: Snapshot) -> dict[str, tuple[int, int]]:
    """Each file of the snapshot (as DuckDB names it) -> the first and last seq it holds."""
    return {path: (e.first, e.last) for path, e in zip(snap.paths, snap.entries, strict=True)}


def _parquet(
    store: Store,
    flt: Filter,
    snap: Snapshot,
    bound: int | None,
    *,
    down: bool,
    want: int,
    light: bool,
) -> list[Entry]:
    """The ``want`` matching Parquet rows nearest ``bound`` in the direction asked."""
    ranges = _ranges(snap)
    files = list(ranges)
    if down:
        order = sorted(
            (f for f in files if bound is None or ranges[f][0] < bound),
            key=lambda f: -ranges[f][1],
        )
    else:
        order = sorted(
            (f for f in files if bound is None or ranges[f][1] > bound),
            key=lambda f: ranges[f][0],
        )
    where, params = flt.sql()
    if bound is not None:
        where = f"({where}) AND seq {'<' if down else '>'} ?"
        params = [*params, bound]
    columns = "*"
    if light:
        columns += (
            " REPLACE (" + ", ".join(f"NULL::{t} AS {c}" for c, t in LIST_OMITS.items()) + ")"
        )
    query = (
        f"SELECT {columns} FROM {SCAN} WHERE {where} ORDER BY seq {'DESC' if down else 'ASC'} "
        f"LIMIT {int(want)}"
    )
    con = store._connect()
    found: list[Entry] = []
    start, size = 0, 1
    while start < len(order):
        if len(found) >= want:  # stop when no unread file can hold a nearer record
            edge = found[want - 1][0]
            nxt = ranges[order[start]]
            if (nxt[1] < edge) if down else (nxt[0] > edge):
                break
        batch = order[start : start + size]
        start, size = start + size, size * 2
        with snap.errors_named():
            table = con.sql(query, params=[batch, *params]).to_arrow_table()
        for rb in table.to_batches():
            found.extend(from_batch(rb))
        found.sort(key=lambda e: -e[0] if down else e[0])
        del found[want:]
    return found


def by_seq(store: Store, seq: int) -> Entry | None:
    """The record of one seq, or None."""
    with contextlib.closing(store.snapshot()) as snap:
        if seq > snap.watermark:
            return next(((s, r) for s, r in store.tail(snap.watermark) if s == seq), None)
        candidates = [f for f, (lo, hi) in _ranges(snap).items() if lo <= seq <= hi]
        if not candidates:
            return None
        con = store._connect()
        with snap.errors_named():
            table = con.sql(
                f"SELECT * FROM {SCAN} WHERE seq = ?", params=[candidates, seq]
            ).to_arrow_table()
    for rb in table.to_batches():
        for entry in from_batch(rb):
            return entry
    return None
