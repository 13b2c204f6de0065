"""The access event: what the policy decides on, and the one step "access -> record or none".

``records_for(access, policy)`` is the only place a status, stage and reason are chosen. The
audit policy (``seaudit.policy``, issue 9) plugs in as a ``Policy``: a callable that takes the
access and returns a ``Verdict`` (or None: not audited); ``seaudit.agent.policy`` makes one of a
policy file. Without a policy the kernel's own
outcome decides: a denial is D, a success P, an operation the OS refused for another reason F.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from seaudit.schema.events import LAYOUTS
from seaudit.schema.fields import FIELDS
from seaudit.schema.record import AuditRecord, Origin

PERMITTED = "permitted"
DENIED = "denied"  # the kernel refused it (EACCES, EPERM) or authentication failed
FAILED = "failed"  # permitted, but the OS operation failed (ENOENT, ...)

#: stage and reason codes without a policy (REFERENCE.md section 4); see README "Agent"
STAGE_LOGIN_OK = 19  # No reason to deny - allow login
STAGE_NATIVE_DENIED = 17  # Attempt rejected by the native environment
STAGE_DEFAULT_ACCESS = 1059  # Default record universal access check
STAGE_PASSWORD = 8  # Password validity checkings
STAGE_LOGOUT = 49  # Logout detected after last process terminated
STAGE_ADMIN_OK = 305  # Command allowed for ADMIN user
STAGE_DAEMON = 0  # a daemon stop has no authorization stage; 0 says so
REASON_USER = 2  # User audit mode requires logging
REASON_RESOURCE = 3  # Resource audit mode required logging


@dataclass(frozen=True, slots=True)
class Access:
    """One access as the kernel saw it. ``event`` is the record event id it would make."""

    event: str
    class_: str
    resource: str
    user: str | None
    access: str | None
    program: str | None
    terminal: str | None
    host: str | None
    service: str | None
    outcome: str
    timestamp: str
    session_id: str | None = None
    effective_user: str | None = None
    effective_uid: int | None = None
    command: str | None = None
    command_type: str | None = None
    origin: Origin | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the policy (or the default) says: the status letter, stage and reason codes."""

    status: str
    stage: int | None
    reason: int | None
    #: False: the outcome is decided but not written (the AUDIT modes or audit.cfg say so)
    written: bool = True
    #: records written after it: the TRACE record of a traced user
    extra: tuple[AuditRecord, ...] = ()


Policy = Callable[[Access], Verdict | None]
_ATTR = {f.key: f.attr for f in FIELDS}
#: keys the agent's records carry beyond their event's layout: a program run's command line
#: (README "The Linux host agent"). The text renderings (short, detailed) have no column for
#: them and leave them out; JSON, CSV, the store, queries and the SIEM formats carry them.
AGENT_EXTRA_KEYS: dict[str, frozenset[str]] = {"resource_access": frozenset({"command"})}
_ALLOWED = {
    layout.id: layout.keys | AGENT_EXTRA_KEYS.get(layout.id, frozenset()) for layout in LAYOUTS
}


def default_verdict(access: Access) -> Verdict:
    """The decision without a policy: the kernel's outcome, the stage that says so."""
    event, outcome = access.event, access.outcome
    if event == "login":
        if outcome == PERMITTED:
            return Verdict("P", STAGE_LOGIN_OK, REASON_USER)
        return Verdict("D", STAGE_NATIVE_DENIED, REASON_USER)
    if event == "logout":
        return Verdict("O", STAGE_LOGOUT, REASON_USER)
    if event == "password_attempt":
        return Verdict("A", STAGE_PASSWORD, REASON_USER)
    if event == "db_admin":
        status = {PERMITTED: "S", FAILED: "F"}.get(outcome, "D")
        return Verdict(status, STAGE_ADMIN_OK if status == "S" else STAGE_NATIVE_DENIED, 2)
    if event in ("startup", "shutdown"):
        return Verdict("M", STAGE_DAEMON, None)
    status = {PERMITTED: "P", FAILED: "F"}.get(outcome, "D")
    stage = STAGE_NATIVE_DENIED if status == "D" else STAGE_DEFAULT_ACCESS
    return Verdict(status, stage, REASON_RESOURCE)


def records_for(access: Access, policy: Policy | None = None) -> list[AuditRecord]:
    """What the log receives for this access: its record if written, then any extra ones."""
    verdict = default_verdict(access) if policy is None else policy(access)
    if verdict is None:
        return []
    main = [_record(access, verdict)] if verdict.written else []
    return [*main, *verdict.extra]


def record_for(access: Access, policy: Policy | None = None) -> AuditRecord | None:
    """The record the product would write for this access, or None when none is written."""
    verdict = default_verdict(access) if policy is None else policy(access)
    if verdict is None or not verdict.written:
        return None
    return _record(access, verdict)


def _record(access: Access, verdict: Verdict) -> AuditRecord:
    event = access.event
    values = {
        "event_name": _EVENT_WORDS.get(event),
        "class": access.class_,
        "user": access.user,
        "session_id": access.session_id,
        "access": access.access,
        "stage": verdict.stage,
        "reason": verdict.reason,
        "resource": access.resource,
        "object": access.resource,
        "program": access.program,
        "terminal": access.terminal,
        "host": access.host,
        "service": access.service,
        "effective_user": access.effective_user,
        "command": access.command,
        "command_type": access.command_type,
    }
    allowed = _ALLOWED[event]  # the layout table says which fields the event has
    kept = {_ATTR[k]: v for k, v in values.items() if v is not None and k in allowed}
    return AuditRecord(
        event=event,
        timestamp=access.timestamp,
        status=verdict.status,
        origin=access.origin,
        **kept,  # type: ignore[arg-type]
    )


_EVENT_WORDS = {
    "login": "LOGIN",
    "logout": "LOGIN",
    "password_attempt": "LOGIN",
    "db_admin": "UPDATE",
    "startup": "START",
    "shutdown": "SHUTDOWN",
}


@functools.lru_cache(maxsize=4096)
def local_time(seconds: int) -> str:
    """Event time as records carry it: the endpoint's local time, no zone (cached: events
    come many to a second)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(seconds))
