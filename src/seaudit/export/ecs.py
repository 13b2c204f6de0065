"""Elastic Common Schema (ECS 8.x) documents, one JSON object per line.

The mapping is data: :data:`EVENT_RULES` holds a table of ``(field, source)`` rules per event
id on top of :data:`COMMON` (see :mod:`seaudit.export._mapping`); docs/formats.md prints them.
Decisions:

- ``@timestamp`` is the record's local timestamp read as UTC (``Z``) unless the option
  ``timezone`` names the endpoints' zone; ``event.original`` keeps the line as read.
- ``event.code`` is the Details (stage) code and ``event.reason`` its message; the reason code
  and every record key no rule carries go under the custom ``seaudit.*`` namespace, so nothing
  of the record is lost.
- ``host.name`` is the endpoint (the record's origin node, else the option ``device``).
- ``event.outcome``: success for P W N S O E I M, failure for D F A C, unknown for U.
"""

from __future__ import annotations

import posixpath
from typing import Any

from seaudit.export import Format, RecordRenderer
from seaudit.export._mapping import (
    CompiledRules,
    Const,
    Context,
    Derived,
    Key,
    Rules,
    apply,
    compile_rules,
    iso_time,
    leftover,
    mapped_keys,
    node,
    raw_line,
    stage_message,
)
from seaudit.export.jsonl import encode_json
from seaudit.schema.events import LAYOUT_BY_ID
from seaudit.schema.outcome import outcome
from seaudit.schema.record import AuditRecord

ECS_VERSION = "8.11.0"

#: every ECS field this format writes (besides the custom ``seaudit.*`` namespace)
ECS_FIELDS: tuple[str, ...] = (
    "@timestamp",
    "message",
    "ecs.version",
    "event.kind",
    "event.category",
    "event.type",
    "event.outcome",
    "event.action",
    "event.code",
    "event.reason",
    "event.module",
    "event.dataset",
    "event.original",
    "observer.vendor",
    "observer.product",
    "host.name",
    "host.hostname",
    "user.name",
    "user.effective.name",
    "user.effective.id",
    "user.target.name",
    "related.user",
    "related.hosts",
    "source.address",
    "source.domain",
    "destination.address",
    "destination.domain",
    "network.protocol",
    "file.path",
    "file.name",
    "process.executable",
    "process.name",
    "service.name",
)
CUSTOM_NAMESPACE = "seaudit"


USER_CLASSES = frozenset({"USER", "XUSER"})


def _basename(value: str | None) -> str | None:
    if value is None:
        return None
    return posixpath.basename(value.replace("\\", "/")) or value


def _host(record: AuditRecord, ctx: Context) -> str | None:
    return node(record, ctx) or ctx.device


def _related_users(record: AuditRecord, ctx: Context) -> list[str] | None:
    users = [record.user, record.effective_user, record.real_user]
    unique = list(dict.fromkeys(u for u in users if u))
    return unique or None


def _related_hosts(record: AuditRecord, ctx: Context) -> list[str] | None:
    hosts = [record.host, _host(record, ctx)]
    unique = list(dict.fromkeys(h for h in hosts if h))
    return unique or None


def _message(record: AuditRecord, ctx: Context) -> str:
    layout = LAYOUT_BY_ID[record.event]
    text = f"{layout.titled(record.platform)}: {ctx.tables.status_word(record.status)}"
    details = stage_message(record, ctx)
    return f"{text} ({details})" if details else text


def _allowed(record: AuditRecord, ctx: Context) -> list[str]:
    """Network events: connection plus allowed or denied."""
    return ["connection", "denied" if record.status == "D" else "allowed"]


COMMON: Rules = (
    (
        "@timestamp",
        Derived("iso_time", "record `timestamp`, ISO 8601 (UTC unless option timezone)", iso_time),
    ),
    ("message", Derived("message", "event title, status word and Details message", _message)),
    ("ecs.version", Const(ECS_VERSION)),
    ("event.kind", Const("event")),
    (
        "event.outcome",
        Derived(
            "outcome",
            "from the status letter: success P W N S O E I M, failure D F A C, unknown U",
            lambda r, c: outcome(r.status),
        ),
    ),
    ("event.action", Key("event")),
    ("event.code", Key("stage", str)),
    ("event.reason", Derived("stage_message", "the Details (stage) code's message", stage_message)),
    ("event.module", Const("pamsc")),
    ("event.dataset", Const("pamsc.audit")),
    (
        "event.original",
        Derived("raw_line", "the line as read, else the seaudit short rendering", raw_line),
    ),
    ("observer.vendor", Const("Broadcom")),
    ("observer.product", Const("PAM Server Control")),
    ("host.name", Derived("host", "origin node, else option `device`", _host)),
    ("user.name", Key("user")),
    ("user.effective.name", Key("effective_user")),
    ("user.effective.id", Key("effective_uid", str)),
    (
        "related.user",
        Derived(
            "related_users", "`user`, `effective_user`, `real_user` (distinct)", _related_users
        ),
    ),
)

_LOGIN: Rules = (
    ("event.category", Const(["authentication"])),
    ("source.address", Key("terminal")),
    ("process.executable", Key("program")),
    (
        "process.name",
        Derived(
            "program_name", "last path component of `program`", lambda r, c: _basename(r.program)
        ),
    ),
)
_ACCOUNT: Rules = (
    ("event.category", Const(["iam"])),
    ("event.type", Const(["user", "change"])),
    ("source.address", Key("terminal")),
    ("process.executable", Key("program")),
)
_NETWORK: Rules = (
    ("event.category", Const(["network"])),
    (
        "event.type",
        Derived(
            "connection_outcome",
            '`["connection", "allowed"]`, or `"denied"` for status D',
            _allowed,
        ),
    ),
    ("network.protocol", Key("service", str.lower)),
    ("process.executable", Key("program")),
    (
        "related.hosts",
        Derived("related_hosts", "`host` and the endpoint (distinct)", _related_hosts),
    ),
)
_ACCESS: Rules = (
    ("event.type", Const(["access"])),
    ("process.executable", Key("program")),
    ("source.address", Key("terminal")),
)

#: event id -> its rules (on top of COMMON). resource_access of class FILE uses
#: FILE_ACCESS_RULES.
EVENT_RULES: dict[str, Rules] = {
    "login": (*_LOGIN, ("event.type", Const(["start"]))),
    "logout": (*_LOGIN, ("event.type", Const(["end"]))),
    "password_attempt": (*_LOGIN, ("event.type", Const(["start"]))),
    "login_enabled": _ACCOUNT,
    "login_disabled": _ACCOUNT,
    "password_verification": (
        ("event.category", Const(["iam"])),
        ("event.type", Const(["user", "change"])),
    ),
    "db_admin": (
        ("event.category", Const(["iam", "configuration"])),
        ("event.type", Const(["admin", "change"])),
        ("source.address", Key("terminal")),
        (
            "user.target.name",
            Derived(
                "target_user",
                "`object` when the class is USER or XUSER",
                lambda r, c: r.object if r.class_ in USER_CLASSES else None,
            ),
        ),
    ),
    "resource_access": (("event.category", Const(["host"])), *_ACCESS),
    "inbound_network": (
        *_NETWORK,
        ("source.address", Key("host")),
        ("source.domain", Key("host")),
        ("destination.address", Derived("host", "origin node, else option `device`", _host)),
    ),
    "outbound_network": (
        *_NETWORK,
        ("source.address", Key("terminal")),
        ("destination.address", Key("host")),
        ("destination.domain", Key("host")),
    ),
    "startup": (
        ("event.category", Const(["process"])),
        ("event.type", Const(["start"])),
        ("service.name", Key("service")),
    ),
    "shutdown": (
        ("event.category", Const(["process"])),
        ("event.type", Const(["end"])),
        ("service.name", Key("service")),
    ),
    "untrust": (
        ("event.kind", Const("alert")),
        ("event.category", Const(["file", "intrusion_detection"])),
        ("event.type", Const(["change", "info"])),
        ("file.path", Key("file")),
        (
            "file.name",
            Derived("file_name", "last path component of `file`", lambda r, c: _basename(r.file)),
        ),
    ),
    "trace": (("event.category", Const(["process"])), ("event.type", Const(["info"]))),
}
FILE_ACCESS_RULES: Rules = (
    ("event.category", Const(["file"])),
    *_ACCESS,
    ("file.path", Key("resource")),
    (
        "file.name",
        Derived(
            "resource_name", "last path component of `resource`", lambda r, c: _basename(r.resource)
        ),
    ),
)


_COMPILED: dict[tuple[str, bool], tuple[CompiledRules, frozenset[str]]] = {}


def rules_for(record: AuditRecord) -> Rules:
    """The rules of a record's event: the common ones, then the event's own."""
    if record.event == "resource_access" and record.class_ == "FILE":
        return (*COMMON, *FILE_ACCESS_RULES)
    return (*COMMON, *EVENT_RULES[record.event])


def _compiled(record: AuditRecord) -> tuple[CompiledRules, frozenset[str]]:
    """The compiled rules of a record's event and the keys they carry, computed once."""
    key = (record.event, record.event == "resource_access" and record.class_ == "FILE")
    if key not in _COMPILED:
        rules = rules_for(record)
        _COMPILED[key] = (compile_rules(rules), mapped_keys(rules))
    return _COMPILED[key]


def to_ecs(record: AuditRecord, ctx: Context) -> dict[str, Any]:
    """One record as an ECS document (a dict ready for JSON)."""
    rules, mapped = _compiled(record)
    document = apply(rules, record, ctx)
    custom = leftover(record, mapped, ctx)
    if custom:
        document[CUSTOM_NAMESPACE] = custom
    return document


def _renderer(options: dict[str, Any]) -> RecordRenderer:
    ctx = Context.from_options(options)
    return lambda record: encode_json(to_ecs(record, ctx))


FORMAT = Format(
    "ecs",
    f"Elastic Common Schema {ECS_VERSION} documents, one JSON object per line (@timestamp, "
    "event.*, user.*, user.effective.*, source/destination, file.path, process.executable; "
    "the rest under seaudit.*; docs/formats.md has the mapping). Options: timezone=IANA name "
    "the endpoint timestamps are read in (default UTC); device=NAME for host.name.",
    _renderer,
    options={
        "timezone": "IANA zone of the endpoints' local timestamps (default: read as UTC)",
        "device": "host.name for records whose origin does not name the endpoint",
    },
)
