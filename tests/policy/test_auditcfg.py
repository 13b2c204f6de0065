"""audit.cfg: each rule kind, errors with line and column, rules that can never match, and the
property that applying the file equals the equivalent query filter over the whole stream."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import PolicyError
from seaudit.policy import parse_auditcfg
from seaudit.schema.record import AuditRecord
from tests.strategies import records

T = "2024-03-04T10:00:00"
FILE_P = AuditRecord("resource_access", T, "P", class_="FILE", user="bob", access="Read",
                     stage=59, reason=2, resource="/etc/hosts", program="/bin/cat",
                     terminal="t", audit_flags="", effective_user="bob")  # fmt: skip
OUT_D = AuditRecord("outbound_network", T, "D", class_="TCP", service="ssh", user="bob",
                    stage=408, reason=2, host="db1", program="/usr/bin/ssh", terminal="t",
                    audit_flags="")  # fmt: skip
IN_P = AuditRecord("inbound_network", T, "P", class_="HOST", service="telnet", stage=59,
                   reason=3, host="ca.com", program="inetd")  # fmt: skip
CRON = AuditRecord("login", T, "P", event_name="LOGIN", user="root", stage=59, reason=2,
                   terminal="_CRONJOB_", program="SBIN_CRON", audit_flags="")  # fmt: skip
LOGOUT = AuditRecord("logout", T, "O", event_name="LOGIN", user="root", stage=49, reason=2,
                     terminal="_CRONJOB_", audit_flags="")  # fmt: skip
ADMIN = AuditRecord("db_admin", T, "S", event_name="UPDATE", class_="FILE", user="alice",
                    stage=305, reason=0, object="/x", terminal="ws1",
                    command="chres FILE /x defacc(r)", audit_flags="")  # fmt: skip
TRACE = AuditRecord("trace", T, "P", event_name="TRACE", class_="FILE", user="adm",
                    effective_user="root", real_user="john", resource="/home/j/f", stage=55,
                    audit_flags="", trace="FILE > Result: 'P'")  # fmt: skip
ALL = (FILE_P, OUT_D, IN_P, CRON, LOGOUT, ADMIN, TRACE)

# (rule, the records it keeps out)
RULES = [
    ("FILE;/etc/*;*;*;Read;P", {FILE_P}),
    ("FILE;/etc/*;alice;*;*;*", set()),
    ("FILE;*;*;*;*;D", set()),
    ("*;*;*;*;*;*", {FILE_P}),
    ("TCP;ssh;db?;*;W;D", {OUT_D}),
    ("TCP;ssh;*;*;R;*", set()),  # R is incoming: the outbound record stays
    ("HOST;telnet;ca.com;*;*;P", {IN_P}),  # REFERENCE.md's example
    ("HOST;*;*;*;*;*", {IN_P}),
    ("LOGIN;root;*;*;SBIN_CRON;P", {CRON}),  # REFERENCE.md's example
    ("LOGIN;root;*;_CRONJOB_;*;O", {LOGOUT}),
    ("LOGIN;root;*;*;*;*", {CRON, LOGOUT}),
    ("LOGIN;root;0;*;*;*", set()),  # no record carries the UserId
    ("ADMIN;FILE;*;alice;*;*;chres *;S", {ADMIN}),
    ("ADMIN;*;*;*;root;*;*;*", set()),  # nor the admin's EffectiveUser
    ("TRACE;FILE;*;*;root;*;*;*", {TRACE}),  # REFERENCE.md's example
    ("TRACE;FILE;*;john;*;adm;P;FILE >*", {TRACE}),
    ("TRACE;FILE;*;*;bob;*;*;*", set()),
]


@pytest.mark.parametrize(("rule", "dropped"), RULES)
def test_each_rule_kind(rule: str, dropped: set[AuditRecord]) -> None:
    cfg = parse_auditcfg(f"# a comment\n\n{rule}\n")
    assert {r for r in ALL if cfg.drops(r)} == dropped
    kept = list(cfg.apply(ALL))
    assert kept == [r for r in ALL if r not in dropped]
    assert kept == [r for r in ALL if cfg.as_filter().predicate()(r)]


ERRORS = [
    ("FILE;/x;*;*;*", 1, 1, "a resource rule has 6 fields"),
    ("\n  LOGIN;root;*;*;*", 2, 3, "a login rule has 6 fields"),
    ("TRACE;FILE;*;*;*;*;*", 1, 1, "a trace rule has 8 fields"),
    ("FILE;/x;;*;*;P", 1, 9, "User is empty"),
    ("ADMIN;FILE;x;y;z;t;c;\x01", 1, 22, "control character"),
    ("FI/LE;/x;*;*;*;P", 1, 1, "not a class name"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), ERRORS)
def test_errors_name_line_and_column(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_auditcfg(text, source="audit.cfg")
    assert (info.value.line, info.value.column) == (line, column), info.value
    assert message in info.value.reason


def test_rules_that_can_never_match_are_found() -> None:
    cfg = parse_auditcfg(
        "\n".join(
            [
                "LOGIN;root;*;_CRONJOB_;*;O",  # fine
                "FILE;*;*;*;*;S",  # S is not a resource result
                "TCP;ssh;*;*;X;*",  # neither R nor W
                "LOGIN;*;1001;*;*;*",  # UserId is not in records
                "ADMIN;*;*;*;root;*;*;*",  # nor EffectiveUser
                "LOGIN;root;*;_CRONJOB_;*;O",  # already covered by line 1
                "TRACE;FILE;*;*;*;*;P;*",  # fine
                "ADMIN;*;*;*;*;*;*;P",  # P is not an admin result
            ]
        )
    )
    found = {rule.line: why for rule, why in cfg.findings()}
    assert sorted(found) == [2, 3, 4, 5, 6, 8]
    assert "line 1 already filters" in found[6]
    assert "UserId" in found[4] and "(S F D C)" in found[8]


# --- the property: audit.cfg == the query filter over the unfiltered stream ------------------

_KINDS_FIELDS = {
    "resource": ("resource", "user", "program", "access", "status"),
    "network": ("service", "host", "program", None, "status"),
    "login": ("user", None, "terminal", "program", "status"),
    "admin": ("class", "object", "user", None, "terminal", "command", "status"),
    "trace": ("class", "resource", "real_user", "effective_user", "user", "status", "trace"),
}
_EVENTS = {
    "resource": {"resource_access"},
    "network": {"inbound_network", "outbound_network"},
    "login": {"login", "logout", "login_enabled", "login_disabled", "password_attempt"},
    "admin": {"db_admin"},
    "trace": {"trace"},
}


def _naive_match(mask: str, value: object) -> bool:
    """The audit.cfg meaning of a mask, written out independently of seaudit.query."""
    if mask == "*":
        return True
    if value is None:
        return False
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in mask)
    return re.fullmatch(pattern, str(value), re.DOTALL) is not None


def _naive_drops(line: str, record: AuditRecord) -> bool:
    parts = line.split(";")
    first = parts[0]
    kind = {"HOST": "network", "TCP": "network"}.get(first, first.lower())
    if kind not in _EVENTS:
        kind = "resource"
    if record.event not in _EVENTS[kind]:
        return False
    if kind in ("resource", "network") and not _naive_match(first, record.class_):
        return False
    if kind == "network":
        direction = "R" if record.event == "inbound_network" else "W"
        if not _naive_match(parts[4], direction):
            return False
    for key, mask in zip(_KINDS_FIELDS[kind], parts[1:], strict=True):
        if key is None:
            if kind != "network" and mask != "*":
                return False
            continue
        if not _naive_match(mask, record.get(key)):
            return False
    return True


@st.composite
def _mask_of(draw: st.DrawFn, value: object) -> str:
    text = "" if value is None else str(value)
    choice = draw(st.integers(0, 4))
    if choice == 0 or not text or ";" in text or not text.isprintable() or text != text.strip():
        return "*"
    if choice == 1:
        return text
    if choice == 2:
        return text[: draw(st.integers(0, len(text)))] + "*"
    if choice == 3:
        i = draw(st.integers(0, len(text) - 1))
        return text[:i] + "?" + text[i + 1 :]
    return draw(st.sampled_from(["x*", "?", "*a*"]))


@st.composite
def _rule_for(draw: st.DrawFn, record: AuditRecord) -> str:
    kind = next((k for k, events in _EVENTS.items() if record.event in events), None)
    if kind is None:
        kind = draw(st.sampled_from(sorted(_EVENTS)))
    if kind in ("resource", "network"):
        cls = draw(_mask_of(record.class_)) if kind == "resource" else record.class_
        first = cls if cls in ("HOST", "TCP") or kind == "resource" else "TCP"
        if kind == "resource" and first in ("HOST", "TCP", "LOGIN", "ADMIN", "TRACE"):
            first = "*"
        if kind == "resource" and not first.replace("_", "").isalnum() and first != "*":
            first = "*"
    else:
        first = kind.upper()
    values = []
    for key in _KINDS_FIELDS[kind]:
        if key is None:
            values.append(draw(st.sampled_from(["*", "R", "W", "1"])))
        else:
            values.append(draw(_mask_of(record.get(key))))
    return ";".join([first, *values])


@given(st.data())
def test_applying_audit_cfg_equals_the_query_filter(data: st.DataObject) -> None:
    stream = data.draw(st.lists(records(), min_size=1, max_size=12))
    picks = data.draw(st.lists(st.sampled_from(stream), min_size=1, max_size=4))
    lines = [data.draw(_rule_for(r)) for r in picks]
    cfg = parse_auditcfg("\n".join(lines))
    kept = list(cfg.apply(stream))
    assert kept == [r for r in stream if cfg.as_filter().predicate()(r)]
    assert kept == [r for r in stream if not any(_naive_drops(line, r) for line in lines)]


@given(st.text(alphabet=st.sampled_from("FILE;LOGIN*?ab\n# \t\x01é"), max_size=120))
def test_any_text_is_an_audit_cfg_or_an_error_naming_the_line(text: str) -> None:
    try:
        cfg = parse_auditcfg(text, source="a")
    except PolicyError as err:
        assert err.line >= 1 and err.column >= 1 and str(err).startswith("a:")
    else:
        cfg.findings()  # never raises either
