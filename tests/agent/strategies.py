"""Hypothesis strategies of audit lines and events, rendered as the kernel writes them."""

from __future__ import annotations

from hypothesis import strategies as st

from seaudit.agent.decode import encode_text
from seaudit.agent.parse import AuditLine, EventId

nodes = st.none() | st.from_regex(r"[a-z][a-z0-9.-]{0,15}", fullmatch=True)
field_names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda k: k not in ("msg", "node", "type")
)
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
plain = st.from_regex(r"[A-Za-z0-9_:./+-]{1,20}", fullmatch=True)


@st.composite
def event_ids(draw: st.DrawFn) -> EventId:
    return EventId(
        draw(nodes),
        draw(st.integers(1_000_000_000, 2_000_000_000)),
        draw(st.integers(0, 999)),
        draw(st.integers(1, 2**32)),
    )


@st.composite
def lines(draw: st.DrawFn, event: EventId | None = None) -> tuple[AuditLine, dict[str, str]]:
    """A kernel line and the text each field stands for."""
    event = event or draw(event_ids())
    kind = draw(st.sampled_from(["SYSCALL", "PATH", "CWD", "EXECVE", "SOCKADDR", "PROCTITLE"]))
    names = draw(st.lists(field_names, unique=True, max_size=8))
    fields, meaning = [], {}
    for name in names:
        value = draw(texts) if name in ("name", "comm", "exe", "cwd") else draw(plain)
        raw = encode_text(value) if name in ("name", "comm", "exe", "cwd") else value
        fields.append((name, raw))
        meaning[name] = value
    return AuditLine.of(kind, event, tuple(fields)), meaning
