"""Lines in, records out: parse, group, check loss, map, decide, hand to a sink.

One ``Pipeline`` per run. ``feed`` takes lines in arrival order; ``tick`` lets event time
(or, live, the wall clock) expire open events and serial gaps; ``finish`` drains. Every line
is accounted for: ``lines = grouped + EOE markers + rejects + duplicates`` (``Tally``; the
lines of events before the checkpoint are among ``grouped`` and counted in ``skipped``).
"""

from __future__ import annotations

import bisect
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from seaudit.agent.access import Policy, records_for
from seaudit.agent.checkpoint import Checkpoint, covered
from seaudit.agent.group import DEFAULT_TIMEOUT, Event, Grouper
from seaudit.agent.loss import SerialWatch, loss_record
from seaudit.agent.mapping import Mapper
from seaudit.agent.parse import EventId, parse_line
from seaudit.agent.rows import Item
from seaudit.errors import ParseError
from seaudit.schema.record import AuditRecord

INF = float("inf")
Sink = Callable[[list[Item], dict[str | None, EventId]], None]


@dataclass
class Tally:
    lines: int = 0
    rejects: int = 0
    grouped: int = 0  # lines in the events emitted
    skipped: int = 0  # lines of events at or before the checkpoint
    events: int = 0
    records: int = 0
    lost: int = 0
    reject_messages: list[str] = field(default_factory=list)

    def summary(self, duplicates: int) -> str:
        return (
            f"{self.lines} lines: {self.events} events -> {self.records} records, "
            f"{self.rejects} rejected, {duplicates} duplicate, {self.skipped} before the "
            f"checkpoint; {self.lost} events lost"
        )


class Pipeline:
    def __init__(
        self,
        sink: Sink,
        *,
        node: str | None,
        source: str,
        policy: Policy | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        batch: int = 4096,
        on_reject: Callable[[str], None] | None = None,
    ) -> None:
        self.sink = sink
        self.node = node
        self.source = source
        self.policy = policy
        self.checkpoint = checkpoint or Checkpoint()
        #: the marks this run resumed from: only they say an event was handled before (the
        #: checkpoint moves during the run, and an event still open then is not handled yet)
        self._resumed = dict(self.checkpoint.marks)
        self.grouper = Grouper(timeout=timeout)
        self.mapper = Mapper(node=node, source=source)
        self.serials: dict[str | None, SerialWatch] = {}
        self.timeout = timeout
        self.batch = batch
        self.tally = Tally()
        self.on_reject = on_reject or (lambda message: print(message, file=sys.stderr))
        self._pending: list[Item] = []
        self._marks: dict[str | None, EventId] = {}
        #: held by whoever feeds, and by a reader taking the sink's records (``--to``)
        self.lock = threading.RLock()
        #: no serial gap is due before this event time (a lower bound: a gap filled since
        #: leaves it early, and the next check puts it right); infinite: no gap is open
        self._gaps_due = INF

    def feed(self, line: str, number: int, source: str | None = None) -> None:
        if not line or line.isspace():
            return  # blank lines are not records
        self.tally.lines += 1
        try:
            parsed = parse_line(line, source=source or self.source, number=number)
        except ParseError as exc:
            self.tally.rejects += 1
            self.on_reject(_escaped(str(exc)))
            return
        if parsed.id.node is None and self.node is not None:
            parsed = type(parsed)(parsed.type, _with_node(parsed.id, self.node), parsed.body)
        for event in self.grouper.feed(parsed):
            self._event(event)
        if parsed.id.time >= self._gaps_due:
            self._expire_gaps(parsed.id.time)
        if len(self._pending) >= self.batch:
            self.flush()

    def bulk_tick(self, now: float, *, gaps: bool = True) -> None:
        """What the first line of an event grouped in bulk does (``feed`` without the line):
        event time moves on, expiring open events, then (``gaps``; not when the line ends
        its event too: ``bulk_event`` does it after the event) serial gaps."""
        for event in self.grouper.advance(now):
            self._event(event)
        if gaps and now >= self._gaps_due:
            self._expire_gaps(now)

    def bulk_event(
        self,
        event_id: EventId,
        lines: int,
        first_type: str,
        records: Callable[[], Sequence[Item]],
    ) -> None:
        """An event grouped in bulk, at its last line: ``records`` makes its records (not
        called for an event before the checkpoint). Accounted as ``feed`` accounts it."""
        self.tally.lines += lines
        self.grouper.finished(event_id)
        if self._handled(event_id, lines, first_type):
            self._pending.extend(records())
        if event_id.time >= self._gaps_due:
            self._expire_gaps(event_id.time)
        if len(self._pending) >= self.batch:
            self.flush()

    def bulk_run(
        self, ids: Sequence[EventId], lines: Sequence[int], records: Callable[[int], Sequence[Item]]
    ) -> int:
        """Events grouped in bulk that continue one another (``agent.runs``; ``lines`` of
        each), as ``bulk_tick`` and ``bulk_event`` would take them one by one, with the
        bookkeeping done once; ``records(k)`` makes the k-th one's records. Takes the events
        before the first whose time makes an open event or serial gap due (their times do
        not go down), and none unless the serial before the run's is the last seen on its
        node and the checkpoint does not cover the first: then their events change nothing
        but what is done here. Returns how many it took."""
        first = ids[0]
        watch = self.serials.get(first.node)
        if watch is None or watch.high != first.serial - 1 or covered(self._resumed, first):
            return 0
        due = min(self.grouper.first_due(), self._gaps_due)
        taken = bisect.bisect_left(ids, due, key=_time)
        if not taken:
            return 0
        for k in range(taken):
            self._pending.extend(records(k))
            if len(self._pending) >= self.batch:
                self._mark(ids[k])
                self.flush()
        run = ids[:taken]
        self._mark(run[-1])
        watch.see_consecutive(run[-1])
        self.grouper.finished_run(run)
        count = sum(lines[:taken])
        self.tally.lines += count
        self.tally.grouped += count
        self.tally.events += taken
        return taken

    def tick(self, now: float) -> None:
        """Expire events and gaps older than ``timeout`` before ``now`` (event time)."""
        for event in self.grouper.expire(now):
            self._event(event)
        self._expire_gaps(now)

    def add(self, record: AuditRecord) -> None:
        """A record made outside the event flow (a kernel counter rise, a queue overflow)."""
        self._pending.append(record)

    def flush(self) -> None:
        if self._pending or self._marks:
            records, self._pending = self._pending, []
            marks = self._resume_marks()
            self.sink(records, marks)
            self.tally.records += len(records)
            self.checkpoint.update(marks)

    def finish(self) -> None:
        for event in self.grouper.drain():
            self._event(event)
        for node, watch in self.serials.items():
            self._report_gaps(node, watch.expire(0, final=True))
        self.flush()

    # --- internals -----------------------------------------------------------------------

    def _resume_marks(self) -> dict[str | None, EventId]:
        """The marks to checkpoint: the last event handled per node, but never past a serial
        gap still open (its loss record is not written yet; a restart must see it again) nor
        past an event still open (its records are not written yet)."""
        marks = dict(self._marks)
        holds = [watch.resume_point() for watch in self.serials.values()]
        holds += [_just_before(event_id) for event_id in self.grouper.open_ids()]
        for point in holds:
            mark = marks.get(point.node) if point is not None else None
            if point is not None and mark is not None and _order(point) < _order(mark):
                marks[point.node] = point
        return marks

    def _event(self, event: Event) -> None:
        if self._handled(event.id, len(event.records), event.records[0].type):
            for access in self.mapper.accesses(event):
                self._pending.extend(records_for(access, self.policy))

    def _handled(self, event_id: EventId, lines: int, first_type: str) -> bool:
        """Account for an event; False when the checkpoint says it was handled before."""
        self.tally.grouped += lines
        if covered(self._resumed, event_id):
            self.tally.skipped += lines
            return False
        self.tally.events += 1
        if not first_type.startswith("DAEMON_"):  # auditd numbers those itself
            self._watch(event_id)
        self._mark(event_id)
        return True

    def _mark(self, event_id: EventId) -> None:
        """The last event handled on its node, for the checkpoint."""
        mark = self._marks.get(event_id.node)
        if mark is None or _order(event_id) > _order(mark):
            self._marks[event_id.node] = event_id

    def _watch(self, event_id: EventId) -> None:
        node = event_id.node
        watch = self.serials.get(node)
        if watch is None:
            watch = self.serials[node] = SerialWatch(timeout=self.timeout)
            last = self._resumed.get(node)
            if last is not None:
                watch.see(last)
        watch.see(event_id)
        if watch.gaps:
            self._gaps_due = min(self._gaps_due, watch.due())

    def _expire_gaps(self, now: float) -> None:
        for node, watch in self.serials.items():
            if watch.gaps and watch.due() <= now:
                self._report_gaps(node, watch.expire(now))
        self._gaps_due = min((watch.due() for watch in self.serials.values()), default=INF)

    def _report_gaps(self, node: str | None, gaps: list[tuple[int, int, float]]) -> None:
        for first, last, when in gaps:
            count = last - first + 1
            self.tally.lost += count
            span = str(first) if first == last else f"{first}-{last}"
            text = f"{count} audit events lost: serials {span} never arrived"
            self._pending.append(
                loss_record(
                    what="serial", count=count, when=when, text=text, node=node, source=self.source
                )
            )


def _time(event: EventId) -> float:
    return event.time


def _just_before(event: EventId) -> EventId:
    """A mark that covers what comes before ``event`` in ``_order`` and not ``event``."""
    return EventId(event.node, event.seconds, event.millis, event.serial - 1)


def _order(event: EventId) -> tuple[int, int, int]:
    return (event.seconds, event.millis, event.serial)


def _with_node(event: EventId, node: str) -> EventId:
    return EventId(node, event.seconds, event.millis, event.serial)


def _escaped(message: str) -> str:
    """A message safe for a terminal: control characters shown as escapes."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in message)
