"""The policy file: the selang subset, and errors that name the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import PolicyError
from seaudit.policy import parse_policy
from seaudit.policy.modes import ALL, Audit
from seaudit.policy.selang import load_policy
from seaudit.policy.simulate import example_policy_text


def test_every_verb_and_short_form() -> None:
    policy = parse_policy(
        """
        # comment
        ng g1 audit(success)
        newgrp g2
        cg g2 audit(FAILURE)
        eg g3 audit(none)
        nu (u1, u2) audit(all)
        newusr u3 profile(g1) category(PCI, SOX) admin
        cu u3 admin-
        eu u4 audit(loginfailure loginsuccess)
        join (u1 u2) group(g1, g2)
        nr FILE /a defacc(r) audit(failure) owner(u1) warning notify(u2)
        cr FILE /a warning-
        newres TCP "my service" defacc(none)
        nf /b defacc(read write)
        cf /b audit(all)
        ef /c category(PCI)
        auth FILE /a uid(u2) acc(w)
        authorize FILE /a gid(g1) access(read)
        authorize- FILE /a uid(u2)
        so class+(REGKEY) class-(SUDO) audit(success)
        setoptions class(FILE) warning
        setoptions auditonly
        """
    )
    assert policy.users["u1"].audit == ALL and policy.users["u1"].groups == ("g1", "g2")
    assert policy.users["u3"].profile == "g1" and not policy.users["u3"].admin
    assert policy.users["u3"].categories == {"PCI", "SOX"}
    assert policy.users["u4"].audit == Audit.LOGINFAIL | Audit.LOGINSUCCESS
    assert policy.groups["g2"].audit == Audit.FAIL and policy.groups["g3"].audit == Audit.NONE
    a = policy.resources[("FILE", "/a")]
    assert a.defacc == {"read"} and a.owner == "u1" and a.warning is None and a.notify == ("u2",)
    assert [(e.accessor, e.is_group, set(e.access)) for e in a.acl] == [("g1", True, {"read"})]
    assert ("TCP", "my service") in policy.resources
    assert policy.resources[("FILE", "/b")].defacc == {"read", "write"}
    assert policy.resources[("FILE", "/b")].audit == Audit.FAIL | Audit.SUCCESS
    assert "REGKEY" in policy.active_classes and "SUDO" not in policy.active_classes
    assert policy.system_audit == Audit.SUCCESS and policy.system_audit_from is not None
    assert "FILE" in policy.warning_classes and policy.audit_only is not None


ERRORS = [
    ("frobnicate x", 1, 1, "unknown command 'frobnicate'"),
    ("nu bob\nchusr bob audit(faliure)", 2, 17, "unknown AUDIT value 'faliure'"),
    ("chusr ghost audit(all)", 1, 7, "no user 'ghost'"),
    ("nu bob\nnu bob", 2, 4, "already defined (line 1: nu bob)"),
    ("nu bob\njoin bob group(nogroup)", 2, 16, "no group 'nogroup'"),
    ("nr FILE /x audit(loginsuccess)", 1, 18, "a resource's AUDIT is none, failure"),
    ("chres FILE /missing defacc(r)", 1, 12, "no FILE resource '/missing'"),
    ("nu bob\nauth FILE /x uid(bob) acc(r)", 2, 18, "no FILE resource '/x'"),
    ("nr FILE /x\nauth FILE /x uid(ghost) acc(r)", 2, 18, "no user 'ghost'"),
    ("nr FILE /x\nauth FILE /x acc(r)", 2, 1, "needs uid(USER) or gid(GROUP)"),
    ("nr FILE /x\nauth FILE /x uid(*)", 2, 1, "needs access"),
    ("nu bob audit(all", 1, 13, "'(' is not closed"),
    ('nr FILE "/x', 1, 9, "quoted value is not closed"),
    ("nu bob defacc(r)", 1, 8, "nu does not take defacc"),
    ("setoptions warning", 1, 12, "needs class(CLASS)"),
    ("nu bob audit()", 1, 8, "audit() is empty"),
    ("nr FILE", 1, 1, "the resource name is missing"),
    ("(x)", 1, 1, "must start with a selang command"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), ERRORS)
def test_errors_name_the_line_and_column(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, source="site.selang")
    err = info.value
    assert (err.line, err.column) == (line, column), err
    assert message in err.reason
    assert str(err).startswith(f"site.selang:{line}:{column}: ")


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.selang"
    path.write_bytes(b"nu bob\nnu \xff\n")
    with pytest.raises(PolicyError, match=r":2:4: not UTF-8"):
        load_policy(path)


def test_the_bundled_example_policy_reads() -> None:
    policy = parse_policy(example_policy_text())
    assert policy.accessor("mallory").traced
    assert policy.accessor("alice").admin
    assert policy.resources[("FILE", "/etc/ssh/sshd_config")].warning is not None


_SELANG_WORDS = st.sampled_from(
    ["nu", "chusr", "ng", "join", "nr", "chres", "auth", "authorize-", "so", "FILE", "bob",
     "staff", "/x", "_default", "audit(", "defacc(", "uid(", "gid(", "acc(", "group(",
     "class+(", "class(", "warning", "warning-", "owner(", "notify(", "all", "r", ")", "(",
     ",", '"', "'", "\n", " ", "#", "\x00", "é"]
)  # fmt: skip


@given(st.lists(_SELANG_WORDS, max_size=40).map("".join) | st.text(max_size=200))
def test_any_text_is_a_policy_or_a_policy_error(text: str) -> None:
    try:
        parse_policy(text, source="p")
    except PolicyError as err:
        assert err.line >= 1 and err.column >= 1 and str(err).startswith("p:")


def test_errors_escape_control_characters_of_the_file() -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy("chres F\x1b[31mILE /x defacc(r)", source="p\x07.selang")
    text = str(info.value)
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("p\\x07.selang:1:17: no F\\x1b[31MILE resource '/x'")
