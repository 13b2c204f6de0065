"""Hypothesis strategies for audit records and their seaudit text (shared by the codec and the
bulk-parser tests).

``records()`` draws records that the text format can carry without loss, so that
``parse(render(r)) == r`` is expected; ``lines()`` draws a record rendered one way together
with the record the parser must give back (``Sample``). Every restriction below is a known
ambiguity (or lossy spot) of the seaudit text format, and so worth knowing for anyone who
reads these lines:

1. Status ``C`` (product error) is allowed for every event, so with ``C`` a ``LOGIN`` line fits
   five login-type layouts: records never carry ``C``.
2. ``event_name`` is one of the layout's own Event words (``UPDATE`` for admin records): any
   upper-case word is accepted there, but an unknown one reads as a worse fit.
3. Resource access classes exclude the network (``TCP``, ``HOST``, ``CONNECT``) and untrust
   (``PROGRAM``, ``SECFILE``) classes where the status letters overlap: the class column alone
   tells those events apart.
4. Values never contain control characters (the renderer shows them as ``\\xNN``) and never
   start or end with a space; one-word fields never contain a space.
5. The only user names with a space are those of the well-known spaced Windows domains
   (``NT AUTHORITY\\SYSTEM``, ``NT AUTHORITY\\NETWORK SERVICE``): ``DOMAIN\\John Smith`` could be
   cut after ``John`` as well.
6. No value token looks like a session ID (``8hex:8-16hex``) or is ``(OS`` / ``user)``, and
   free text (command, trace) never begins or ends with ``(OS user)``: those are the optional
   columns.
7. A Command starts with a selang verb (an admin line is recognised by its Command).
8. Only free text (command, trace) may contain a known detailed label followed by a colon
   (``Class:``), and no text contains ``Event type:`` / ``Event:`` followed by an event title:
   that is where the labelled part of a detailed record begins.
9. ``stage_message`` is what the parser derives: the code table's message for a known code,
   absent for an unknown one (whose detailed ``Details: Stage code N`` is the renderer's
   placeholder and reads back as no message).
10. ``command_type`` is derived from the command (``cr`` -> ``Modify resource``), as the parser
    does for non-detailed text.
11. ``platform`` is set exactly for the layouts that depend on it (trace, resource access,
    startup, shutdown), and the parser is told it (``Sample.platform``): a UNIX-looking
    Windows line cannot be told apart otherwise.
12. Fields the non-detailed line does not show are absent: the session ID unless rendered with
    ``sessionid``; the effective and real user IDs of a UNIX trace (detailed labels only);
    ``audit_flags`` is ``""`` or ``(OS user)`` there, and may be ``AC database user`` in
    detailed text.
13. Host names and user names are never bare numbers: an inbound network line whose host is
    ``0`` and whose program has spaces also reads as an outbound one (user, stage and reason
    shifted by one column).
14. Two neighbouring values with spaces are avoided where no clue separates them (``my file``
    then ``app.exe``): the parser then keeps one cut and warns, as it must.
15. A line may stop early (``Layout.endings``, with ``early``): the fields after its last
    column are absent, and an early end after AuditFlags shows ``(OS user)``. A line that
    ends where a spaced name or path could also be cut into the next columns reads as the
    cheaper cut: the paths drawn are absolute (a backslash path that does not start like one
    is taken for the end of another).
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from hypothesis import strategies as st

from seaudit.schema.codes import default_tables
from seaudit.schema.events import LABEL_KEYS, LAYOUT_BY_ID, LAYOUTS, Layout
from seaudit.schema.fields import FIELD_BY_KEY
from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import render_detailed
from seaudit.text.short import render_short

PLATFORMS = ("unix", "windows")
TABLES = default_tables()

UNIX_USERS = ("root", "admabc", "john", "oracle", "www-data", "nobody", "svc_backup", "_apt")
WINDOWS_USERS = (
    "MACHINE\\Administrator",
    "MACHINE\\john",
    "DOMAIN\\user",
    "DOMAIN_NAME\\computer",
    "CORP\\svc-sql",
    "Administrator",
    "NT AUTHORITY\\SYSTEM",
    "NT AUTHORITY\\NETWORK SERVICE",
    "NT AUTHORITY\\LOCAL SERVICE",
)
UNIX_PATHS = (
    "/tmp/one",
    "/etc/passwd",
    "/etc/shadow",
    "/home/john/file.txt",
    "/usr/local/bin/tcsh",
    "/usr/bin/telnet",
    "/bin/su",
    "/usr/bin/sudo",
    "/var/log/messages",
    "/opt/CA/bin/seosd",
)
WINDOWS_PATHS = (
    "C:\\Program Files\\App\\app.exe",
    "C:\\WINDOWS\\system32\\services.exe",
    "C:\\Windows\\System32\\cmd.exe",
    "D:\\data\\payroll.xlsx",
    "C:\\Documents and Settings\\john\\My Documents\\notes.txt",
    "C:\\Program Files (x86)\\Vendor Tool\\tool.exe",
    "\\\\fileserver\\share\\report.doc",
    "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft",
)
PLAIN_RESOURCES = ("_default", "dfdok", "alice", "SBIN_CRON", "tty7", "sshd")
TERMINALS = (
    "localhost",
    "computer.com",
    "_CRONJOB_",
    "10.0.0.5",
    "ws042.corp.example",
    "WS042",
    "console",
)
HOSTS = ("computer.org", "computer.com", "10.1.2.3", "db01.example.net", "192.168.0.10")
SERVICES = ("telnet", "ftp", "ssh", "http", "https", "smtp", "rlogin", "login")
DAEMONS = ("seoswd", "seosd", "seagent", "selogrd", "serevu", "SeOSEngine")
ACCESSES = (
    "Read",
    "Write",
    "Execute",
    "Update",
    "Delete",
    "Create",
    "Rename",
    "Chown",
    "Chmod",
    "Utime",
    "Control",
    "All",
)
RESOURCE_CLASSES = (
    "FILE",
    "TERMINAL",
    "PROCESS",
    "SURROGATE",
    "SUDO",
    "WINSERVICE",
    "REGKEY",
    "SPECIALPGM",
    "GSUDO",
    "USER_DIR",
)
LOGIN_PROGRAMS = (
    "SBIN_CRON",
    "/usr/sbin/sshd",
    "/bin/login",
    "selang",
    "WebService",
    "C:\\Windows\\System32\\winlogon.exe",
)
MESSAGE_IDS = ("0", "1", "2", "errno=13", "E2", "404")
FREE_TEXT_ALPHABET = string.ascii_letters + string.digits + " :[](){}<>='\".,/\\-_=?*!#"
#: session IDs look like "4922ae61:00000132"; more hex digits after the colon also occur
SESSION_IDS = st.builds(
    lambda a, b: f"{a:08x}:{b}",
    st.integers(0, 2**32 - 1),
    st.sampled_from(("00000132", "0000012a5248", "172ef9ef", "0000034b", "00000140")),
)


def _clean_text(text: str) -> str:
    """Free text as the format can carry it (restrictions 4, 6 and 8)."""
    text = text.strip()
    while text.endswith("(OS user)"):
        text = text[: -len("(OS user)")].rstrip()
    while text.startswith("(OS user)"):
        text = text[len("(OS user)") :].lstrip()
    lowered = text.lower()
    for lay in LAYOUTS:
        for title in (lay.title, lay.windows_title):
            if title and title.lower() in lowered:
                return "x"
    return text


@st.composite
def free_text(draw: st.DrawFn, prefix: str = "") -> str:
    tail = draw(st.text(FREE_TEXT_ALPHABET, max_size=40))
    return _clean_text(f"{prefix} {tail}") or prefix or "x"


COMMANDS = (
    "cr file dfdok defacc(r)",
    "authorize FILE /etc/passwd uid(bob) access(read)",
    "nu bob owner(nobody) name('Bob Smith: [ops]')",
    "chusr alice audit(all) comment('a: b [c]')",
    "newres PROGRAM C:\\Program Files\\App\\app.exe defaccess(x)",
    "rmusr mallory",
    "editfile /etc/shadow audit(failure)",
    "join bob group(admins)",
    "so class+(SUDO)",
    "setoptions accwarn",
)
TRACES = (
    "FILE > Result: 'P' [stage=55 gstag=55 ACEEH=8 rv=0(/home/john/file.txt",
    "WINSERVICE > (C:\\WINDOWS\\system32\\services.exe) Result: 'P' [stage=1059 gstag=1059 "
    "ACEEH=6 rv=0x0 (WebClient)] Why? Default record universal access check",
    "PROCESS > kill: signal 9 [pid=4411]",
    "Class: FILE Resource: /etc/passwd",
)


@st.composite
def commands(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(COMMANDS))
    verb = draw(st.sampled_from(sorted(TABLES.command_types) + sorted(TABLES.selang_verbs)))
    return draw(free_text(prefix=verb))


@st.composite
def traces(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(TRACES))
    return draw(free_text(prefix=draw(st.sampled_from(RESOURCE_CLASSES)) + " >"))


def timestamps() -> st.SearchStrategy[str]:
    from datetime import datetime

    return st.datetimes(datetime(1995, 1, 1), datetime(2037, 12, 31, 23, 59, 59)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S")
    )


def _users(platform: str) -> st.SearchStrategy[str]:
    return st.sampled_from(WINDOWS_USERS if platform == "windows" else UNIX_USERS)


def _paths(platform: str) -> st.SearchStrategy[str]:
    paths = WINDOWS_PATHS if platform == "windows" else UNIX_PATHS
    return st.sampled_from(paths + PLAIN_RESOURCES)


def _stage(layout: Layout) -> st.SearchStrategy[int]:
    known = sorted(TABLES.numbered[layout.details_table])
    return st.one_of(st.sampled_from(known), st.integers(0, 99999))


def _value(key: str, layout: Layout, platform: str) -> st.SearchStrategy[object]:
    """The values one positional key may take (restrictions 2 to 7)."""
    if key == "event_name":
        return st.sampled_from(layout.words)
    if key == "class":
        if layout.classes:
            return st.sampled_from(layout.classes)
        return st.sampled_from(RESOURCE_CLASSES)
    if key in ("user", "effective_user", "real_user"):
        return _users(platform)
    if key == "real_uid":  # the Windows column holds a name (or a number)
        return st.one_of(_users(platform), st.integers(0, 70000))
    if key == "session_id":
        return SESSION_IDS
    if key == "access":
        return st.sampled_from(ACCESSES)
    if key == "stage":
        return _stage(layout)
    if key == "reason":
        return st.integers(0, 99)
    if key in ("resource", "object", "file"):
        return _paths(platform)
    if key == "program":
        if layout.id.startswith(("login", "password")):
            return st.sampled_from(LOGIN_PROGRAMS if platform == "windows" else LOGIN_PROGRAMS[:5])
        return _paths(platform)
    if key == "terminal":
        return st.sampled_from(TERMINALS)
    if key == "host":
        return st.sampled_from(HOSTS)
    if key == "service":
        return st.sampled_from(DAEMONS if layout.id in ("startup", "shutdown") else SERVICES)
    if key == "audit_flags":
        return st.sampled_from(("", "(OS user)"))
    if key == "command":
        return commands()
    if key == "trace":
        return traces()
    if key == "module":
        return st.sampled_from(("seoswd", "seosd"))
    if key == "message_id":
        return st.sampled_from(MESSAGE_IDS)
    raise AssertionError(f"no strategy for positional key {key!r}")


@st.composite
def records(
    draw: st.DrawFn,
    event: str | None = None,
    platform: str | None = None,
    detailed: bool = False,
    early: bool = False,
) -> AuditRecord:
    """A record the text format carries without loss (see the module docstring).

    ``event`` and ``platform`` fix the event id and the platform the values look like;
    ``detailed`` adds what only detailed labels carry (``AC database user``, the UNIX trace's
    user IDs) and uses the stage message the detailed form shows.
    """
    layout = LAYOUT_BY_ID[event] if event else draw(st.sampled_from(LAYOUTS))
    plat = platform or draw(st.sampled_from(PLATFORMS))
    ending = draw(st.sampled_from(layout.endings(plat))) if early else layout.endings(plat)[0]
    order = ending.keys
    kwargs: dict[str, object] = {
        "event": layout.id,
        "timestamp": draw(timestamps()),
        "status": draw(st.sampled_from(layout.statuses)),
    }
    for key in order:
        if key == "session_id" and not draw(st.booleans()):
            continue
        kwargs[FIELD_BY_KEY[key].attr] = draw(_value(key, layout, plat))
    if not ending.complete and order[-1] == "audit_flags":
        kwargs["audit_flags"] = "(OS user)"  # an early end stops after a column that shows
    if detailed and "audit_flags" in order and draw(st.booleans()):
        kwargs["audit_flags"] = "AC database user"
    if detailed and layout.id == "trace" and plat == "unix":
        for key in ("effective_uid", "real_uid"):
            if draw(st.booleans()):
                kwargs[key] = draw(st.integers(0, 2**31 - 1))
    stage = kwargs.get("stage")
    message = TABLES.message(layout.details_table, stage) if isinstance(stage, int) else None
    if message is not None:
        kwargs["stage_message"] = message
    if layout.id == "db_admin":
        kwargs["command_type"] = TABLES.command_type(str(kwargs["command"]))
    if layout.platform_dependent:
        kwargs["platform"] = plat
    return AuditRecord(**kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Sample:
    """A rendered record: the text, the record parsing it must give, and the platform to tell
    the parser (None where the layout does not depend on it)."""

    record: AuditRecord
    text: str
    platform: str | None
    detailed: bool


def visible(record: AuditRecord, *, sessionid: bool, detailed: bool) -> AuditRecord:
    """The record as a rendering shows it: without the session ID where it is not shown."""
    layout = LAYOUT_BY_ID[record.event]
    shows_session = (sessionid and "session_id" in layout.unix) or (
        detailed and any(lab.key == "session_id" for lab in layout.labels)
    )
    return record if shows_session else record.replace(session_id=None)


@st.composite
def lines(
    draw: st.DrawFn,
    event: str | None = None,
    platform: str | None = None,
    *,
    detailed: bool | None = False,
    sessionid: bool | None = None,
    padded: bool | None = None,
    block: bool | None = None,
    early: bool = False,
) -> Sample:
    """A record rendered as seaudit prints it. ``None`` for an option draws it; ``padded``
    applies to non-detailed lines, ``block`` (several lines joined by newlines) to detailed."""
    as_detailed = draw(st.booleans()) if detailed is None else detailed
    with_session = draw(st.booleans()) if sessionid is None else sessionid
    record = draw(records(event, platform, detailed=as_detailed, early=early))
    if as_detailed:
        as_block = draw(st.booleans()) if block is None else block
        text = render_detailed(record, sessionid=with_session, block=as_block)
    else:
        as_padded = draw(st.booleans()) if padded is None else padded
        text = render_short(record, sessionid=with_session, padded=as_padded)
    expected = visible(record, sessionid=with_session, detailed=as_detailed)
    return Sample(expected, text, record.platform, as_detailed)


#: every label spelling, for tests that build detailed text by hand
LABELS: tuple[str, ...] = tuple(LABEL_KEYS)
