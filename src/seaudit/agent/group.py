"""Records of one event gathered by event id, emitted whole.

The kernel ends a multi-record event with EOE, but audit.log holds no EOE: an event is also
complete when a record comes from user space (types 1100-1299 and 2100-2999 are single
records), when its PROCTITLE comes (the kernel's last record of a syscall event), or when
event time has moved on past ``timeout`` seconds since it began (auditd's
``end_of_event_timeout``). Finished ids are remembered (``remember`` of them)
so a record that comes again, or late, is counted as a duplicate and never makes a second
event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from seaudit.agent.parse import AuditLine, EventId

EOE = "EOE"
#: the kernel writes PROCTITLE last in a syscall event (audit_log_exit), just before EOE
LAST_OF_SYSCALL = "PROCTITLE"
DEFAULT_TIMEOUT = 2.0
DEFAULT_REMEMBER = 200_000
#: records held open at most; past it the oldest event is emitted as it is (bounded memory)
MAX_OPEN = 10_000


@dataclass(frozen=True, slots=True)
class Event:
    """One audit event: its id and its records in arrival order (EOE left out)."""

    id: EventId
    records: tuple[AuditLine, ...]

    def first(self, kind: str) -> AuditLine | None:
        for record in self.records:
            if record.type == kind:
                return record
        return None

    def all(self, kind: str) -> list[AuditLine]:
        return [r for r in self.records if r.type == kind]


def is_user_space(kind: str) -> bool:
    """Whether a record type comes from user space (libaudit), which sends one record an
    event; numeric names (``UNKNOWN[1105]``) are read by number."""
    number = _type_number(kind)
    if number is None:
        return kind.startswith(("USER_", "CRED_", "ANOM_LOGIN", "DAEMON_", "ADD_", "DEL_", "GRP_"))
    return 1100 <= number <= 1299 or 2100 <= number <= 2999


def _type_number(kind: str) -> int | None:
    if kind.startswith("UNKNOWN[") and kind.endswith("]") and kind[8:-1].isdigit():
        return int(kind[8:-1])
    return None


class Grouper:
    """Feed lines in arrival order; get back the events they complete."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        remember: int = DEFAULT_REMEMBER,
        max_open: int = MAX_OPEN,
    ) -> None:
        self.timeout = timeout
        self.remember = remember
        self.max_open = max_open
        self.duplicates = 0
        self.markers = 0  # EOE lines
        self._open: dict[EventId, list[AuditLine]] = {}
        self._done: OrderedDict[EventId, None] = OrderedDict()
        self._latest = 0.0

    def feed(self, line: AuditLine) -> list[Event]:
        """The events this line completes (its own, and those it shows timed out)."""
        out: list[Event] = []
        event_id = line.id
        if line.type == EOE:  # a marker, never a record: after PROCTITLE ended it, too
            self.markers += 1
            records = self._open.pop(event_id, None)
            if records is not None:
                out.append(self._finish(event_id, records))
            return out
        if event_id in self._done:
            self.duplicates += 1
            return out
        if event_id.time > self._latest:
            self._latest = event_id.time
            out.extend(self.expire(self._latest))
        if is_user_space(line.type) and event_id not in self._open:
            out.append(self._finish(event_id, [line]))
            return out
        self._open.setdefault(event_id, []).append(line)
        if line.type == LAST_OF_SYSCALL:
            out.append(self._finish(event_id, self._open.pop(event_id)))
        elif len(self._open) > self.max_open:
            oldest = next(iter(self._open))
            out.append(self._finish(oldest, self._open.pop(oldest)))
        return out

    def expire(self, now: float) -> list[Event]:
        """Events begun more than ``timeout`` seconds of event time before ``now``."""
        out: list[Event] = []
        expired = []
        for event_id in self._open:  # oldest first; an event out of order waits its turn
            if event_id.time + self.timeout > now:
                break
            expired.append(event_id)
        for event_id in expired:
            out.append(self._finish(event_id, self._open.pop(event_id)))
        return out

    def drain(self) -> list[Event]:
        """Every open event, now (end of input)."""
        out = [self._finish(e, records) for e, records in self._open.items()]
        self._open.clear()
        return out

    def seen(self, event_id: EventId) -> bool:
        """Whether records of this event came before (it is open, or finished)."""
        return event_id in self._open or event_id in self._done

    def advance(self, now: float) -> list[Event]:
        """What a line of event time ``now`` does before it is grouped: time moves on, and
        the events it shows timed out are emitted (for the bulk path's events)."""
        if now <= self._latest:
            return []
        self._latest = now
        return self.expire(now) if self._open else []

    @property
    def latest(self) -> float:
        return self._latest

    def finished(self, event_id: EventId) -> None:
        """An event grouped elsewhere (the bulk path) is remembered as finished."""
        self._done[event_id] = None
        if len(self._done) > self.remember:
            self._done.popitem(last=False)

    def first_due(self) -> float:
        """The event time from which ``expire`` emits an open event (infinite: none open)."""
        for event_id in self._open:  # the oldest: ``expire`` stops at the first not due
            return event_id.time + self.timeout
        return float("inf")

    def finished_run(self, ids: Sequence[EventId]) -> None:
        """``advance`` to each event's time and ``finished`` each, in order, while no open
        event is due (``first_due``): the bulk path's runs (``Pipeline.bulk_run``)."""
        self._latest = max(self._latest, max(i.time for i in ids))
        done = self._done
        for event_id in ids:
            done[event_id] = None
        while len(done) > self.remember:
            done.popitem(last=False)

    def open_ids(self) -> list[EventId]:
        """The events begun and not yet emitted."""
        return list(self._open)

    @property
    def pending(self) -> int:
        return len(self._open)

    def _finish(self, event_id: EventId, records: list[AuditLine]) -> Event:
        self.finished(event_id)
        return Event(event_id, tuple(records))
