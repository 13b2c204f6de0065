"""The bulk replay: audit.log text (``--from-log``, stdin) to records, a chunk at a time.

A chunk's lines are read as columns (``agent.lines``) and grouped by event id as a
group-by (``agent.shape``). Regular events, the common case, are mapped once a shape: the
first event of each (shape, node, second) goes through the per-event mapping and policy
(``Mapper.accesses``, ``records_for``), and every other event of it gets those records with
its own origin (the policy's decision is memoised the same way, per distinct access, in
``agent.policy``). Every other line goes to the per-event path (``Pipeline.feed``) in its
place: the two are merged by line, so the records, their order, the tally, the checkpoint
and the loss records are those of the per-event path; a property test holds them equal.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import BinaryIO

import polars as pl

from seaudit.agent.access import Access, records_for
from seaudit.agent.group import Event
from seaudit.agent.intake import lines_of
from seaudit.agent.lines import line_frame
from seaudit.agent.mapping import STATEFUL, bound_port, socket_of
from seaudit.agent.parse import MAX_LINE, EventId, parse_line
from seaudit.agent.pipeline import Pipeline
from seaudit.agent.rows import Filled, Item, Template
from seaudit.agent.runs import runs
from seaudit.agent.shape import chunk_events, reached_by
from seaudit.schema.record import Origin

CHUNK_BYTES = 8 << 20
#: (shape, node, second) -> the records of its first event; cleared when this full
MAX_SHAPES = 65_536
_FEED, _TICK, _EMIT = 0, 1, 2
_KEYS = ["node", "seconds", "millis", "serial"]
#: (shape, node, second, the port an accept finds bound to its socket)
_Key = tuple[str, str | None, int, int | None]
#: a bind or accept's socket (``mapping.socket_of``) and the port a bind gives it
_Socket = tuple[tuple[int, int], int | None]


@dataclass(frozen=True, slots=True)
class _Columns:
    """One chunk as read ahead: its bytes, and its lines, columns and events unless the
    per-event path must read it (not UTF-8, or a line too long)."""

    chunk: bytes
    lines: list[str] | None
    frame: pl.DataFrame | None
    found: pl.DataFrame | None


class BulkReader:
    """Feeds one pipeline from streams of audit text, chunk by chunk."""

    def __init__(self, pipeline: Pipeline, *, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.pipeline = pipeline
        self.chunk_bytes = chunk_bytes
        self._shapes: dict[_Key, tuple[list[Access], list[Template] | None]] = {}
        self._sockets: dict[str, _Socket] = {}  # by shape

    def read(self, stream: BinaryIO, source: str) -> None:
        """Every line of ``stream`` (numbered from 1 as ``source``); the caller finishes
        the pipeline. A thread reads the next chunk into columns (``_columns``: polars
        work, mostly outside the GIL) while this one feeds the pipeline."""
        number = 0
        with ThreadPoolExecutor(1, thread_name_prefix="seaudit-agent-bulk") as pool:
            ahead: Future[_Columns] | None = None
            for chunk in self._chunks(stream):
                following = pool.submit(self._columns, chunk)
                if ahead is not None:
                    number = self._feed(ahead.result(), number, source)
                ahead = following
            if ahead is not None:
                self._feed(ahead.result(), number, source)

    def _chunks(self, stream: BinaryIO) -> Iterator[bytes]:
        """The stream in chunks of whole lines (a line longer than any audit line is cut)."""
        carry = b""
        while data := stream.read(self.chunk_bytes):
            data = carry + data
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) <= MAX_LINE:
                carry = data  # no whole line yet
                continue
            if cut == 0:
                cut = len(data)  # a line longer than any audit line: the slow path cuts it
            carry = data[cut:]
            yield data[:cut]
        if carry:
            yield carry

    def _columns(self, chunk: bytes) -> _Columns:
        """A chunk's lines and, when the bulk path can take them, their columns and events
        as far as the chunk alone decides (``shape.chunk_events``)."""
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            return _Columns(chunk, None, None, None)
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if any(len(line) >= MAX_LINE for line in lines):
            return _Columns(chunk, None, None, None)
        frame = line_frame(lines)
        return _Columns(chunk, lines, frame, chunk_events(frame, self.pipeline.timeout))

    def _feed(self, columns: _Columns, number: int, source: str) -> int:
        """Feed one chunk; returns the last line number used."""
        if columns.lines is None or columns.frame is None or columns.found is None:
            return self._slow(columns.chunk, number, source)
        self._lines(columns.lines, columns.frame, columns.found, number, source)
        return number + len(columns.lines)

    def _slow(self, chunk: bytes, number: int, source: str) -> int:
        for line in lines_of(io.BytesIO(chunk)):
            number += 1
            self.pipeline.feed(line, number, source)
        return number

    def _lines(
        self, lines: list[str], frame: pl.DataFrame, found: pl.DataFrame, number: int, source: str
    ) -> None:
        pipeline = self.pipeline
        grouper = pipeline.grouper
        found = reached_by(found, grouper.latest, pipeline.timeout)
        fast = found.filter(pl.col("regular"))
        node = pipeline.node
        ids = [
            EventId(n if n is not None else node, s, m, e)
            for n, s, m, e in fast.select(_KEYS).iter_rows()
        ]
        known = [grouper.seen(i) for i in ids]  # an event begun or ended in an earlier chunk
        if any(known):
            keep = pl.Series(known, dtype=pl.Boolean).not_()
            ids = [i for i, k in zip(ids, known, strict=True) if not k]
            fast = fast.filter(keep)
        fast_lines = frame.join(fast.select(_KEYS), on=_KEYS, how="semi", nulls_equal=True)
        slow = frame.join(fast_lines.select("idx"), on="idx", how="anti")["idx"].to_list()
        ops = sorted(
            [(i, _FEED, i) for i in slow]
            + [(f, _TICK, k) for k, f in enumerate(fast["first"].to_list())]
            + [(last, _EMIT, k) for k, last in enumerate(fast["last"].to_list())]
        )
        counts = fast["count"].to_list()
        lasts = fast["last"].to_list()
        firsts = fast["first_type"].to_list()
        shapes = fast["shape"].to_list()
        calls = fast["syscall"].to_list()
        members = self._members(fast_lines, fast) if len(ids) else {}
        after = runs(fast, slow)

        def records(k: int) -> Sequence[Item]:
            event_id = ids[k]
            member = partial(members.__getitem__, k)
            return self._records(event_id, shapes[k], calls[k], member, lines)

        at = 0
        while at < len(ops):
            pos, op, k = ops[at]
            at += 1
            if op == _FEED:
                pipeline.feed(lines[pos], number + pos + 1, source)
            elif op == _TICK:
                pipeline.bulk_tick(ids[k].time, gaps=pos != lasts[k])
            else:
                pipeline.bulk_event(ids[k], counts[k], firsts[k], partial(records, k))
                end = after.get(k)
                if end is not None:  # the events that continue it: their ops come next, paired
                    start = k + 1
                    at += 2 * pipeline.bulk_run(
                        ids[start : end + 1],
                        counts[start : end + 1],
                        partial(_shifted, records, start),
                    )

    @staticmethod
    def _members(fast_lines: pl.DataFrame, fast: pl.DataFrame) -> dict[int, list[int]]:
        """Each fast event's line indexes (by its row in ``fast``)."""
        numbered = fast.select(_KEYS).with_row_index("k")
        rows = fast_lines.select([*_KEYS, "idx"]).join(
            numbered, on=_KEYS, how="left", nulls_equal=True
        )
        grouped = rows.group_by("k").agg(pl.col("idx").sort())
        return dict(zip(grouped["k"].to_list(), grouped["idx"].to_list(), strict=True))

    def _records(
        self,
        event_id: EventId,
        shape: str,
        syscall: str | None,
        members: Callable[[], list[int]],
        lines: list[str],
    ) -> Sequence[Item]:
        """A bulk event's records: its shape's, with its own origin."""
        pipeline = self.pipeline
        if len(self._shapes) >= MAX_SHAPES or len(self._sockets) >= MAX_SHAPES:
            self._shapes.clear()
            self._sockets.clear()
        port = None
        if syscall in STATEFUL:
            found = self._stateful(shape, syscall, event_id, members, lines)
            if found is None:
                return []  # a bind: it makes no record
            port = found
        key = (shape, event_id.node, event_id.seconds, port)
        known = self._shapes.get(key)
        if known is None:  # the first event of its shape: the per-event mapping
            accesses = pipeline.mapper.accesses(self._event(event_id, members(), lines))
            records = [r for a in accesses for r in records_for(a, pipeline.policy)]
            plain = None if pipeline.policy else [Template.of(r, pipeline.source) for r in records]
            self._shapes[key] = (accesses, plain)
            return records
        accesses, plain = known
        raw = f"audit({event_id.stamp()})"
        if plain is not None:  # the policy may notify per access: only without one
            return [Filled(t, event_id.serial, raw, event_id.node) for t in plain]
        origin = Origin(pipeline.source, event_id.serial, raw, event_id.node)
        return [
            r for a in accesses for r in records_for(replace(a, origin=origin), pipeline.policy)
        ]

    def _stateful(
        self,
        shape: str,
        syscall: str | None,
        event_id: EventId,
        members: Callable[[], list[int]],
        lines: list[str],
    ) -> int | None:
        """What a bind or accept does to and reads from the mapper's bound ports, in order
        (the per-event mapping's ``remember_bind`` and ``bound``): a bind's port is
        remembered (None: a bind makes no record); an accept gets the port its socket has
        now (-1: none), part of its key since its records depend on it."""
        socket = self._sockets.get(shape)
        if socket is None:  # the shape holds every field these read (SYSCALL_READS)
            event = self._event(event_id, members(), lines)
            call = event.first("SYSCALL")
            assert call is not None  # a regular kernel event with a syscall name has one
            socket = self._sockets[shape] = (socket_of(call), bound_port(event, call))
        where, port = socket
        mapper = self.pipeline.mapper
        if syscall == "bind":
            if port is not None:
                mapper.remember_bind(where, port)
            return None
        bound = mapper.bound(where)
        return -1 if bound is None else bound

    def _event(self, event_id: EventId, members: list[int], lines: list[str]) -> Event:
        """The event as the per-event path makes it: its lines parsed one by one."""
        parsed = []
        for i in members:
            line = parse_line(lines[i])
            if line.id.node is None:
                line = type(line)(line.type, event_id, line.body)
            parsed.append(line)
        return Event(event_id, tuple(parsed))


def _shifted(records: Callable[[int], Sequence[Item]], start: int, k: int) -> Sequence[Item]:
    """``records`` of the k-th event of a run that starts at ``start``."""
    return records(start + k)
