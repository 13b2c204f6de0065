"""What the engine intercepted, before any decision: the input of ``decide``.

One general, stable shape for every source (the simulator, a Linux audit agent, a test): the
``kind`` says what happened and which fields matter; fields a kind does not use stay None.

=================  =====================================================================
kind               fields used (besides ``timestamp``)
=================  =====================================================================
access             user, cls, resource, access, program, terminal, session_id,
                   effective_user; ``os_failed``: permitted but the OS call failed (F)
login              user, terminal, program, session_id
logout             user, terminal, session_id
password_attempt   user, terminal, program (a wrong password was typed)
password_change    user, code (the password-quality code that refused the new password)
account_disabled   user, terminal, program (serevu disabled the account)
account_enabled    user, terminal, program (serevu enabled it again)
connect_out        user, service, host, program, terminal, session_id, cls (TCP)
connect_in         service, host, program, cls (TCP, or HOST: then host is the resource)
admin              user, cls, object, command, terminal; ``os_failed``: the command failed
startup            service (the daemon)
shutdown           user, service, session_id
untrust            cls (PROGRAM or SECFILE), file, code (untrust reason), message_id
=================  =====================================================================

Any kind with an access check (access, login, connect_out, connect_in) may set
``native_denied``: the native OS refused it (an observer such as the Linux agent saw the
kernel's denial), so the outcome is D whatever the rules say, at stage 17 when they allow it.

``timestamp`` is the endpoint's local time, ``YYYY-MM-DDTHH:MM:SS``. ``access`` is the word
the record shows (``Read``, ``Write``, ``Execute``...); rules match it case-insensitively
(``acc(r)`` allows ``Read``). ``platform`` is ``unix`` or ``windows``. A missing terminal is
shown as ``localhost``, as the product shows a session with no remote terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

KINDS: tuple[str, ...] = (
    "access",
    "login",
    "logout",
    "password_attempt",
    "password_change",
    "account_disabled",
    "account_enabled",
    "connect_out",
    "connect_in",
    "admin",
    "startup",
    "shutdown",
    "untrust",
)
#: the fields each kind cannot do without
REQUIRED: dict[str, tuple[str, ...]] = {
    "access": ("user", "cls", "resource", "access", "program"),
    "login": ("user", "program"),
    "logout": ("user",),
    "password_attempt": ("user", "program"),
    "password_change": ("user", "code"),
    "account_disabled": ("user", "program"),
    "account_enabled": ("user", "program"),
    "connect_out": ("user", "service", "host", "program"),
    "connect_in": ("service", "host", "program"),
    "admin": ("user", "cls", "object", "command"),
    "startup": ("service",),
    "shutdown": ("user", "service"),
    "untrust": ("cls", "file", "code"),
}
#: the Terminal column when an event gives none: the product shows the local host
LOCAL_TERMINAL = "localhost"


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    timestamp: str
    user: str | None = None
    cls: str | None = None
    resource: str | None = None
    access: str | None = None
    program: str | None = None
    terminal: str | None = None
    session_id: str | None = None
    effective_user: str | None = None
    host: str | None = None
    service: str | None = None
    object: str | None = None
    command: str | None = None
    file: str | None = None
    code: int | None = None
    message_id: str | None = None
    os_failed: bool = False
    native_denied: bool = False
    platform: str = "unix"

    @property
    def interactive(self) -> bool:
        """A user's own session (not a cron job): what the INTERACTIVE mode is about."""
        return self.terminal != "_CRONJOB_"

    def missing(self) -> str | None:
        """The first field this kind needs and lacks, or None (an unknown kind says so)."""
        getter = _GETTERS.get(self.kind)
        if getter is None:
            return "kind"
        if None not in getter(self):
            return None
        return next(name for name in REQUIRED[self.kind] if getattr(self, name) is None)


#: per kind, one call that reads every required field (the check runs on every decision)
_GETTERS = {kind: attrgetter(*names, "kind") for kind, names in REQUIRED.items()}
