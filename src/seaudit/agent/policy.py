"""The agent decides through the audit policy: each ``Access`` becomes a ``seaudit.policy``
``Event``, ``decide()`` judges it, and its status, stage and reason become the ``Verdict``.

The agent observes and does not enforce, so it evaluates the policy with every class it maps
in Warning mode (``observing``): a violation the kernel allowed comes out of ``decide()`` as W
with the stage of the rule that denies and reason 4, always written. The kernel's own denial
is passed as ``native_denied``: D, at the stage of the rule that denies, or 17 when the rules
allow. AUDIT modes and audit.cfg decide whether the record is written (``Verdict.written``);
a traced user's TRACE record follows it; each ``notify(user)`` is handed to ``notify``
(the CLI prints it on stderr). README "The Linux host agent" has the table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from seaudit.agent.access import DENIED, FAILED, Access, Verdict
from seaudit.policy import Decision, Event, Policy, decide
from seaudit.policy import codes as C
from seaudit.policy.event import REQUIRED
from seaudit.policy.model import Source

#: Access.event -> (Event.kind, ((Event field, Access attribute), ...))
_SESSION = (("user", "user"), ("terminal", "terminal"), ("session_id", "session_id"))
KINDS: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "resource_access": (
        "access",
        (
            *_SESSION,
            ("cls", "class_"),
            ("resource", "resource"),
            ("access", "access"),
            ("program", "program"),
            ("effective_user", "effective_user"),
        ),
    ),
    "login": ("login", (*_SESSION, ("program", "program"))),
    "logout": ("logout", _SESSION),
    "password_attempt": ("password_attempt", (*_SESSION, ("program", "program"))),
    "outbound_network": (
        "connect_out",
        (
            *_SESSION,
            ("cls", "class_"),
            ("service", "service"),
            ("host", "host"),
            ("program", "program"),
        ),
    ),
    "inbound_network": (
        "connect_in",
        (("cls", "class_"), ("service", "service"), ("host", "host"), ("program", "program")),
    ),
    "db_admin": (
        "admin",
        (
            ("user", "user"),
            ("terminal", "terminal"),
            ("cls", "class_"),
            ("object", "resource"),
            ("command", "command"),
        ),
    ),
    "startup": ("startup", (("service", "service"),)),
    "shutdown": (
        "shutdown",
        (("user", "user"), ("service", "service"), ("session_id", "session_id")),
    ),
}
#: kinds with an access check: the kernel's denial is passed to decide() as native_denied
CHECKED = frozenset({"access", "login", "connect_out", "connect_in"})
#: a field decide() needs that the kernel did not give (no exe, no user): shown as this
UNKNOWN = "unknown"
#: the classes the mapping produces (mapping.py): each is put in Warning mode to observe
AGENT_CLASSES = ("FILE", "PROGRAM", "TERMINAL", "SURROGATE", "SUDO", "TCP")
OBSERVER = Source(0, "seaudit agent: observes and does not enforce, so a violation is W")


#: the access word the policy's rules are written in, where the record's differs: a
#: SURROGATE rule grants ``read`` (``authorize SURROGATE USER.root ... access(read)``)
RULE_ACCESS = {"Surrogate": "Read"}


def to_event(access: Access) -> Event:
    """The policy's event for one access (table ``KINDS``); raises KeyError for an event id
    the table lacks."""
    kind, fields = KINDS[access.event]
    values: dict[str, object] = {name: getattr(access, attr) for name, attr in fields}
    word = values.get("access")
    if isinstance(word, str):
        values["access"] = RULE_ACCESS.get(word, word)
    for name in REQUIRED[kind]:
        if values.get(name) is None:
            values[name] = UNKNOWN
    return Event(
        kind,
        access.timestamp,
        native_denied=access.outcome == DENIED and kind in CHECKED,
        os_failed=access.outcome == FAILED,
        **values,  # type: ignore[arg-type]
    )


def observing(policy: Policy) -> Policy:
    """The policy as an observer applies it: every class the agent maps in Warning mode
    (a class or resource already in Warning mode keeps its own source)."""
    warning = {cls: OBSERVER for cls in AGENT_CLASSES} | dict(policy.warning_classes)
    return replace(policy, warning_classes=warning, _cache={}, verdicts={})


def verdict_of(access: Access, decision: Decision) -> Verdict:
    """decide()'s outcome as the agent writes it. Administration has no Warning mode in
    decide(): a command the kernel allowed but the policy denies (no ADMIN) is W, one the
    kernel denied is D at stage 17; both keep the reason 0."""
    status, stage = decision.status, decision.stage
    if access.event == "db_admin":
        if access.outcome == DENIED:
            status, stage = "D", C.STAGE_NATIVE_DENIED
        elif status == "D":
            status = "W"
    trace = decision.trace
    extra = () if trace is None else (replace(trace, origin=access.origin),)
    return Verdict(status, stage, decision.reason, decision.record is not None, extra)


@dataclass(frozen=True, slots=True)
class PolicyJudge:
    """The agent's ``Policy`` callable over an audit policy (already ``observing``)."""

    policy: Policy
    notify: Callable[[str, Access], None] = lambda recipient, access: None

    @classmethod
    def of(cls, policy: Policy, notify: Callable[[str, Access], None] | None = None) -> PolicyJudge:
        observed = observing(policy)
        return cls(observed) if notify is None else cls(observed, notify)

    def __call__(self, access: Access) -> Verdict | None:
        decision = decide(to_event(access), self.policy)
        for note in decision.notifications:
            self.notify(note.recipient, access)
        return verdict_of(access, decision)
