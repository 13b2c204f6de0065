"""THE layout table: every event type, declared once.

One ``Layout`` per event type holds everything the codec needs: the stable id, the titles the
detailed output prints, the Event-column word(s), the status letters, the positional field
order per platform and the detailed labels in the order the seed pages print them. The short
and detailed parsers, both renderers, the CSV columns and the docs table are derived from it.

Decisions where the documentation is silent (README "Decisions" repeats them):
- login, logout, login_enabled, login_disabled and password_attempt all print ``LOGIN`` in the
  Event column (REFERENCE.md: "the Event column of login-type records reads LOGIN", and audit.cfg
  filters all of them under LOGIN); the status letter tells them apart.
- shutdown prints ``SHUTDOWN`` and password verification ``PASSWORD`` (not documented).
- outbound network records take the optional session ID column right after the user name,
  as login and resource access records do.
- the table order is the tie-break priority when a line fits more than one layout.
- ``core``: real lines may stop early (Windows endpoints and older releases leave off the
  trailing names: "Empty fields ... simply do not appear", REFERENCE.md section 1). The
  required core of a layout is its identifying columns up to and including its last code
  column (Details, and Reason where it has one); every column after it may be absent from
  the end of a line. Layouts whose last value is free text (trace, db_admin) or that have no
  column after their identifying ones (startup) keep every column but AuditFlags.
"""

from __future__ import annotations

from dataclasses import dataclass

from seaudit.schema.fields import FIELD_BY_KEY

Platform = str  # "unix" | "windows"


@dataclass(frozen=True, slots=True)
class Label:
    """One detailed ``Label: value`` pair: which key it fills and how it is spelled."""

    key: str  # a record key, or one of the pseudo keys "title", "date", "time"
    spelling: str
    windows_spelling: str | None = None

    def spelled(self, platform: Platform | None) -> str:
        if platform == "windows" and self.windows_spelling:
            return self.windows_spelling
        return self.spelling


#: field kinds of the columns that print nothing when empty (the session ID, AuditFlags)
OPTIONAL_KINDS = frozenset({"session", "flags"})


@dataclass(frozen=True, slots=True)
class Ending:
    """One way a non-detailed line of a layout may end: the columns it holds, in order.
    ``complete``: the layout's whole order; otherwise the line stops early, and its last
    column is printed (an early end is never an empty optional column)."""

    keys: tuple[str, ...]
    complete: bool


@dataclass(frozen=True, slots=True)
class Layout:
    id: str
    title: str  # the detailed "Event type:" value
    #: Event-column words accepted (the first renders); () = the column holds the class
    words: tuple[str, ...]
    statuses: str  # status letters the event allows (C, product error, is allowed for all)
    unix: tuple[str, ...]  # positional keys after Date Time Status
    labels: tuple[Label, ...]
    windows: tuple[str, ...] = ()  # the Windows order where it differs from UNIX
    classes: tuple[str, ...] = ()  # classes allowed in the class column; () = any
    details_table: str = "stage"  # which code table explains the Details column
    windows_title: str | None = None
    word_is_free: bool = False  # any upper-case word is accepted in the Event column
    #: how many leading positional columns every line prints (the required core); the ones
    #: after it may be absent from the end of a line. None: every column is required.
    core: int | None = None

    def order(self, platform: Platform | None) -> tuple[str, ...]:
        if platform == "windows" and self.windows:
            return self.windows
        return self.unix

    def required(self, platform: Platform | None) -> int:
        """How many leading columns of ``order(platform)`` every line holds."""
        order = self.order(platform)
        return len(order) if self.core is None else self.core

    def endings(self, platform: Platform | None) -> tuple[Ending, ...]:
        """Every way a line may end, longest first: the whole order, then each early end
        after the core. An early end stops after a column that is printed: after a value, or
        after an optional column that shows (a line that ends where an empty optional column
        stands is the longer reading, or the shorter one that stops before it)."""
        order = self.order(platform)
        out = [Ending(order, True)]
        for k in range(len(order) - 1, self.required(platform) - 1, -1):
            if all(FIELD_BY_KEY[key].kind in OPTIONAL_KINDS for key in order[k:]):
                continue  # the whole order reads it, the optional columns empty
            out.append(Ending(order[:k], False))
        return tuple(out)

    @property
    def platform_dependent(self) -> bool:
        return bool(self.windows) or self.windows_title is not None

    def titled(self, platform: Platform | None) -> str:
        if platform == "windows" and self.windows_title:
            return self.windows_title
        return self.title

    @property
    def keys(self) -> frozenset[str]:
        """Every record key this event can carry (positional or labelled)."""
        keys = set(self.unix) | set(self.windows) | {lab.key for lab in self.labels}
        keys |= {"event", "timestamp", "status", "platform"}
        return frozenset(k for k in keys if k in FIELD_BY_KEY)


def _labels(*specs: str | tuple[str, str] | tuple[str, str, str]) -> tuple[Label, ...]:
    """Labels by spelling; the key is looked up in LABEL_KEYS unless given."""
    out = []
    for spec in specs:
        if isinstance(spec, str):
            out.append(Label(LABEL_KEYS[spec], spec))
        elif len(spec) == 2:
            out.append(Label(spec[1], spec[0]))
        else:
            out.append(Label(spec[1], spec[0], spec[2]))
    return tuple(out)


#: every label spelling the detailed output is known to use, and the key it fills
LABEL_KEYS: dict[str, str] = {
    "Event type": "title",
    "Event": "title",
    "Status": "status",
    "Date": "date",
    "Time": "time",
    "Details": "stage_message",
    "Class": "class",
    "Resource": "resource",
    "Access": "access",
    "User name": "user",
    "UserName": "user",
    "Administrator": "user",
    "Terminal": "terminal",
    "Program": "program",
    "Host name": "host",
    "Service": "service",
    "Daemon": "service",
    "Engine service": "service",
    "User Logon Session ID": "session_id",
    "SessionID": "session_id",
    "Session ID": "session_id",
    "Audit flags": "audit_flags",
    "AuditFlags": "audit_flags",
    "Effective user name": "effective_user",
    "Effective user ID": "effective_uid",
    "Real user name": "real_user",
    "Real user ID": "real_uid",
    "Trace information": "trace",
    "Object": "object",
    "Command": "command",
    "Command type": "command_type",
    "Module": "module",
    "Message ID": "message_id",
    "File": "file",
}

#: record key -> the label a detailed rendering prints it under where its layout declares none
#: (the first spelling above: ``Audit flags``, ``User name``, ``Effective user ID``, ...)
LABEL_OF: dict[str, str] = {}
for _spelling, _key in LABEL_KEYS.items():
    LABEL_OF.setdefault(_key, _spelling)

_LOGIN = ("LOGIN",)
#: login account enabled, disabled and password attempt: one format line (REFERENCE.md 3)
_ACCOUNT_ORDER = ("event_name", "user", "stage", "reason", "terminal", "program", "audit_flags")
_ACCOUNT_LABELS = _labels(
    "Event", "Status", "UserName", "Terminal", "Program", "Date", "Time", "Details", "AuditFlags"
)
_SERVICE = ("Daemon", "service", "Engine service")

LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "login",
        "Login event",
        _LOGIN,
        "PDW",
        (
            "event_name",
            "user",
            "session_id",
            "stage",
            "reason",
            "terminal",
            "program",
            "audit_flags",
        ),
        _labels(
            "Event",
            "Status",
            "UserName",
            "Terminal",
            "Program",
            "Date",
            "Time",
            "Details",
            "SessionID",
            "AuditFlags",
        ),
        core=5,
    ),
    Layout(
        "logout",
        "Logout",
        _LOGIN,
        "O",
        ("event_name", "user", "session_id", "stage", "reason", "terminal", "audit_flags"),
        _labels(
            "Event",
            "Status",
            "UserName",
            "Terminal",
            "Date",
            "Time",
            "Details",
            "SessionID",
            "AuditFlags",
        ),
        core=5,
    ),
    Layout(
        "login_enabled",
        "Login account enabled",
        _LOGIN,
        "E",
        _ACCOUNT_ORDER,
        _ACCOUNT_LABELS,
        core=4,
    ),
    Layout(
        "login_disabled",
        "Login account disabled",
        _LOGIN,
        "I",
        _ACCOUNT_ORDER,
        _ACCOUNT_LABELS,
        core=4,
    ),
    Layout(
        "password_attempt",
        "Password attempt",
        _LOGIN,
        "A",
        _ACCOUNT_ORDER,
        _ACCOUNT_LABELS,
        core=4,
    ),
    Layout(
        "trace",
        "Trace message on a user",
        ("TRACE",),
        "PDW",
        (
            "event_name",
            "user",
            "session_id",
            "effective_user",
            "real_user",
            "class",
            "resource",
            "stage",
            "audit_flags",
            "trace",
        ),
        _labels(
            "Event type",
            "Date",
            "Time",
            "Details",
            "Trace information",
            "Class",
            "Resource",
            "User name",
            "Real user ID",
            "Real user name",
            "Effective user ID",
            "Effective user name",
            "User Logon Session ID",
            "Audit flags",
        ),
        windows=(
            "event_name",
            "user",
            "session_id",
            "real_uid",
            "real_user",
            "class",
            "resource",
            "stage",
            "audit_flags",
            "trace",
        ),
    ),
    Layout(
        "startup",
        "Daemon start",
        ("START",),
        "M",
        ("event_name", "service"),
        _labels("Event type", _SERVICE, "Date", "Time"),
        windows_title="Engine service start",
    ),
    Layout(
        "shutdown",
        "Daemon shutdown",
        ("SHUTDOWN",),
        "M",
        ("event_name", "user", "session_id", "stage", "service", "audit_flags"),
        _labels(
            "Event type",
            "User name",
            _SERVICE,
            "Date",
            "Time",
            "Details",
            "User Logon Session ID",
            "Audit flags",
        ),
        windows_title="Engine service shutdown",
        core=4,
    ),
    Layout(
        "password_verification",
        "Password verification",
        ("PASSWORD", "LOGIN"),
        "F",
        ("event_name", "user", "stage", "reason", "audit_flags"),
        _labels("Event type", "Status", "User name", "Date", "Time", "Details", "Audit flags"),
        details_table="password_quality",
        core=4,
    ),
    Layout(
        "db_admin",
        "Security database administration",
        ("UPDATE",),
        "SFD",
        (
            "event_name",
            "class",
            "user",
            "stage",
            "reason",
            "object",
            "terminal",
            "command",
            "audit_flags",
        ),
        _labels(
            "Event type",
            "Command type",
            "Status",
            "Administrator",
            "Class",
            "Object",
            "Terminal",
            "Date",
            "Time",
            "Details",
            "Command",
            "Audit flags",
        ),
        word_is_free=True,
    ),
    Layout(
        "untrust",
        "Untrust message",
        (),
        "U",
        ("class", "module", "stage", "message_id", "file"),
        _labels(
            "Event type",
            "Status",
            "Class",
            "Module",
            "Date",
            "Time",
            "Details",
            "Message ID",
            "File",
        ),
        classes=("PROGRAM", "SECFILE"),
        details_table="untrust",
        core=3,
    ),
    Layout(
        "inbound_network",
        "Inbound network connection",
        (),
        "DPW",
        ("class", "service", "stage", "reason", "host", "program"),
        _labels(
            "Event type", "Status", "Host name", "Service", "Program", "Date", "Time", "Details"
        ),
        classes=("TCP", "HOST", "CONNECT"),
        core=4,
    ),
    Layout(
        "outbound_network",
        "Outbound network connection",
        (),
        "DPW",
        (
            "class",
            "service",
            "user",
            "session_id",
            "stage",
            "reason",
            "host",
            "program",
            "terminal",
            "audit_flags",
        ),
        _labels(
            "Event type",
            "Status",
            "Host name",
            "Service",
            "Program",
            "User name",
            "Terminal",
            "Date",
            "Time",
            "Details",
            "User Logon Session ID",
            "Audit flags",
        ),
        classes=("TCP", "HOST", "CONNECT"),
        core=6,
    ),
    Layout(
        "resource_access",
        "Resource access",
        (),
        "PDWNF",
        (
            "class",
            "user",
            "session_id",
            "access",
            "stage",
            "reason",
            "resource",
            "program",
            "terminal",
            "audit_flags",
            "effective_user",
        ),
        _labels(
            "Event type",
            "Status",
            "Class",
            "Resource",
            "Access",
            "User name",
            "Terminal",
            "Program",
            "Date",
            "Time",
            "Details",
            "User Logon Session ID",
            "Audit flags",
            "Effective user name",
        ),
        windows=(
            "class",
            "user",
            "session_id",
            "access",
            "stage",
            "reason",
            "resource",
            "program",
            "terminal",
            "effective_user",
            "audit_flags",
        ),
        core=6,
    ),
)

LAYOUT_BY_ID: dict[str, Layout] = {lay.id: lay for lay in LAYOUTS}
EVENT_IDS: tuple[str, ...] = tuple(lay.id for lay in LAYOUTS)
#: the records ``seaudit -l`` shows: those whose Event column reads LOGIN (REFERENCE.md 1)
LOGIN_EVENTS: tuple[str, ...] = tuple(lay.id for lay in LAYOUTS if lay.words[:1] == ("LOGIN",))
#: the records ``seaudit -i`` shows (INET records): the layouts of the network classes
NETWORK_EVENTS: tuple[str, ...] = tuple(lay.id for lay in LAYOUTS if "TCP" in lay.classes)

#: detailed "Event type:" value -> (layout, platform it implies or None)
LAYOUT_BY_TITLE: dict[str, tuple[Layout, Platform | None]] = {}
for _lay in LAYOUTS:
    LAYOUT_BY_TITLE[_lay.title.lower()] = (_lay, "unix" if _lay.windows_title else None)
    if _lay.windows_title:
        LAYOUT_BY_TITLE[_lay.windows_title.lower()] = (_lay, "windows")
