"""Loss is never silent: gaps in event serials, the kernel's ``lost`` and ``backlog``
counters, and lines the agent's own queue had to drop each become a product-error record
(status C) that says how many events were lost and when.

The product-error record is a ``trace`` record of status C (the product's "an error occurred
in the product", allowed for every event): class ``AUDIT``, resource what was watched
(``serial``, ``kernel.lost``, ``kernel.backlog``, ``agent.queue``), the text in ``trace``.
"""

from __future__ import annotations

from dataclasses import dataclass

from seaudit.agent.access import local_time
from seaudit.agent.kernel import KernelStatus
from seaudit.agent.lostmark import LostReading
from seaudit.agent.parse import EventId
from seaudit.schema.record import AuditRecord, Origin

AGENT_USER = "seaudit-agent"
#: a serial this far ahead of the last one is a new boot, not a gap
RESET_JUMP = 10_000_000
BACKLOG_WARN = 0.8


def loss_record(
    *, what: str, count: int, when: float, text: str, node: str | None, source: str
) -> AuditRecord:
    return AuditRecord(
        event="trace",
        timestamp=local_time(int(when)),
        status="C",
        event_name="TRACE",
        user=AGENT_USER,
        class_="AUDIT",
        resource=what,
        trace=text,
        origin=Origin(source, 0, f"loss {what} {when:.3f} {count}", node),
    )


@dataclass(slots=True)
class _Gap:
    first: int
    last: int
    seen_at: float  # event time when the gap appeared
    #: the last event before the gap: a checkpoint may not pass it while the gap is open
    before: EventId | None = None


class SerialWatch:
    """Serials of one node: a missing one still missing ``timeout`` seconds of event time
    later is lost (events may come a little out of order, never that late)."""

    def __init__(self, *, timeout: float = 2.0, max_gaps: int = 4096) -> None:
        self.timeout = timeout
        self.max_gaps = max_gaps
        self.high: int | None = None
        self.high_id: EventId | None = None
        self.gaps: list[_Gap] = []
        #: the earliest ``seen_at`` of the gaps, None when they changed since: ``expire``
        #: runs for each line while a gap is open, and must not scan them all each time
        self._soonest: float | None = None

    def resume_point(self) -> EventId | None:
        """Where a restart must resume to still see the open gaps (None: no gap is open).
        A gap's record is written only when it expires; a checkpoint past it would lose it."""
        marks = [g.before for g in self.gaps if g.before is not None]
        return min(marks, key=lambda m: (m.seconds, m.millis, m.serial), default=None)

    def see(self, event: EventId) -> None:
        serial = event.serial
        if self.high is None or serial > self.high + RESET_JUMP or serial + RESET_JUMP < self.high:
            self.high, self.high_id, self.gaps = serial, event, []
            self._soonest = None
            return
        if serial > self.high:
            if serial > self.high + 1:
                self._soonest = None
                self.gaps.append(_Gap(self.high + 1, serial - 1, event.time, self.high_id))
                if len(self.gaps) > self.max_gaps:  # bounded: merge the two oldest
                    a, b = self.gaps.pop(0), self.gaps.pop(0)
                    self.gaps.insert(0, _Gap(a.first, b.last, a.seen_at, a.before))
            self.high, self.high_id = serial, event
            return
        self._fill(serial)

    def see_consecutive(self, last: EventId) -> None:
        """``see`` for each of a run of events whose serials follow the last seen one by one
        up to ``last``'s: no gap made, none filled, no reset; only the high mark moves."""
        self.high, self.high_id = last.serial, last

    def _fill(self, serial: int) -> None:
        for i, gap in enumerate(self.gaps):
            if gap.first <= serial <= gap.last:
                parts = []
                if gap.first < serial:
                    parts.append(_Gap(gap.first, serial - 1, gap.seen_at, gap.before))
                if serial < gap.last:
                    parts.append(_Gap(serial + 1, gap.last, gap.seen_at, gap.before))
                self.gaps[i : i + 1] = parts
                self._soonest = None
                return

    def expire(self, now: float, *, final: bool = False) -> list[tuple[int, int, float]]:
        """Gaps now known lost: (first serial, last serial, event time)."""
        if not self.gaps or (not final and self._earliest() + self.timeout > now):
            return []
        lost = [g for g in self.gaps if final or g.seen_at + self.timeout <= now]
        self.gaps = [g for g in self.gaps if g not in lost]
        self._soonest = None
        return [(g.first, g.last, g.seen_at) for g in lost]

    def due(self) -> float:
        """The event time at which the oldest open gap is lost (infinite: none is open)."""
        return self._earliest() + self.timeout if self.gaps else float("inf")

    def _earliest(self) -> float:
        if self._soonest is None:
            self._soonest = min(g.seen_at for g in self.gaps)
        return self._soonest


class KernelWatch:
    """The kernel's counters between two readings: a rise of ``lost``, a backlog near its
    limit. ``previous`` is the last reading of an earlier run (``agent.lostmark``): the first
    reading is compared with it, so what the kernel lost while the agent was down is
    reported; without one the first reading is only the baseline. ``boot`` is this boot's id.

    The counter never goes down in one boot unless someone resets it (``auditctl
    --reset-lost``): then what it shows is what was lost since the reset, and what was lost
    between the last reading and the reset is unknown; the record says so. After a reboot
    the counter starts from zero, so the baseline is zero."""

    def __init__(self, previous: LostReading | None = None, boot: str | None = None) -> None:
        self.boot = boot
        self.last: KernelStatus | None = None
        self._previous = previous
        self._backlog_high = False

    def reading(self) -> LostReading | None:
        """The last reading, to keep for the next run (None: none made)."""
        return None if self.last is None else LostReading(self.boot, self.last.lost)

    def check(self, status: KernelStatus) -> list[tuple[str, int, str]]:
        """(what, count, text) for each rise since the last reading."""
        out: list[tuple[str, int, str]] = []
        last, self.last = self.last, status
        lost = self._lost(last, status.lost)
        if lost is not None:
            out.append(lost)
        limit = status.backlog_limit
        high = bool(limit) and status.backlog >= BACKLOG_WARN * limit
        if high and not self._backlog_high:
            out.append(
                (
                    "kernel.backlog",
                    0,
                    f"audit events at risk: kernel backlog {status.backlog} of {limit}, "
                    "events are lost when it fills",
                )
            )
        self._backlog_high = high
        return out

    def _lost(self, last: KernelStatus | None, now: int) -> tuple[str, int, str] | None:
        if last is not None:
            before, when = last.lost, ""
        elif self._previous is None:
            return None  # the first reading ever: the baseline
        elif self.boot is not None and self._previous.boot not in (None, self.boot):
            if now == 0:
                return None
            text = (
                f"{now} audit events lost while the agent was not running: kernel lost "
                f"counter {now} since the kernel restarted (it read {self._previous.lost} "
                "before the restart)"
            )
            return ("kernel.lost", now, text)
        else:
            before, when = self._previous.lost, " while the agent was not running"
        if now > before:
            rise = now - before
            return (
                "kernel.lost",
                rise,
                f"{rise} audit events lost{when}: kernel lost counter {before} -> {now}",
            )
        if now < before:
            text = (
                f"{now} audit events lost{when} since the kernel lost counter was reset "
                f"({before} -> {now}); losses between the last reading and the reset are unknown"
            )
            return ("kernel.lost", now, text)
        return None
