"""The agent's accesses judged by the audit policy: every access kind, P/D/W, the AUDIT modes
deciding written or not, audit.cfg, TRACE and notify, and the rules a policy needs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.agent.access import DENIED, FAILED, PERMITTED, Access, records_for
from seaudit.agent.policy import KINDS, UNKNOWN, PolicyJudge, observing, to_event
from seaudit.agent.rules import RuleScope, audit_rules, policy_scope
from seaudit.policy import decide, parse_auditcfg, parse_policy
from seaudit.policy.event import REQUIRED
from seaudit.schema.events import LAYOUTS
from seaudit.schema.record import Origin

POLICY = parse_policy(
    """\
setoptions audit(failure loginfailure loginsuccess)
setoptions class+(FILE PROGRAM TERMINAL SURROGATE SUDO TCP)
newusr alice admin audit(all)
newusr bob
newusr mallory audit(trace)
newusr quiet audit(none)
chres FILE _default defacc(read)
newres FILE /etc/shadow defacc(none) audit(all)
authorize FILE /etc/shadow uid(alice) access(read)
newres FILE /srv/notes defacc(read)
newres FILE /srv/finance/* defacc(none) audit(all) notify(alice)
authorize FILE /srv/finance/* uid(bob) access(read)
newres PROGRAM /usr/bin/nc defacc(none)
newres SURROGATE USER.root defacc(none) audit(all)
authorize SURROGATE USER.root uid(alice) access(read)
newres TERMINAL 198.51.100.7 defacc(none)
newres TCP telnet defacc(none)
""",
    source="test.selang",
)
ORIGIN = Origin("audit.log", 7, "audit(1764480799.001:7)", "host1")


def access(
    event: str, cls: str, resource: str, user: str | None, outcome: str, **kw: str
) -> Access:
    fields: dict[str, str | None] = {
        "access": None,
        "program": "/usr/bin/cat",
        "terminal": "pts/0",
        "host": None,
        "service": None,
        "command": None,
    }
    fields.update(kw)
    return Access(
        event=event,
        class_=cls,
        resource=resource,
        user=user,
        access=fields["access"],
        program=fields["program"],
        terminal=fields["terminal"],
        host=fields["host"],
        service=fields["service"],
        outcome=outcome,
        timestamp="2026-11-30T05:33:19",
        session_id="0badcafe:00000001",
        command=fields["command"],
        origin=ORIGIN,
    )


def file(resource: str, user: str, word: str, outcome: str) -> Access:
    return access("resource_access", "FILE", resource, user, outcome, access=word)


def tcp(event: str, user: str | None, outcome: str) -> Access:
    return access(event, "TCP", "127.0.0.1:23", user, outcome, host="127.0.0.1", service="telnet")


def admin(user: str, outcome: str) -> Access:
    return access("db_admin", "USER", "carol", user, outcome, command="useradd carol")


P, D, W = "P", "D", "W"
#: (what happened, status, stage, reason, written): stages and reasons are decide()'s
CASES = [
    # FILE: a rule denies, the kernel allowed -> W (defacc stage 59, reason 4, always written)
    (file("/etc/shadow", "bob", "Read", PERMITTED), W, 69, 4, True),
    # the kernel denied what the rules deny too -> D at the rule's stage, bob's FAIL (reason 2)
    (file("/etc/shadow", "bob", "Read", DENIED), D, 69, 2, True),
    (file("/etc/shadow", "alice", "Read", PERMITTED), P, 55, 2, True),
    # the rules allow, the kernel denied -> D at stage 17, alice's ALL asks for it
    (file("/etc/shadow", "alice", "Read", DENIED), D, 17, 2, True),
    # allowed, and neither bob's mode (no SUCCESS) nor the resource's (FAIL) asks: not written
    (file("/srv/notes", "bob", "Read", PERMITTED), P, 59, None, False),
    (file("/srv/notes", "quiet", "Write", PERMITTED), W, 69, 4, True),
    # quiet audits nothing; the resource's default AUDIT(FAIL) writes the kernel's denial
    (file("/srv/notes", "quiet", "Read", DENIED), D, 17, 3, True),
    # the OS call failed (ENOENT) on an allowed access: F; nobody asks for a success
    (file("/tmp/nothing", "bob", "Read", FAILED), "F", 1059, None, False),
    # notify(alice): a P becomes N, written by the resource's AUDIT(ALL) (reason 3)
    (file("/srv/finance/q1", "bob", "Read", PERMITTED), "N", 55, 3, True),
    (file("/srv/notes", "mallory", "Read", PERMITTED), P, 59, 2, True),
    (
        access("resource_access", "PROGRAM", "/usr/bin/nc", "bob", PERMITTED, access="Execute"),
        W,
        69,
        4,
        True,
    ),
    (
        access("resource_access", "SURROGATE", "USER.root", "alice", PERMITTED, access="Surrogate"),
        P,
        55,
        2,
        True,
    ),
    (
        access("resource_access", "SURROGATE", "USER.root", "bob", DENIED, access="Surrogate"),
        D,
        69,
        2,
        True,
    ),
    (
        access("resource_access", "SUDO", "/bin/sh", "quiet", PERMITTED, access="Execute"),
        P,
        1059,
        None,
        False,
    ),
    (
        access("login", "TERMINAL", "198.51.100.7", "bob", PERMITTED, terminal="198.51.100.7"),
        W,
        69,
        4,
        True,
    ),
    (access("login", "TERMINAL", "ssh", "bob", PERMITTED, terminal="ssh"), P, 1059, 2, True),
    (access("login", "TERMINAL", "ssh", "bob", DENIED, terminal="ssh"), D, 17, 2, True),
    (access("login", "TERMINAL", "ssh", "quiet", PERMITTED, terminal="ssh"), P, 1059, None, False),
    (access("logout", "TERMINAL", "ssh", "bob", PERMITTED, terminal="ssh"), "O", 49, 2, True),
    (access("logout", "TERMINAL", "ssh", "quiet", PERMITTED, terminal="ssh"), "O", 49, None, False),
    (access("password_attempt", "TERMINAL", "ssh", "bob", DENIED), "A", 8, 2, True),
    (tcp("outbound_network", "bob", PERMITTED), W, 408, 4, True),
    (tcp("outbound_network", "bob", DENIED), D, 408, 2, True),
    (tcp("inbound_network", None, PERMITTED), W, 408, 4, True),
    (admin("alice", PERMITTED), "S", 305, 0, True),
    (admin("alice", FAILED), "F", 305, 0, True),
    # no ADMIN attribute: decide() denies (322); the kernel allowed it -> W, still reason 0
    (admin("bob", PERMITTED), W, 322, 0, True),
    (admin("bob", DENIED), D, 17, 0, True),
    (
        access("startup", "DAEMON", "auditd", None, PERMITTED, service="auditd"),
        "M",
        None,
        None,
        True,
    ),
    (
        access("shutdown", "DAEMON", "auditd", "root", PERMITTED, service="auditd"),
        "M",
        305,
        None,
        True,
    ),
]


def _label(case: object) -> str:
    if isinstance(case, Access):
        return f"{case.event}-{case.class_}-{case.resource}-{case.user}-{case.outcome}"
    return repr(case)


@pytest.mark.parametrize(("what", "status", "stage", "reason", "written"), CASES, ids=_label)
def test_each_access_is_decided_by_the_policy(
    what: Access, status: str, stage: int | None, reason: int | None, written: bool
) -> None:
    verdict = PolicyJudge.of(POLICY)(what)
    assert verdict is not None
    assert (verdict.status, verdict.stage, verdict.reason, verdict.written) == (
        status,
        stage,
        reason,
        written,
    )
    records = records_for(what, PolicyJudge.of(POLICY))
    main = [r for r in records if r.event != "trace"]
    assert len(main) == (1 if written else 0)
    for record in main:
        assert (record.status, record.stage, record.reason) == (status, stage, reason)
        assert record.event == what.event and record.origin == ORIGIN


def test_every_access_kind_of_the_mapping_has_a_row() -> None:
    made_by_mapping = {layout.id for layout in LAYOUTS} & {
        "resource_access",
        "login",
        "logout",
        "password_attempt",
        "outbound_network",
        "inbound_network",
        "db_admin",
        "startup",
        "shutdown",
    }
    assert made_by_mapping <= set(KINDS)
    assert {case[0].event for case in CASES} == set(KINDS)


def test_a_traced_user_gets_a_trace_record_after_the_record() -> None:
    records = records_for(file("/srv/notes", "mallory", "Read", PERMITTED), PolicyJudge.of(POLICY))
    assert [r.event for r in records] == ["resource_access", "trace"]
    assert records[1].status == "P" and records[1].resource == "/srv/notes"
    assert records[1].origin == ORIGIN


def test_notify_is_handed_to_the_callback() -> None:
    told: list[tuple[str, Access]] = []
    what = file("/srv/finance/q1", "bob", "Read", PERMITTED)
    judge = PolicyJudge.of(POLICY, lambda who, a: told.append((who, a)))
    judge(what)
    assert told == [("alice", what)]
    judge(file("/srv/finance/q1", "quiet", "Read", DENIED))  # a D notifies nobody
    assert len(told) == 1


def test_audit_cfg_keeps_the_matching_records_out() -> None:
    cfg = parse_auditcfg("FILE;/etc/shadow;bob;*;Read;W\nLOGIN;bob;*;ssh;*;O\n", source="a.cfg")
    judge = PolicyJudge.of(POLICY.with_auditcfg(cfg))
    dropped = judge(file("/etc/shadow", "bob", "Read", PERMITTED))
    assert dropped is not None and (dropped.status, dropped.written) == ("W", False)
    kept = judge(file("/etc/shadow", "bob", "Read", DENIED))
    assert kept is not None and (kept.status, kept.written) == ("D", True)
    logout = judge(access("logout", "TERMINAL", "ssh", "bob", PERMITTED, terminal="ssh"))
    assert logout is not None and not logout.written


def test_a_class_in_warning_mode_keeps_its_own_source() -> None:
    policy = parse_policy(
        "setoptions class+(FILE)\nsetoptions class(FILE) warning\n", source="w.selang"
    )
    assert observing(policy).warning_classes["FILE"] == policy.warning_classes["FILE"]
    assert observing(POLICY).warning_classes["FILE"].line == 0


@given(
    event=st.sampled_from(sorted(KINDS)),
    user=st.none() | st.text(min_size=1, max_size=8),
    program=st.none() | st.text(min_size=1, max_size=8),
    outcome=st.sampled_from([PERMITTED, DENIED, FAILED]),
)
def test_any_access_becomes_a_complete_event(
    event: str, user: str | None, program: str | None, outcome: str
) -> None:
    what = replace(
        access(event, "FILE", "/x", user, outcome, access="Read", service="ssh", host="h"),
        program=program,
    )
    made = to_event(what)
    assert made.missing() is None
    for name in REQUIRED[made.kind]:
        assert getattr(made, name) in (UNKNOWN, getattr(what, dict(KINDS[event][1])[name]))
    assert made.native_denied == (
        outcome == DENIED and made.kind in {"access", "login", "connect_out", "connect_in"}
    )
    decide(made, observing(POLICY))  # never raises


def test_the_rules_watch_the_policys_files() -> None:
    scope = policy_scope(POLICY)
    assert scope.files == ("/etc/shadow", "/srv/notes")
    assert scope.dirs == ("/srv/finance",)
    rules = [" ".join(rule) for rule in audit_rules(scope)]
    assert any("-F path=/etc/shadow -F perm=rwa" in r and "-k seaudit-file" in r for r in rules)
    assert any("-F dir=/srv/finance -F perm=rwa" in r for r in rules)
    assert all("auid!=4294967295" in r for r in rules)
    assert not any("-e 2" in r for r in rules)
    assert policy_scope(POLICY, RuleScope(files=("/etc/shadow",))).files == (
        "/etc/shadow",
        "/srv/notes",
    )
