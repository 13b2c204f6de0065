from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seaudit.agent.group import Event, Grouper
from seaudit.agent.parse import AuditLine, EventId, parse_line


def _line(kind: str, seconds: int, serial: int, node: str | None = None) -> AuditLine:
    return AuditLine.of(kind, EventId(node, seconds, 0, serial), (("x", "1"),))


def test_eoe_ends_an_event_and_is_left_out() -> None:
    g = Grouper()
    assert g.feed(_line("SYSCALL", 10, 1)) == []
    assert g.feed(_line("PATH", 10, 1)) == []
    (event,) = g.feed(_line("EOE", 10, 1))
    assert [r.type for r in event.records] == ["SYSCALL", "PATH"]


def test_without_eoe_event_time_ends_it() -> None:
    g = Grouper(timeout=2)
    g.feed(_line("SYSCALL", 10, 1))
    assert g.feed(_line("SYSCALL", 11, 2)) == []
    done = g.feed(_line("SYSCALL", 12, 3))
    assert [e.id.serial for e in done] == [1]
    assert [e.id.serial for e in g.drain()] == [2, 3]


def test_user_space_records_are_whole_events() -> None:
    g = Grouper()
    (event,) = g.feed(_line("USER_LOGIN", 10, 5))
    assert event.records[0].type == "USER_LOGIN"


def test_a_record_of_a_finished_event_is_a_duplicate() -> None:
    g = Grouper()
    g.feed(_line("USER_AUTH", 10, 5))
    assert g.feed(_line("USER_AUTH", 10, 5)) == []
    g.feed(_line("SYSCALL", 11, 6))
    g.feed(_line("EOE", 11, 6))
    assert g.feed(_line("PATH", 11, 6)) == []
    assert g.duplicates == 2


def test_same_serial_on_two_nodes_is_two_events() -> None:
    g = Grouper()
    g.feed(_line("SYSCALL", 10, 1, "a"))
    g.feed(_line("SYSCALL", 10, 1, "b"))
    assert len(g.drain()) == 2


@st.composite
def interleavings(draw: st.DrawFn) -> tuple[list[list[AuditLine]], list[AuditLine]]:
    """Events of 1-4 kernel records each, their lines interleaved (each event's own in order),
    all within one second of event time."""
    count = draw(st.integers(1, 12))
    events = []
    for serial in range(1, count + 1):
        kinds = [
            "SYSCALL",
            *draw(st.lists(st.sampled_from(["PATH", "CWD", "SOCKADDR"]), max_size=3)),
        ]
        events.append([_line(k, 100, serial) for k in kinds])
    queues = [list(e) for e in events]
    merged = []
    while any(queues):
        i = draw(st.sampled_from([i for i, q in enumerate(queues) if q]))
        merged.append(queues[i].pop(0))
    return events, merged


@given(interleavings(), st.booleans())
def test_interleaved_events_come_out_whole(
    case: tuple[list[list[AuditLine]], list[AuditLine]], with_eoe: bool
) -> None:
    events, merged = case
    g = Grouper()
    out: list[Event] = []
    for line in merged:
        out += g.feed(line)
    if with_eoe:
        for e in events:
            out += g.feed(_line("EOE", 100, e[0].id.serial))
    out += g.drain()
    assert sorted((e.id.serial, e.records) for e in out) == sorted(
        (e[0].id.serial, tuple(e)) for e in events
    )


def test_proctitle_closes_a_syscall_event() -> None:
    g = Grouper()
    g.feed(parse_line("type=SYSCALL msg=audit(1.000:9): syscall=59"))
    (event,) = g.feed(parse_line("type=PROCTITLE msg=audit(1.000:9): proctitle=6C73"))
    assert len(event.records) == 2
