from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.agent.decode import text
from seaudit.agent.parse import AuditLine, EventId, parse_line, render_line
from seaudit.errors import ParseError
from tests.agent.strategies import lines


@given(lines())
def test_render_then_parse_gives_the_line_back(case: tuple[AuditLine, dict[str, str]]) -> None:
    line, meaning = case
    parsed = parse_line(render_line(line))
    assert parsed == line
    for name, value in meaning.items():
        raw = parsed.get(name)
        assert raw is not None
        assert (text(name, raw) if name in ("name", "comm", "exe", "cwd") else raw) == value


def test_user_space_message_fields_are_read_from_inside_msg() -> None:
    line = parse_line(
        "type=USER_LOGIN msg=audit(1796014697.808:29): pid=23494 uid=0 auid=3065842 ses=1 "
        'msg=\'op=login acct="seaudit-test" exe="/usr/sbin/sshd" hostname=localhost '
        "addr=127.0.0.1 terminal=ssh res=success'"
    )
    assert line.type == "USER_LOGIN"
    assert line.id == EventId(None, 1796014697, 808, 29)
    assert line.get("res") == "success"
    assert text("acct", line.get("acct") or "") == "seaudit-test"
    assert line.get("pid") == "23494"


def test_an_operation_with_spaces_keeps_its_words() -> None:
    line = parse_line(
        "type=ADD_USER msg=audit(1700000000.001:7): pid=1 uid=0 auid=1000 ses=3 "
        "msg='op=adding user id=1001 exe=\"/usr/sbin/useradd\" res=success'"
    )
    assert line.get("op") == "adding user"
    assert line.get("id") == "1001"


def test_enriched_part_is_ignored() -> None:
    line = parse_line('type=CWD msg=audit(1.002:3): cwd="/root"\x1dUID="root"')
    assert line.fields == (("cwd", '"/root"'),)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("hello world", "no type= field"),
        ("type=SYSCALL msg=audit(abc:1): x=1", "bad audit stamp"),
        ("type=SYSCALL arch=c000003e", "no msg=audit"),
        ("node=a type=X msg=audit(1.1): x=1", "bad audit stamp"),
        ("node=../../etc type=X msg=audit(1.1:2): x=1", "node= is not a host-like name"),
    ],
)
def test_malformed_lines_are_refused_with_where_and_why(line: str, reason: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_line(line, source="audit.log", number=12)
    assert str(info.value).startswith("audit.log:12: ")
    assert reason in str(info.value)


@given(st.text(max_size=200) | st.builds(lambda t: f"type=X msg=audit(1.2:3): {t}", st.text()))
def test_any_text_parses_or_is_refused_cleanly(line: str) -> None:
    try:
        parsed = parse_line(line)
    except ParseError as exc:
        assert exc.reason
        return
    assert parse_line(render_line(parsed)) == parsed
