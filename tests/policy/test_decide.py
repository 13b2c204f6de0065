"""decide(): every rule of REFERENCE.md §5-§6 and every AUDIT value, table-driven; the seed
pages' examples come out of a policy byte for byte."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.policy import Event, decide, parse_auditcfg, parse_policy
from seaudit.policy import codes as C
from seaudit.schema.codes import default_tables
from seaudit.text.short import render_short

T = "2024-03-04T10:00:00"

BASE = """
ng staff audit(success)
ng ops audit(loginsuccess)
ng quiet audit(none)
ng auditors audit(all)
nu owner1
nu plain
nu failer audit(failure)
nu succ audit(success)
nu nobody audit(none)
nu lf audit(loginfailure)
nu ls audit(loginsuccess)
nu inter audit(interactive)
nu tracer audit(trace)
nu allof audit(all)
nu member
join member group(staff)
nu twogroups
join twogroups group(staff, ops)
nu profiled profile(quiet)
join profiled group(auditors)
nu ownprofile audit(failure) profile(auditors)
nu cat1 category(PCI)
nu admin1 admin
nr FILE /data/acl defacc(none) audit(none)
auth FILE /data/acl uid(plain) acc(read)
auth FILE /data/acl gid(staff) acc(write)
nr FILE /data/star defacc(none) audit(none)
auth FILE /data/star uid(*) acc(read)
nr FILE /data/owned defacc(none) owner(owner1) audit(none)
nr FILE /data/pci defacc(all) category(PCI) audit(none)
nr FILE /data/open defacc(read) audit(none)
nr FILE /data/closed defacc(none) audit(none)
nr FILE /data/resfail defacc(none) audit(failure)
nr FILE /data/ressucc defacc(read) audit(success)
nr FILE /data/resdefault defacc(none)
nr FILE /data/warn defacc(none) audit(none) warning
nr FILE /data/notify defacc(read) audit(none) notify(owner1)
nr FILE /data/nodefacc audit(none)
nr FILE /gen/* defacc(read) audit(none)
nr FILE /gen/secret* defacc(none) audit(none)
chres FILE _default defacc(read)
nr PROGRAM /bin/x defacc(execute) audit(none)
nr TCP ssh defacc(none) audit(none)
auth TCP ssh uid(plain) acc(write)
nr TCP smtp defacc(none) audit(none)
auth TCP smtp uid(*) acc(write)
nr TCP telnet defacc(none) audit(failure)
nr TERMINAL tty1 defacc(read) audit(none)
nr TERMINAL bad defacc(none) audit(none)
setoptions class(SURROGATE) warning
nr SURROGATE USER.root defacc(none) audit(none)
"""
POLICY = parse_policy(BASE)


def access(user: str, resource: str, acc: str = "Read", cls: str = "FILE", **kw: object) -> Event:
    return Event(
        "access",
        T,
        user=user,
        cls=cls,
        resource=resource,
        access=acc,
        program="/bin/cat",
        terminal="ws1",
        **kw,  # type: ignore[arg-type]
    )


# (case, event, status, stage, reason)
ACCESS_STEPS = [
    ("user ACL entry allows", access("plain", "/data/acl"), "P", C.STAGE_ACL, None),
    ("user ACL entry decides: denies", access("plain", "/data/acl", "Write"), "D", 55, 2),
    ("group ACL entry allows", access("member", "/data/acl", "Write"), "P", 55, 2),
    ("group ACL entry denies", access("member", "/data/acl", "Read"), "D", 55, None),
    ("uid(*) entry", access("nobody", "/data/star"), "P", 55, None),
    ("owner has every access", access("owner1", "/data/owned", "Delete"), "P", 55, None),
    ("category lacking", access("plain", "/data/pci"), "D", C.STAGE_CATEGORY, 2),
    ("category held", access("cat1", "/data/pci"), "P", C.STAGE_UACC, None),
    ("defacc allows", access("nobody", "/data/open"), "P", C.STAGE_UACC, None),
    ("defacc short form r allows Read", access("nobody", "/data/open", "read"), "P", 59, None),
    ("defacc denies: no step", access("nobody", "/data/closed"), "D", C.STAGE_NO_STEP, None),
    ("no defacc: the class UACC", access("nobody", "/data/nodefacc"), "P", 1059, None),
    ("unknown file: class _default", access("nobody", "/tmp/x"), "P", C.STAGE_CLASS_UACC, None),
    ("generic: most specific wins", access("nobody", "/gen/secret.txt"), "D", 69, None),
    ("generic: the other one", access("nobody", "/gen/public.txt"), "P", 59, None),
    ("no record at all", access("nobody", "x", "Read", "PROCESS"), "P", 1059, None),
    ("class not active: no decision", access("allof", "x", "Read", "REGKEY"), "P", None, None),
    ("PROGRAM defacc execute", access("nobody", "/bin/x", "Execute", "PROGRAM"), "P", 59, None),
]


@pytest.mark.parametrize(("case", "event", "status", "stage", "reason"), ACCESS_STEPS)
def test_the_access_steps(
    case: str, event: Event, status: str, stage: int | None, reason: int | None
) -> None:
    d = decide(event, POLICY)
    assert (d.status, d.stage, d.reason) == (status, stage, reason), d.why
    assert (d.record is None) == (reason is None)
    if d.record is not None:
        assert (d.record.status, d.record.stage, d.record.reason) == (status, stage, reason)


def _connect(user: str, service: str) -> Event:
    return Event("connect_out", T, user=user, service=service, host="db1", program="/usr/bin/ssh")


@pytest.mark.parametrize(
    ("event", "status", "stage"),
    [
        (_connect("plain", "ssh"), "P", C.STAGE_TCP_ACL),
        (_connect("nobody", "ssh"), "D", C.STAGE_TCP_DEFACC),
        (_connect("nobody", "smtp"), "P", C.STAGE_TCP_STAR),
        (_connect("nobody", "https"), "P", C.STAGE_CLASS_UACC),
    ],
)
def test_tcp_stages(event: Event, status: str, stage: int) -> None:
    d = decide(event, POLICY)
    assert (d.status, d.stage) == (status, stage), d.why


# every AUDIT value: (user, event, logged?) -- the resources here audit nothing themselves
def _login(user: str, terminal: str = "tty1") -> Event:
    return Event("login", T, user=user, terminal=terminal, program="/bin/login", session_id="a:b")


#: logged? for: an allowed file read, a denied file read, a login, a denied login
WHAT = (("/data/open", "Read"), ("/data/closed", "Read"), "login", "badlogin")
MODES = [
    ("nobody", "NONE", "0000"),
    ("failer", "FAIL", "0100"),
    ("succ", "SUCCESS", "1000"),
    ("lf", "LOGINFAIL", "0001"),
    ("ls", "LOGINSUCCESS", "0010"),
    ("inter", "INTERACTIVE", "0010"),
    ("allof", "ALL", "1111"),
    ("tracer", "TRACE", "1111"),
    ("plain", "system default", "0111"),
]


@pytest.mark.parametrize(("user", "mode", "expected"), MODES)
def test_every_audit_value(user: str, mode: str, expected: str) -> None:
    for what, logged in zip(WHAT, expected, strict=True):
        if what == "login":
            event = _login(user)
        elif what == "badlogin":
            event = _login(user, "bad")
        else:
            assert isinstance(what, tuple)
            event = access(user, what[0], what[1])
        d = decide(event, POLICY)
        assert (d.record is not None) == (logged == "1"), (mode, what, d.why)
        if d.record is not None:
            assert d.reason == C.REASON_USER
            assert mode in d.why or mode == "system default"


def test_trace_gives_a_trace_record_beside_each_access() -> None:
    d = decide(access("tracer", "/data/open"), POLICY)
    assert d.record is not None and d.trace is not None
    assert d.trace.event == "trace" and d.trace.user == "tracer" and d.trace.stage == 59
    assert "Result: 'P'" in (d.trace.trace or "")
    assert decide(access("allof", "/data/open"), POLICY).trace is None
    out = decide(_connect("tracer", "ssh"), POLICY)
    assert out.trace is not None and out.trace.class_ == "TCP" and out.trace.status == "D"


def test_interactive_logs_interactive_sessions_not_cron_jobs() -> None:
    assert decide(_login("inter"), POLICY).record is not None
    cron = Event("login", T, user="inter", terminal="_CRONJOB_", program="SBIN_CRON")
    assert decide(cron, POLICY).record is None
    logout = Event("logout", T, user="inter", terminal="tty1", session_id="a:b")
    assert decide(logout, POLICY).record is not None
    ran = decide(access("inter", "/bin/x", "Execute", "PROGRAM"), POLICY)
    assert ran.record is not None and ran.reason == 2
    assert decide(access("inter", "/data/open"), POLICY).record is None


# the resolution order: user -> profile group -> sum of groups -> system-wide
RESOLUTION = [
    ("ownprofile", "own AUDIT", "FAIL"),  # own mode wins over the profile group
    ("profiled", "profile group quiet", "NONE"),  # profile wins over the groups (auditors ALL)
    ("twogroups", "sum of", "SUCCESS LOGINSUCCESS"),  # staff SUCCESS + ops LOGINSUCCESS
    ("member", "sum of", "SUCCESS"),
    ("plain", "system-wide default", "FAIL LOGINFAIL LOGINSUCCESS"),
    ("not-in-db", "not a database user", "FAIL LOGINFAIL LOGINSUCCESS"),
]


@pytest.mark.parametrize(("user", "source", "mode"), RESOLUTION)
def test_mode_resolution_order(user: str, source: str, mode: str) -> None:
    from seaudit.policy.modes import mode_text

    acc = POLICY.accessor(user)
    assert mode_text(acc.mode) == mode
    assert source in acc.mode_why


def test_os_users_are_flagged() -> None:
    d = decide(access("not-in-db", "/data/closed"), POLICY)
    assert d.record is not None and d.record.audit_flags == "(OS user)"
    assert decide(access("failer", "/data/closed"), POLICY).record.audit_flags == ""  # type: ignore[union-attr]


def test_system_wide_mode_from_setoptions() -> None:
    policy = parse_policy("setoptions audit(success)\nnr FILE /x defacc(read) audit(none)")
    d = decide(access("anyone", "/x"), policy)
    assert d.reason == 2 and "line 1" in d.why


@pytest.mark.parametrize(
    ("user", "resource", "reason"),
    [
        ("nobody", "/data/resfail", C.REASON_RESOURCE),  # resource FAIL, user NONE
        ("nobody", "/data/resdefault", C.REASON_RESOURCE),  # a new resource audits FAIL
        ("failer", "/data/resfail", C.REASON_USER),  # both ask: the accessor's side is named
        ("nobody", "/data/ressucc", C.REASON_RESOURCE),
    ],
)
def test_the_resource_side(user: str, resource: str, reason: int) -> None:
    event = access(user, resource)
    assert decide(event, POLICY).reason == reason


def test_warning_mode_of_a_resource_and_of_a_class() -> None:
    d = decide(access("nobody", "/data/warn", "Write"), POLICY)
    assert (d.status, d.stage, d.reason) == ("W", 69, C.REASON_WARNING)
    assert "Warning mode" in d.why
    assert d.record is not None and d.record.resource == "/data/warn"
    s = decide(access("nobody", "USER.root", "Read", "SURROGATE"), POLICY)
    assert (s.status, s.reason) == ("W", C.REASON_WARNING) and "class SURROGATE" in s.why
    allowed = parse_policy("nr FILE /w defacc(read) audit(none) warning")
    assert decide(access("nobody", "/w"), allowed).record is None  # no violation: no W


def test_warning_on_a_login_terminal() -> None:
    policy = parse_policy("nr TERMINAL evil defacc(none) audit(none) warning\nnu u audit(none)")
    d = decide(_login("u", "evil"), policy)
    assert (d.status, d.reason) == ("W", C.REASON_WARNING)


def test_audit_only_records_every_intercepted_event_as_p() -> None:
    policy = parse_policy(BASE + "\nsetoptions auditonly")
    for event in (access("nobody", "/data/closed"), _login("nobody", "bad"), _connect("x", "ssh")):
        d = decide(event, policy)
        assert (d.status, d.stage, d.reason) == ("P", C.STAGE_NO_CHECK, C.REASON_AUDIT_ONLY)
        assert d.record is not None and d.record.status == "P" and d.trace is None
    assert decide(access("x", "y", "Read", "REGKEY"), policy).record is None  # not intercepted
    off = parse_policy(BASE + "\nsetoptions auditonly\nsetoptions auditonly-")
    assert decide(access("nobody", "/data/closed"), off).status == "D"


def test_audit_only_with_audit_cfg_still_filters() -> None:
    policy = parse_policy(BASE + "\nsetoptions auditonly").with_auditcfg(
        parse_auditcfg("FILE;/data/*;*;*;*;P")
    )
    d = decide(access("nobody", "/data/closed"), policy)
    assert d.record is None and "audit.cfg" in d.why and "line 1" in d.why


def test_notify_gives_n_and_a_notification() -> None:
    d = decide(access("nobody", "/data/notify"), POLICY)
    assert (d.status, d.reason) == ("N", C.REASON_NOTIFY)
    assert [n.recipient for n in d.notifications] == ["owner1"]
    assert d.notifications[0].record is d.record
    denied = decide(access("nobody", "/data/notify", "Write"), POLICY)
    assert denied.status == "D" and not denied.notifications


def test_admin_commands_are_always_logged() -> None:
    def cmd(user: str) -> Event:
        return Event("admin", T, user=user, cls="FILE", object="x", command="chres FILE x")

    ok, no = decide(cmd("admin1"), POLICY), decide(cmd("nobody"), POLICY)
    assert (ok.status, ok.stage, ok.reason) == ("S", C.STAGE_ADMIN_OK, C.REASON_ALWAYS)
    assert (no.status, no.stage, no.reason) == ("D", C.STAGE_ADMIN_DENIED, C.REASON_ALWAYS)
    assert ok.record is not None and ok.record.command_type == "Modify resource"


def test_session_and_system_events() -> None:
    def ev(kind: str, **kw: object) -> Event:
        return Event(kind, T, **kw)  # type: ignore[arg-type]

    cases = [
        (ev("logout", user="ls", terminal="tty1"), "logout", "O", 2),
        (ev("logout", user="failer", terminal="tty1"), None, "O", None),
        (ev("password_attempt", user="lf", terminal="t", program="p"), "password_attempt", "A", 2),
        (ev("password_attempt", user="succ", terminal="t", program="p"), None, "A", None),
        (ev("password_change", user="lf", code=9), "password_verification", "F", 2),
        (ev("account_disabled", user="nobody", program="serevu"), "login_disabled", "I", 0),
        (ev("account_enabled", user="nobody", program="serevu"), "login_enabled", "E", 0),
        (ev("startup", service="seosd"), "startup", "M", None),
        (ev("shutdown", user="root", service="seosd"), "shutdown", "M", None),
        (ev("untrust", cls="PROGRAM", file="/bin/x", code=4), "untrust", "U", None),
        (ev("connect_in", service="telnet", host="h", program="inetd"), "inbound_network", "D", 3),
    ]
    for event, record_event, status, reason in cases:
        d = decide(event, POLICY)
        assert d.status == status, event
        assert (d.record.event if d.record else None) == record_event, (event, d.why)
        if d.record is not None:
            assert d.record.reason == reason


def test_every_reason_code_used_has_a_message_in_the_code_table() -> None:
    tables = default_tables()
    for name in dir(C):
        if name.startswith("REASON_"):
            assert tables.message("reason", getattr(C, name)), name


def test_an_event_missing_a_field_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="'resource'"):
        decide(Event("access", T, user="u", cls="FILE", access="r", program="p"), POLICY)
    with pytest.raises(UsageError, match="kind"):
        decide(Event("bogus", T), POLICY)


SEED_POLICY = """
nu admabc audit(success)
nr FILE /tmp/one defacc(none) audit(failure)
nu root audit(failure loginsuccess)
nr TERMINAL _CRONJOB_ defacc(read) audit(none)
nr TCP telnet defacc(none) audit(none)
"""


def test_the_seed_examples_come_out_of_a_policy() -> None:
    policy = parse_policy(SEED_POLICY)
    cases = [
        (
            Event(
                "access",
                "2008-11-18T15:23:56",
                user="admabc",
                cls="FILE",
                resource="/tmp/one",
                access="Read",
                program="/usr/local/bin/tcsh",
                terminal="localhost",
                session_id="4922ae61:00000132",
            ),
            "18 Nov 2008 15:23:56 D FILE admabc 4922ae61:00000132 Read 69 3 /tmp/one "
            "/usr/local/bin/tcsh localhost admabc",
        ),
        (
            Event(
                "login",
                "2008-10-28T12:15:01",
                user="root",
                terminal="_CRONJOB_",
                program="SBIN_CRON",
                session_id="49047159:0000034b",
            ),
            "28 Oct 2008 12:15:01 P LOGIN root 49047159:0000034b 59 2 _CRONJOB_ SBIN_CRON",
        ),
        (
            Event(
                "connect_out",
                "2009-01-21T15:37:43",
                user="root",
                service="telnet",
                host="computer.org",
                program="/usr/bin/telnet",
                terminal="computer.com",
            ),
            "21 Jan 2009 15:37:43 D TCP telnet root 408 2 computer.org /usr/bin/telnet "
            "computer.com",
        ),
    ]
    for event, line in cases:
        d = decide(event, policy)
        assert d.record is not None, d.why
        assert render_short(d.record, sessionid=True) == line


# --- the memo of verdicts is a fast twin of deciding afresh ----------------------------------

_USERS = ["plain", "member", "tracer", "allof", "nobody", "not-in-db", "inter"]
_RESOURCES = ["/data/acl", "/data/open", "/data/warn", "/data/notify", "/gen/x", "/tmp/y"]


@st.composite
def events(draw: st.DrawFn) -> Event:
    kind = draw(st.sampled_from(["access", "login", "connect_out", "connect_in", "logout"]))
    stamp = f"2024-03-04T{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}:00"
    common = {
        "user": draw(st.sampled_from(_USERS)),
        "terminal": draw(st.sampled_from(["tty1", "bad", "_CRONJOB_", None])),
        "session_id": draw(st.sampled_from(["a:1", "b:2", None])),
        "program": draw(st.sampled_from(["/bin/cat", "/bin/vi"])),
    }
    if kind == "access":
        return Event(
            kind,
            stamp,
            cls=draw(st.sampled_from(["FILE", "PROGRAM", "REGKEY"])),
            resource=draw(st.sampled_from(_RESOURCES)),
            access=draw(st.sampled_from(["Read", "Write", "Execute"])),
            os_failed=draw(st.booleans()),
            **common,
        )  # type: ignore[arg-type]
    if kind.startswith("connect"):
        return Event(
            kind,
            stamp,
            service=draw(st.sampled_from(["ssh", "smtp", "telnet"])),
            host="db1",
            **common,
        )  # type: ignore[arg-type]
    return Event(kind, stamp, **common)  # type: ignore[arg-type]


@given(st.lists(events(), min_size=1, max_size=30))
def test_remembered_verdicts_decide_as_a_fresh_policy_does(stream: list[Event]) -> None:
    warm = dataclasses.replace(POLICY, verdicts={}, _cache={})
    for event in stream + stream:  # the second pass is all memo hits
        fresh = dataclasses.replace(POLICY, verdicts={}, _cache={})
        assert decide(event, warm) == decide(event, fresh)


NATIVE = [
    # (user, resource, status, stage, reason): the OS refused what an observer saw
    ("succ", "/data/open", "D", C.STAGE_NATIVE_DENIED, None),  # rules allow: 17; no FAIL
    ("failer", "/data/open", "D", C.STAGE_NATIVE_DENIED, C.REASON_USER),
    ("failer", "/data/closed", "D", C.STAGE_NO_STEP, C.REASON_USER),  # rules deny too
    ("nobody", "/data/resfail", "D", C.STAGE_NO_STEP, C.REASON_RESOURCE),
    ("failer", "/data/warn", "D", C.STAGE_NO_STEP, C.REASON_USER),  # never W: nothing permitted
]


@pytest.mark.parametrize(("user", "resource", "status", "stage", "reason"), NATIVE)
def test_a_native_denial_is_d_whatever_the_rules(
    user: str, resource: str, status: str, stage: int, reason: int | None
) -> None:
    decision = decide(access(user, resource, native_denied=True), POLICY)
    assert (decision.status, decision.stage, decision.reason) == (status, stage, reason)
    assert (decision.record is not None) == (reason is not None)
    assert "native OS denied" in decision.why or "denied at stage" in decision.why
    plain = decide(access(user, resource), POLICY)  # the same event, not denied natively
    assert plain.status != "D" or plain.stage == stage
