"""The record's keys, declared once (SCHEMA.md "Field keys").

Every other place that names a field (the record, JSON, CSV columns, storage, filters, docs)
iterates this table. ``kind`` tells the positional parser how a value may look in the
non-detailed line:

- ``word``    one token, never a space (class, access, terminal, service, ...)
- ``int``     one token of digits (stage and reason codes)
- ``name``    a user name; on Windows it may be ``DOMAIN\\user`` or ``NT AUTHORITY\\SYSTEM``
- ``path``    a resource, program or file name; may contain spaces on Windows
- ``text``    free text running to the end of the positional part (command, trace)
- ``session`` the optional User Logon Session ID column (``4922ae61:00000132``)
- ``flags``   the optional AuditFlags column (empty or ``(OS user)``)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["word", "int", "name", "path", "text", "session", "flags", "meta"]


@dataclass(frozen=True, slots=True)
class Field:
    key: str  # JSON key, storage column, filter name
    type: type  # int or str (real_uid may be either: see ``INT_OR_STR``)
    kind: Kind
    meaning: str
    attr: str = field(init=False)  # the Python attribute name (``class`` is a keyword)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attr", "class_" if self.key == "class" else self.key)


FIELDS: tuple[Field, ...] = (
    Field("event", str, "meta", "event id (login, resource_access, ...)"),
    Field("timestamp", str, "meta", "YYYY-MM-DDTHH:MM:SS, endpoint local time as printed"),
    Field("status", str, "meta", "status letter"),
    Field("event_name", str, "word", "the Event column (LOGIN, TRACE, UPDATE, START, ...)"),
    Field("class", str, "word", "resource class (FILE, TCP, HOST, WINSERVICE, ...)"),
    Field("user", str, "name", "the accessor (User Name); for db_admin the Administrator"),
    Field("session_id", str, "session", "User Logon Session ID"),
    Field("access", str, "word", "attempted access"),
    Field("stage", int, "int", "authorization stage code (the Details column)"),
    Field("stage_message", str, "meta", "the Details code's message"),
    Field("reason", int, "int", "reason code"),
    Field("resource", str, "path", "resource name"),
    Field("object", str, "path", "administered object (db_admin)"),
    Field("program", str, "path", "program"),
    Field("terminal", str, "word", "terminal"),
    Field("host", str, "word", "host name (network events)"),
    Field("service", str, "word", "service; the daemon for startup and shutdown"),
    Field("effective_user", str, "name", "effective (native OS) user name"),
    Field("effective_uid", int, "meta", "effective user ID"),
    Field("real_user", str, "name", "real user name (trace)"),
    Field("real_uid", str, "name", "real user ID (trace; on Windows the column holds a name)"),
    Field("audit_flags", str, "flags", "AuditFlags as shown"),
    Field("command", str, "text", "the selang command (db_admin)"),
    Field("command_type", str, "meta", "Modify resource, Add user, ... (db_admin)"),
    Field("trace", str, "text", "trace information text"),
    Field("module", str, "word", "untrust: the module (seoswd)"),
    Field("message_id", str, "word", "untrust: message ID or errno"),
    Field("file", str, "path", "untrust: the file"),
    Field("platform", str, "meta", "unix or windows, where the layout depends on it and is known"),
)

FIELD_BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)
INT_KEYS: frozenset[str] = frozenset(f.key for f in FIELDS if f.type is int)
#: keys whose value is an int when it is all digits and a string otherwise
INT_OR_STR: frozenset[str] = frozenset({"real_uid"})
#: the most digits a code or ID is read as a number with: 18 digits always fit the stored Int64
MAX_CODE_DIGITS = 18
#: a value of at most ``MAX_CODE_DIGITS`` ASCII digits, as a regular expression (the fast paths)
DIGITS_RE = f"^[0-9]{{1,{MAX_CODE_DIGITS}}}$"


def is_code(text: str) -> bool:
    """Whether a value reads as a number: 1 to ``MAX_CODE_DIGITS`` ASCII digits."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_CODE_DIGITS
