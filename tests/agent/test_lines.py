"""The bulk path's line columns read a plain line exactly as ``parse_line`` does, and call
plain only lines of printable ASCII, and of the types whose shape is made of some of their
fields (``TOKENIZED``) only lines whose fields are all ``key=value`` tokens."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.agent.lines import TOKENIZED, line_frame
from seaudit.agent.parse import AuditLine, parse_line, render_line
from seaudit.errors import ParseError
from tests.agent.strategies import lines

odd = st.sampled_from(
    [
        "",
        " ",
        "type=SYSCALL msg=audit(1.2:3): a=1 b",
        "type=SYSCALL msg=audit(1.2:3):  a=1  b=2 ",
        "type=USER_LOGIN msg=audit(1.2:3): pid=1 msg='op=login res=success'",
        "type=ADD_USER msg=audit(1.2:3): pid=1 msg='op=adding user id=7 res=success'",
        "type=SYSCALL msg=audit(1.2:3): a=1 b='x'",
        "node= type=EOE msg=audit(1.2:3): ",
        "type=EOE msg=audit(1.002:3): ",
        "type=PATH msg=audit(1.2:3):name=x",
        "type=PATH msg=audit(1.2:3): =x",
        "type=PATH msg=audit(1.2:3): name=\u00e9",
        "type=PATH msg=audit(1.2:3): name=x\x1dtype=PATH",
        "junk",
    ]
)


@given(st.lists(lines().map(lambda case: render_line(case[0])) | odd, max_size=20))
def test_a_plain_line_reads_as_parse_line_reads_it(texts: list[str]) -> None:
    frame = line_frame(texts)
    assert frame["idx"].to_list() == [i for i, t in enumerate(texts) if t]
    for row in frame.iter_rows(named=True):
        text = texts[row["idx"]]
        if not row["plain"]:
            continue
        line = parse_line(text)
        got = (row["node"], row["type"], row["seconds"], row["millis"], row["serial"])
        assert got == (line.id.node, line.type, line.id.seconds, line.id.millis, line.id.serial)
        assert row["body"] == line.body
        assert text.isascii() and text.isprintable()
        if line.type in TOKENIZED:
            assert len(line.fields) == len(line.body.split())  # every token key=value
            assert "'" not in text


def test_what_is_not_plain() -> None:
    texts = [
        "type=SYSCALL msg=audit(1.2:3): a=1 b",  # a bare word continues a value
        "type=PATH msg=audit(1.2:3): name=x msg='op=x'",  # a quote in a tokenized type
        "type=PATH msg=audit(1.2:3): name=\u00e9",  # not ASCII
        "type=EOE msg=audit(1.002:3): ",  # no fields
        "junk",
    ]
    frame = line_frame(texts)
    assert not frame["plain"].any()
    with pytest.raises(ParseError):  # the per-event path reports it
        parse_line(texts[-1])


def test_node_and_body_spaces() -> None:
    line = AuditLine.of("CWD", parse_line("type=CWD msg=audit(5.006:7): cwd=x").id, ())
    frame = line_frame(['node=h1 type=CWD msg=audit(5.006:7):   cwd="/"  ', render_line(line)])
    assert frame.select("node", "seconds", "millis", "serial", "body", "plain").rows() == [
        ("h1", 5, 6, 7, 'cwd="/"', True),  # CWD's shape is its whole body: spaces are fine
        (None, 5, 6, 7, "", False),  # no fields
    ]
