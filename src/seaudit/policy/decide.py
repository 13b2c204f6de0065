"""The decision: is an event allowed (P), denied (D), permitted in Warning mode (W), and is
the outcome written to the log, and why.

``decide(event, policy)`` follows REFERENCE.md §5-§6 and the model in README "The audit
policy": the access check walks category (52), owner and ACL (55; TCP 409/421), the
resource's defacc (59; TCP 408), the class's ``_default`` UACC (1059), else nothing allowed
it (69). A record is written when the accessor's mode (reason 2) or the resource's mode
(reason 3) asks for the outcome, always for a Warning (4), a notification (6) and the events
the product always logs (0), and for every intercepted event in Audit-only mode (5, as P).
audit.cfg, when the policy has one, is applied last. ``Decision.why`` names the rule behind
each part. Everything the hot path needs is precomputed in the ``Policy``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from seaudit.errors import UsageError
from seaudit.policy import codes as C
from seaudit.policy.access import AccessCheck, check_access
from seaudit.policy.auditcfg import AuditCfg
from seaudit.policy.event import LOCAL_TERMINAL, Event
from seaudit.policy.model import Accessor, Policy, Resource
from seaudit.policy.modes import Audit, mode_text
from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.record import AuditRecord

#: the AUDIT flags as plain ints: IntFlag arithmetic costs microseconds on the hot path
FAIL, SUCCESS = int(Audit.FAIL), int(Audit.SUCCESS)
LOGINFAIL, LOGINSUCCESS = int(Audit.LOGINFAIL), int(Audit.LOGINSUCCESS)
INTERACTIVE = int(Audit.INTERACTIVE)


@dataclass(frozen=True, slots=True)
class Notification:
    """A ``notify(user)`` of the resource: who is told, about which record."""

    recipient: str
    record: AuditRecord


@dataclass(frozen=True, slots=True)
class Decision:
    status: str  # the outcome letter: P D W N F O A I E S M U
    stage: int | None  # the deciding step's code (None for startup, which has no Details)
    reason: int | None  # why the record is written; None when it is not
    record: AuditRecord | None  # what the log receives (None: not audited, or filtered)
    trace: AuditRecord | None = None  # the TRACE record of a traced user
    notifications: tuple[Notification, ...] = ()
    steps: tuple[str, ...] = ()

    @property
    def why(self) -> str:
        """One line per part of the decision, each naming the rule that decided it."""
        return "\n".join(self.steps)

    @property
    def records(self) -> tuple[AuditRecord, ...]:
        """What the log receives, in order: the record, then the trace."""
        return tuple(r for r in (self.record, self.trace) if r is not None)


@cache
def _tables() -> CodeTables:
    return default_tables()


def _stage_message(table: str, code: int | None) -> str | None:
    return None if code is None else _tables().message(table, code)


def decide(event: Event, policy: Policy) -> Decision:
    """The decision for one event; an event lacking a field its kind needs raises UsageError."""
    handler = _HANDLERS.get(event.kind)
    if handler is None or (missing := event.missing()) is not None:
        what = "kind" if handler is None else missing
        raise UsageError(f"a {event.kind!r} event needs {what!r} (see seaudit.policy.event)")
    decision = handler(event, policy)
    cfg = policy.auditcfg
    if cfg is None or decision.record is None:
        return decision
    return _filtered(decision, cfg)


def _filtered(decision: Decision, cfg: AuditCfg) -> Decision:
    """The decision with audit.cfg applied to its record and its trace."""
    steps = list(decision.steps)
    kept: list[AuditRecord | None] = []
    for record, what in ((decision.record, "the record"), (decision.trace, "the TRACE record")):
        rule = None if record is None else cfg.rule_dropping(record)
        if rule is not None:
            steps.append(f"audit.cfg: {cfg.source} line {rule.line} ({rule.text}) keeps {what} out")
        kept.append(None if rule is not None else record)
    if kept == [decision.record, decision.trace]:
        return decision
    return Decision(
        decision.status,
        decision.stage,
        decision.reason,
        kept[0],
        kept[1],
        decision.notifications,
        tuple(steps),
    )


def _warning(policy: Policy, cls: str, res: Resource | None) -> str | None:
    if res is not None and res.warning is not None:
        return f"{cls} {res.name} is in Warning mode ({res.warning})"
    src = policy.warning_classes.get(cls)
    return None if src is None else f"class {cls} is in Warning mode ({src})"


def _outcome(
    policy: Policy,
    check: AccessCheck,
    cls: str,
    os_failed: bool,
    steps: list[str],
    native_denied: bool = False,
) -> tuple[str, bool]:
    """(status letter, whether Warning turned a denial into W). A native denial is never W:
    Warning permits, and the OS did not."""
    if check.granted:
        steps.append(f"allowed at stage {check.stage}: {check.step}")
        return ("F" if os_failed else "P"), False
    warn = None if native_denied else _warning(policy, cls, check.resource)
    if warn is None:
        steps.append(f"denied at stage {check.stage}: {check.step}")
        return "D", False
    steps.append(f"violation at stage {check.stage}: {check.step}; permitted as W: {warn}")
    return "W", True


def _natively(check: AccessCheck, native_denied: bool) -> AccessCheck:
    """The check as the OS ended it: a native denial overrides rules that allow (stage 17)."""
    if not native_denied or not check.granted:
        return check
    step = f"the native OS denied it (the policy allows it at stage {check.stage}: {check.step})"
    return AccessCheck(False, C.STAGE_NATIVE_DENIED, step, check.resource)


def _audit_reason(
    acc: Accessor | None, res: Resource | None, need: int, status: str, steps: list[str]
) -> int | None:
    """Reason 2 if the accessor's mode asks for ``need``, else 3 if the resource's does."""
    if acc is not None and acc.mode & need:
        wanted = mode_text(need)
        steps.append(f"logged (reason 2): the accessor's mode asks for {wanted}: {acc.mode_why}")
        return C.REASON_USER
    res_mode = 0 if res is None else res.audit_bits
    if res is not None and res_mode & need:
        src = res.audit_from or f"{res.defined}, default FAIL"
        steps.append(
            f"logged (reason 3): {mode_text(need)} is in {res.cls} {res.name}'s AUDIT ({src})"
        )
        return C.REASON_RESOURCE
    who = "the accessor" if acc is None else acc.mode_why
    steps.append(
        f"not logged: a {status} outcome needs {mode_text(need)}, which neither {who} "
        f"nor the resource ({mode_text(res_mode)}) asks for"
    )
    return None


# --- handlers ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Verdict:
    """What a decision is apart from the event's time, session and program: the same for every
    event of one shape (user, class, resource, access...), so ``decide`` keeps it."""

    status: str
    stage: int | None
    reason: int | None
    acc: Accessor
    res: Resource | None
    steps: tuple[str, ...]
    intercepted: bool = True
    traced: bool = False  # a TRACE record goes beside the record
    #: the whole decision when nothing is written: it does not depend on the event then
    silent: Decision | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.reason is None and not self.traced:
            silent = Decision(self.status, self.stage, None, None, steps=self.steps)
            object.__setattr__(self, "silent", silent)


#: distinct event shapes remembered per policy before the memo starts again
MEMO_LIMIT = 1 << 17


def _memo(policy: Policy, key: tuple[object, ...], make: Callable[[], _Verdict]) -> _Verdict:
    memo = policy.verdicts
    found = memo.get(key)
    if found is None:
        found = make()
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = found
    assert isinstance(found, _Verdict)
    return found


def _access(e: Event, policy: Policy) -> Decision:
    key = (
        "access",
        e.user,
        e.cls,
        e.resource,
        e.access,
        e.os_failed,
        e.native_denied,
        e.interactive,
    )
    v = _memo(policy, key, lambda: _access_verdict(e, policy))
    if v.silent is not None:
        return v.silent
    record = _audited(
        e,
        v,
        "resource_access",
        class_=str(e.cls).upper(),
        user=e.user,
        session_id=e.session_id,
        access=e.access,
        resource=e.resource,
        terminal=e.terminal or LOCAL_TERMINAL,
        effective_user=e.effective_user or e.user,
        audit_flags=v.acc.audit_flags,
        platform=e.platform,
    )
    return _finished(e, v, record, str(e.cls).upper(), str(e.resource))


def _audited(e: Event, v: _Verdict, event: str, **fields: Any) -> AuditRecord | None:
    """The record of a verdict that audits (one with a reason): what every such record
    takes from the event and the verdict, and the event's own ``fields``."""
    if v.reason is None:
        return None
    return AuditRecord(
        event=event,
        timestamp=e.timestamp,
        status=v.status,
        stage=v.stage,
        stage_message=_stage_message("stage", v.stage),
        reason=v.reason,
        program=e.program,
        **fields,
    )


def _finished(
    e: Event, v: _Verdict, record: AuditRecord | None, cls: str, resource: str
) -> Decision:
    """The decision with its trace and notifications (their steps are in the verdict)."""
    trace = None
    if v.traced and v.stage is not None:
        trace = _trace(e, v.acc, v.status, v.stage, cls, resource)
    notes: tuple[Notification, ...] = ()
    if record is not None and v.res is not None and v.res.notify and v.status != "D":
        notes = tuple(Notification(who, record) for who in v.res.notify)
    return Decision(v.status, v.stage, v.reason, record, trace, notes, v.steps)


def _access_verdict(e: Event, policy: Policy) -> _Verdict:
    cls, user = str(e.cls).upper(), str(e.user)
    acc = policy.accessor(user)
    if cls not in policy.active_classes:
        step = f"class {cls} is not active: the access is not intercepted"
        return _Verdict("P", None, None, acc, None, (step,), intercepted=False)
    only = _audit_only_verdict(policy, acc)
    if only is not None:
        return only
    steps: list[str] = []
    check = check_access(policy, acc, user, cls, str(e.resource), str(e.access))
    check = _natively(check, e.native_denied)
    need_ok = SUCCESS | (INTERACTIVE if cls == "PROGRAM" and e.interactive else 0)
    status, reason = _judge(
        policy, acc, check, cls, e.os_failed, need_ok, FAIL, steps, e.native_denied
    )
    res = check.resource
    if res is not None and res.notify and status != "D":
        status = "N" if status == "P" else status
        if reason is None:
            reason = C.REASON_NOTIFY
            steps.append(f"logged (reason 6): {cls} {res.name} asks to notify ({res.notify_from})")
        steps.append(f"notify {', '.join(res.notify)} ({res.notify_from})")
    traced = _trace_step(acc, reason, steps)
    return _Verdict(status, check.stage, reason, acc, res, tuple(steps), traced=traced)


def _judge(
    policy: Policy,
    acc: Accessor | None,
    check: AccessCheck,
    cls: str,
    os_failed: bool,
    need_ok: int,
    need_bad: int,
    steps: list[str],
    native_denied: bool = False,
) -> tuple[str, int | None]:
    """The outcome of a check and why it is logged: Warning (4), else the accessor's or the
    resource's mode for that outcome (2, 3), else not at all."""
    status, warned = _outcome(policy, check, cls, os_failed, steps, native_denied)
    if warned:
        steps.append("logged (reason 4): a Warning is always logged")
        return status, C.REASON_WARNING
    need = need_bad if status == "D" else need_ok
    return status, _audit_reason(acc, check.resource, need, status, steps)


def _audit_only_verdict(policy: Policy, acc: Accessor) -> _Verdict | None:
    if policy.audit_only is None:
        return None
    step = f"Audit-only mode ({policy.audit_only}): recorded as P, no rule checked (reason 5)"
    return _Verdict("P", C.STAGE_NO_CHECK, C.REASON_AUDIT_ONLY, acc, None, (step,))


def _trace_step(acc: Accessor, reason: int | None, steps: list[str]) -> bool:
    """Whether a TRACE record goes beside this one (noted in the steps)."""
    if acc.traced and reason != C.REASON_AUDIT_ONLY:
        steps.append(f"TRACE record: {acc.mode_why} traces the user")
        return True
    return False


def _trace(
    e: Event, acc: Accessor, status: str, stage: int, cls: str, resource: str
) -> AuditRecord:
    text = (
        f"{cls} > ({e.program}) Result: '{status}' [stage={stage} gstag={stage} rv=0 ({resource})]"
    )
    return AuditRecord(
        event="trace",
        timestamp=e.timestamp,
        status=status,
        event_name="TRACE",
        class_=cls,
        user=e.user,
        session_id=e.session_id,
        effective_user=e.effective_user or e.user,
        real_user=e.user,
        resource=resource,
        stage=stage,
        stage_message=_stage_message("stage", stage),
        audit_flags=acc.audit_flags,
        trace=text,
        platform=e.platform,
    )


def _login(e: Event, policy: Policy) -> Decision:
    terminal = e.terminal or LOCAL_TERMINAL
    key = ("login", e.user, terminal, e.native_denied)
    v = _memo(policy, key, lambda: _login_verdict(e, policy, terminal))
    if v.silent is not None:
        return v.silent
    record = _audited(
        e,
        v,
        "login",
        event_name="LOGIN",
        user=e.user,
        session_id=e.session_id,
        terminal=terminal,
        audit_flags=v.acc.audit_flags,
    )
    return Decision(v.status, v.stage, v.reason, record, steps=v.steps)


def _login_verdict(e: Event, policy: Policy, terminal: str) -> _Verdict:
    user = str(e.user)
    acc = policy.accessor(user)
    only = _audit_only_verdict(policy, acc)
    if only is not None:
        return only
    steps: list[str] = []
    if "TERMINAL" in policy.active_classes:
        check = check_access(policy, acc, user, "TERMINAL", terminal, "read")
    else:
        check = AccessCheck(True, C.STAGE_LOGIN_ALLOWED, "the TERMINAL class is not active", None)
    check = _natively(check, e.native_denied)
    need_ok = LOGINSUCCESS | (INTERACTIVE if terminal != "_CRONJOB_" else 0)
    status, reason = _judge(
        policy, acc, check, "TERMINAL", False, need_ok, LOGINFAIL, steps, e.native_denied
    )
    return _Verdict(status, check.stage, reason, acc, check.resource, tuple(steps))


def _session_event(
    e: Event,
    policy: Policy,
    *,
    event: str,
    status: str,
    stage: int,
    need: int,
    always: bool = False,
) -> Decision:
    """Logout, password attempts and changes, serevu's account changes: no access check."""
    user = str(e.user)
    acc = policy.accessor(user)
    steps = [f"{event} ({status}) at stage {stage}"]
    reason: int | None
    if always:
        reason = C.REASON_ALWAYS
        steps.append(f"logged (reason 0): {event} records are always logged")
    else:
        res = None
        if event != "password_verification" and "TERMINAL" in policy.active_classes:
            res = policy.resource("TERMINAL", e.terminal or LOCAL_TERMINAL)
        reason = _audit_reason(acc, res, need, status, steps)
    record = None
    if reason is not None:
        with_program = event != "logout" and event != "password_verification"
        record = AuditRecord(
            event=event,
            timestamp=e.timestamp,
            status=status,
            event_name="PASSWORD" if event == "password_verification" else "LOGIN",
            user=user,
            session_id=e.session_id if event == "logout" else None,
            stage=stage,
            stage_message=_stage_message(
                "password_quality" if event == "password_verification" else "stage", stage
            ),
            reason=reason,
            terminal=None if event == "password_verification" else e.terminal or LOCAL_TERMINAL,
            program=e.program if with_program else None,
            audit_flags=acc.audit_flags,
        )
    return Decision(status, stage, reason, record, steps=tuple(steps))


def _logout(e: Event, policy: Policy) -> Decision:
    need = LOGINSUCCESS | (INTERACTIVE if e.interactive else 0)
    return _session_event(e, policy, event="logout", status="O", stage=C.STAGE_LOGOUT, need=need)


def _password_attempt(e: Event, policy: Policy) -> Decision:
    return _session_event(
        e,
        policy,
        event="password_attempt",
        status="A",
        stage=C.STAGE_PASSWORD,
        need=LOGINFAIL,
    )


def _password_change(e: Event, policy: Policy) -> Decision:
    return _session_event(
        e,
        policy,
        event="password_verification",
        status="F",
        stage=int(e.code or 0),
        need=LOGINFAIL,
    )


def _account(e: Event, policy: Policy) -> Decision:
    disabled = e.kind == "account_disabled"
    return _session_event(
        e,
        policy,
        event="login_disabled" if disabled else "login_enabled",
        status="I" if disabled else "E",
        stage=C.STAGE_SUSPEND,
        need=0,
        always=True,
    )


def _connect(e: Event, policy: Policy) -> Decision:
    outbound = e.kind == "connect_out"
    cls = (e.cls or "TCP").upper()
    name = str(e.host) if cls == "HOST" else str(e.service)
    key = (e.kind, e.user if outbound else None, cls, name, e.native_denied)
    v = _memo(policy, key, lambda: _connect_verdict(e, policy, cls, name, outbound))
    if v.silent is not None:
        return v.silent
    record = _audited(
        e,
        v,
        "outbound_network" if outbound else "inbound_network",
        class_=cls,
        service=e.service,
        user=e.user if outbound else None,
        session_id=e.session_id if outbound else None,
        host=e.host,
        terminal=(e.terminal or LOCAL_TERMINAL) if outbound else None,
        audit_flags=v.acc.audit_flags if outbound else None,
    )
    return _finished(e, v, record, cls, name)


def _connect_verdict(e: Event, policy: Policy, cls: str, name: str, outbound: bool) -> _Verdict:
    user = str(e.user) if outbound else ""
    acc = policy.accessor(user) if outbound else policy.os_user
    if cls not in policy.active_classes:
        step = f"class {cls} is not active: the connection is not intercepted"
        return _Verdict("P", None, None, acc, None, (step,), intercepted=False)
    only = _audit_only_verdict(policy, acc)
    if only is not None:
        return only
    steps: list[str] = []
    check = check_access(policy, acc, user, cls, name, "write" if outbound else "read")
    check = _natively(check, e.native_denied)
    judged = acc if outbound else None  # an inbound connection has no accessor to ask
    status, reason = _judge(
        policy, judged, check, cls, False, SUCCESS, FAIL, steps, e.native_denied
    )
    traced = outbound and _trace_step(acc, reason, steps)
    return _Verdict(status, check.stage, reason, acc, check.resource, tuple(steps), traced=traced)


def _admin(e: Event, policy: Policy) -> Decision:
    user = str(e.user)
    acc = policy.accessor(user)
    if acc.admin:
        status, stage = ("F" if e.os_failed else "S"), C.STAGE_ADMIN_OK
        step = (
            f"allowed at stage 305: {user} has the ADMIN attribute ({policy.users[user].defined})"
        )
    else:
        status, stage = "D", C.STAGE_ADMIN_DENIED
        step = f"denied at stage 322: {user} has no ADMIN attribute"
    command = str(e.command)
    record = AuditRecord(
        event="db_admin",
        timestamp=e.timestamp,
        status=status,
        event_name="UPDATE",
        class_=str(e.cls).upper(),
        user=user,
        stage=stage,
        stage_message=_stage_message("stage", stage),
        reason=C.REASON_ALWAYS,
        object=e.object,
        terminal=e.terminal or LOCAL_TERMINAL,
        command=command,
        command_type=_tables().command_type(command),
        audit_flags=acc.audit_flags,
    )
    steps = (step, "logged (reason 0): database administration is always logged")
    return Decision(status, stage, C.REASON_ALWAYS, record, steps=steps)


def _daemon(e: Event, policy: Policy) -> Decision:
    start = e.kind == "startup"
    if start:
        record = AuditRecord(
            event="startup",
            timestamp=e.timestamp,
            status="M",
            event_name="START",
            service=e.service,
            platform=e.platform,
        )
        stage: int | None = None
    else:
        stage = C.STAGE_ADMIN_OK
        record = AuditRecord(
            event="shutdown",
            timestamp=e.timestamp,
            status="M",
            event_name="SHUTDOWN",
            user=e.user,
            session_id=e.session_id,
            stage=stage,
            stage_message=_stage_message("stage", stage),
            service=e.service,
            audit_flags=policy.accessor(str(e.user)).audit_flags,
            platform=e.platform,
        )
    step = f"the daemon {'start' if start else 'shutdown'} is always logged"
    return Decision("M", stage, None, record, steps=(step,))


def _untrust(e: Event, policy: Policy) -> Decision:
    code = int(e.code or 0)
    record = AuditRecord(
        event="untrust",
        timestamp=e.timestamp,
        status="U",
        class_=str(e.cls).upper(),
        module="seoswd",
        stage=code,
        stage_message=_stage_message("untrust", code),
        message_id=e.message_id or "0",
        file=e.file,
    )
    step = "the watchdog's untrust message is always logged"
    return Decision("U", code, None, record, steps=(step,))


_HANDLERS = {
    "access": _access,
    "login": _login,
    "logout": _logout,
    "password_attempt": _password_attempt,
    "password_change": _password_change,
    "account_disabled": _account,
    "account_enabled": _account,
    "connect_out": _connect,
    "connect_in": _connect,
    "admin": _admin,
    "startup": _daemon,
    "shutdown": _daemon,
    "untrust": _untrust,
}
