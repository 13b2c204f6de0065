"""Nothing hidden: every line of any stream (events in any order, repeated lines, EOE markers,
noise) is accounted for as grouped, a marker, a reject or a duplicate."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.agent.parse import AuditLine, EventId, render_line
from seaudit.agent.pipeline import Pipeline
from seaudit.agent.run import ListSink

KINDS = ["SYSCALL", "PATH", "CWD", "PROCTITLE", "EOE", "USER_LOGIN", "USER_ACCT", "BPRM_FCAPS"]


@st.composite
def streams(draw: st.DrawFn) -> list[str]:
    lines = []
    for _ in range(draw(st.integers(0, 40))):
        roll = draw(st.integers(0, 9))
        if roll == 0:
            lines.append(draw(st.text(max_size=30)).replace("\n", " "))  # noise
            continue
        if roll == 1 and lines:
            lines.append(draw(st.sampled_from(lines)))  # a repeat
            continue
        event = EventId(
            draw(st.sampled_from([None, "a", "b"])),
            draw(st.integers(100, 106)),
            draw(st.integers(0, 999)),
            draw(st.integers(1, 30)),
        )
        body = (("pid", "1"), ("auid", "1000"), ("ses", "2"), ("res", "success"))
        lines.append(render_line(AuditLine.of(draw(st.sampled_from(KINDS)), event, body)))
    return lines


@settings(max_examples=300)
@given(streams())
def test_every_line_is_accounted_for(lines: list[str]) -> None:
    rejects: list[str] = []
    pipeline = Pipeline(ListSink(), node=None, source="t", on_reject=rejects.append)
    for number, line in enumerate(lines, 1):
        pipeline.feed(line, number)
    pipeline.finish()
    t = pipeline.tally
    g = pipeline.grouper
    assert t.lines == t.grouped + g.markers + t.rejects + g.duplicates
    assert t.rejects == len(rejects)
    assert t.lines == sum(1 for line in lines if line and not line.isspace())


def test_an_event_emitted_late_is_not_passed_by_the_checkpoint(tmp_path: Path) -> None:
    """An event with no EOE or PROCTITLE is emitted on its timeout, after later events were
    flushed: the checkpoint must stay before its serial, or the event would be skipped as
    handled and its serial reported lost; a replay killed meanwhile resumes before it."""
    from seaudit.agent.checkpoint import Checkpoint

    body = (("pid", "1"), ("auid", "1000"), ("ses", "2"), ("res", "success"))

    def login(serial: int) -> str:
        return render_line(AuditLine.of("USER_LOGIN", EventId("n", 100 + serial, 0, serial), body))

    late = render_line(AuditLine.of("SYSCALL", EventId("n", 102, 0, 2), body))
    path = tmp_path / "checkpoint.json"
    pipeline = Pipeline(
        ListSink(), node=None, source="t", checkpoint=Checkpoint(path), batch=1, timeout=2.0
    )
    for number, line in enumerate([login(1), late, *map(login, range(3, 9))], 1):
        pipeline.feed(line, number)
        pipeline.flush()
        mark = Checkpoint(path).get("n")
        if number < 4:  # serial 2 is open until event time reaches 104 (its timeout)
            assert mark is not None and mark.serial == 1
    pipeline.finish()
    t = pipeline.tally
    assert (t.events, t.skipped, t.lost) == (8, 0, 0)
    assert Checkpoint(path).get("n") == EventId("n", 108, 0, 8)
