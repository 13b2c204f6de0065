"""Nothing hidden: every line of any stream (events in any order, repeated lines, EOE markers,
noise) is accounted for as grouped, a marker, a reject or a duplicate."""

from __future__ import annotations

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
