"""An event's shape leaves out only what the mapping never reads: changing any field that
``mapping.UNREAD`` names (the SYSCALL fields its syscall reads aside) changes no access;
and the group-by makes the events the per-event grouper makes, for regular events."""

from __future__ import annotations

import pytest

from seaudit.agent import syscalls
from seaudit.agent.group import Event, Grouper
from seaudit.agent.lines import line_frame
from seaudit.agent.mapping import ALL, SYSCALL_READS, UNREAD, Mapper
from seaudit.agent.parse import AuditLine, parse_line
from seaudit.agent.shape import events
from tests.agent.test_bulk import EVENTS

#: values put in place of every field the mapping never reads: numbers, hex text, unset,
#: quoted text
VARIANTS = ("0", "4294967295", "(null)", "2F746D70", '"/x y"', "ffffff9c")


def _event(texts: list[str]) -> Event:
    lines = [parse_line(t) for t in texts]
    return Event(lines[0].id, tuple(lines))


def _varied(line: AuditLine, syscall: str | None, value: str) -> AuditLine:
    unread = UNREAD.get(line.type, frozenset())
    if line.type == "SYSCALL":
        unread = unread - set(SYSCALL_READS.get(syscall or "", ()))
    fields = tuple(
        (key, value if unread == ALL or key in unread else raw) for key, raw in line.fields
    )
    return AuditLine.of(line.type, line.id, fields)


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
@pytest.mark.parametrize("texts", EVENTS, ids=lambda texts: texts[0][:60])
def test_fields_the_mapping_never_reads_change_no_access(texts: list[str], relative: bool) -> None:
    """Every recorded event, with each unread field set to each of ``VARIANTS``; with
    relative names too (then the CWD record is read)."""
    if relative:
        texts = [t.replace(' name="/', ' name="', 1) if "type=PATH" in t else t for t in texts]
    event = _event(texts)
    call = event.first("SYSCALL")
    name = syscalls.syscall_name(call.get("arch"), call.get("syscall")) if call else None
    expected = Mapper(node="n", source="s").accesses(event)
    for value in VARIANTS:
        varied = Event(event.id, tuple(_varied(r, name, value) for r in event.records))
        assert Mapper(node="n", source="s").accesses(varied) == expected, value


def test_regular_events_are_those_the_grouper_makes() -> None:
    texts = [t for event in EVENTS for t in event]
    found = events(line_frame(texts), 0.0, 1e9)  # no timeout: order alone decides
    grouper = Grouper(timeout=1e9)
    made = {}
    for t in texts:
        for event in grouper.feed(parse_line(t)):
            made[event.id] = len(event.records)
    regular = found.filter(found["regular"])
    assert regular.height > len(EVENTS) // 2
    for node, seconds, millis, serial, count in regular.select(
        "node", "seconds", "millis", "serial", "count"
    ).iter_rows():
        ids = [
            i
            for i in made
            if (i.node, i.seconds, i.millis, i.serial) == (node, seconds, millis, serial)
        ]
        assert [made[i] for i in ids] == [count]
