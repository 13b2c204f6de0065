"""OCSF 1.8.0 events, one JSON object per line, one OCSF class per event type.

The mapping is data: :data:`EVENT_MAPS` holds, per event id, the OCSF class, its activity and
a table of ``(attribute path, source)`` rules (see :mod:`seaudit.export._mapping`);
``docs/formats.md`` prints these tables. Decisions where OCSF leaves a choice:

- ``time`` is the record's timestamp, a local time without zone, read as UTC unless the option
  ``timezone`` names the endpoints' zone; the text as printed is kept in
  ``metadata.original_time``.
- ``status_id``/``status``, ``action_id``, ``disposition_id`` and ``severity_id`` come from the
  status letter (:data:`OUTCOMES`); the letter itself is ``status_code``, the Details message
  ``status_detail``.
- ``actor`` and ``device`` belong to OCSF's ``host`` profile. ``device`` is filled only when
  the endpoint is known (the record's origin node or the ``device`` option); File System
  Activity requires both under that profile, so there the actor too waits for a known
  endpoint (else the user stays in ``unmapped``). ``metadata.profiles`` lists the profiles
  whose attributes an event carries.
- Every record key no rule carries by name goes to ``unmapped`` with the same key, together
  with ``stage_message`` and ``reason_message`` (the codes' messages) and the provenance
  (``origin_source``, ``origin_line``): nothing of the record is lost.
- ``raw_data`` is the line as read, else the record rendered as a seaudit short line.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from seaudit.export import Format, RecordRenderer
from seaudit.export._mapping import (
    CompiledRules,
    Const,
    Context,
    Derived,
    Key,
    Rules,
    Source,
    apply,
    compile_rules,
    epoch_ms,
    leftover,
    mapped_keys,
    node,
    raw_line,
    stage_message,
    utc_offset_minutes,
)
from seaudit.export.jsonl import encode_json
from seaudit.schema.events import LAYOUT_BY_ID
from seaudit.schema.outcome import outcome
from seaudit.schema.record import AuditRecord

OCSF_VERSION = "1.8.0"
PRODUCT_NAME = "PAM Server Control"
VENDOR_NAME = "Broadcom"


@dataclass(frozen=True, slots=True)
class OcsfClass:
    uid: int
    name: str
    category_uid: int
    category_name: str
    activities: Mapping[int, str]  # activity_id -> caption (the ones this mapping uses)


_OTHER = {0: "Unknown", 99: "Other"}
AUTHENTICATION = OcsfClass(
    3002, "Authentication", 3, "Identity & Access Management", {1: "Logon", 2: "Logoff", **_OTHER}
)
ACCOUNT_CHANGE = OcsfClass(
    3001,
    "Account Change",
    3,
    "Identity & Access Management",
    {2: "Enable", 3: "Password Change", 5: "Disable", **_OTHER},
)
ENTITY_MANAGEMENT = OcsfClass(
    3004,
    "Entity Management",
    3,
    "Identity & Access Management",
    {1: "Create", 3: "Update", 4: "Delete", **_OTHER},
)
FILE_ACTIVITY = OcsfClass(
    1001,
    "File System Activity",
    1,
    "System Activity",
    {
        1: "Create",
        2: "Read",
        3: "Update",
        4: "Delete",
        5: "Rename",
        6: "Set Attributes",
        7: "Set Security",
        14: "Open",
        **_OTHER,
    },
)
NETWORK_ACTIVITY = OcsfClass(
    4001, "Network Activity", 4, "Network Activity", {1: "Open", 5: "Refuse", **_OTHER}
)
APPLICATION_LIFECYCLE = OcsfClass(
    6002, "Application Lifecycle", 6, "Application Activity", {3: "Start", 4: "Stop", **_OTHER}
)
DETECTION_FINDING = OcsfClass(2004, "Detection Finding", 2, "Findings", {1: "Create", **_OTHER})
BASE_EVENT = OcsfClass(0, "Base Event", 0, "Uncategorized", _OTHER)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a status letter means in OCSF terms (None: the attribute is left out)."""

    status_id: int  # 1 Success, 2 Failure, 99 Other
    action_id: int | None  # 1 Allowed, 2 Denied, 3 Observed
    disposition_id: int | None
    severity_id: int  # 1 Informational, 2 Low, 3 Medium, 4 High


STATUS_CAPTIONS = {0: "Unknown", 1: "Success", 2: "Failure", 99: "Other"}
ACTION_CAPTIONS = {1: "Allowed", 2: "Denied", 3: "Observed"}
DISPOSITION_CAPTIONS = {
    1: "Allowed",
    2: "Blocked",
    15: "Detected",
    17: "Logged",
    19: "Alert",
    27: "Error",
}
SEVERITY_CAPTIONS = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High"}

#: the outcome of ``schema.outcome`` as an OCSF status_id
STATUS_IDS = {"success": 1, "failure": 2, "unknown": 99}
#: status letter -> (action_id, disposition_id, severity_id); status_id is its outcome's
_ACTIONS: dict[str, tuple[int | None, int | None, int]] = {
    "P": (1, 1, 1),  # permitted
    "D": (2, 2, 3),  # denied
    "W": (1, 15, 2),  # permitted in warning mode although a rule was violated
    "N": (1, 19, 1),  # permitted, notification requested
    "F": (1, 27, 2),  # permitted but the operation failed / password check failed
    "S": (1, 1, 1),  # database update succeeded
    "O": (None, None, 1),  # logout
    "E": (None, None, 1),  # login enabled by serevu
    "I": (None, None, 2),  # login disabled by serevu
    "A": (2, 2, 3),  # invalid password entered
    "M": (None, None, 1),  # daemon start or shutdown
    "U": (3, 15, 4),  # a trusted program or file changed
    "C": (None, 27, 3),  # product error
}
#: status letter -> OCSF outcome
OUTCOMES: dict[str, Outcome] = {
    letter: Outcome(STATUS_IDS[outcome(letter)], *rest) for letter, rest in _ACTIONS.items()
}
_UNKNOWN_OUTCOME = Outcome(0, None, None, 0)

#: finding classes count status as a workflow state: a new finding
FINDING_STATUS = {1: "New"}

#: profile -> top-level attributes it brings (declared in metadata.profiles when present)
PROFILE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "host": ("actor", "device"),
    "security_control": ("action", "action_id", "disposition", "disposition_id"),
}

#: seaudit access word (lower case) -> File System Activity activity_id
FILE_ACCESS_ACTIVITY: dict[str, int] = {
    "create": 1,
    "read": 2,
    "write": 3,
    "update": 3,
    "delete": 4,
    "rename": 5,
    "utime": 6,
    "chown": 7,
    "chmod": 7,
    "sec": 7,
    "execute": 14,
    "exec": 14,
}

#: first word of the db_admin command type -> Entity Management activity_id
COMMAND_ACTIVITY: dict[str, int] = {"add": 1, "modify": 3, "add/modify": 3, "set": 3, "remove": 4}


def _outcome(record: AuditRecord) -> Outcome:
    return OUTCOMES.get(record.status, _UNKNOWN_OUTCOME)


def _derived(name: str, doc: str, function: Callable[[AuditRecord, Context], Any]) -> Derived:
    return Derived(name, doc, function)


def _caption(table: Mapping[int, str], value: int | None) -> str | None:
    return None if value is None else table.get(value, "Other")


_STATUS_RULES: Rules = (
    (
        "status_id",
        _derived(
            "status_id",
            "from the status letter (table *Status letters*)",
            lambda r, c: _outcome(r).status_id,
        ),
    ),
    (
        "status",
        _derived(
            "status", "caption of `status_id`", lambda r, c: STATUS_CAPTIONS[_outcome(r).status_id]
        ),
    ),
)
_FINDING_STATUS_RULES: Rules = (
    ("status_id", Const(1)),
    ("status", Const(FINDING_STATUS[1])),
)
_COMMON: Rules = (
    (
        "time",
        _derived(
            "epoch_ms", "record `timestamp` as epoch ms (UTC unless option timezone)", epoch_ms
        ),
    ),
    (
        "timezone_offset",
        _derived(
            "utc_offset",
            "minutes east of UTC of option timezone (absent without it)",
            utc_offset_minutes,
        ),
    ),
    (
        "severity_id",
        _derived("severity_id", "from the status letter", lambda r, c: _outcome(r).severity_id),
    ),
    (
        "severity",
        _derived(
            "severity",
            "caption of `severity_id`",
            lambda r, c: SEVERITY_CAPTIONS[_outcome(r).severity_id],
        ),
    ),
    (
        "action_id",
        _derived(
            "action_id",
            "from the status letter (absent for O E I M)",
            lambda r, c: _outcome(r).action_id,
        ),
    ),
    (
        "action",
        _derived(
            "action",
            "caption of `action_id`",
            lambda r, c: _caption(ACTION_CAPTIONS, _outcome(r).action_id),
        ),
    ),
    (
        "disposition_id",
        _derived(
            "disposition_id",
            "from the status letter (absent for O E I M)",
            lambda r, c: _outcome(r).disposition_id,
        ),
    ),
    (
        "disposition",
        _derived(
            "disposition",
            "caption of `disposition_id`",
            lambda r, c: _caption(DISPOSITION_CAPTIONS, _outcome(r).disposition_id),
        ),
    ),
    ("status_code", Key("status")),
    (
        "status_detail",
        _derived("stage_message", "the Details (stage) code's message", stage_message),
    ),
    (
        "message",
        _derived(
            "message", "event title, status word and Details message", lambda r, c: _message(r, c)
        ),
    ),
    ("metadata.version", Const(OCSF_VERSION)),
    ("metadata.product.name", Const(PRODUCT_NAME)),
    ("metadata.product.vendor_name", Const(VENDOR_NAME)),
    ("metadata.log_name", Const("seaudit")),
    ("metadata.event_code", Key("event")),
    ("metadata.original_time", Key("timestamp")),
    (
        "raw_data",
        _derived("raw_line", "the line as read, else the seaudit short rendering", raw_line),
    ),
)


def _message(record: AuditRecord, ctx: Context) -> str:
    layout = LAYOUT_BY_ID[record.event]
    text = f"{layout.titled(record.platform)}: {ctx.tables.status_word(record.status)}"
    details = stage_message(record, ctx)
    return f"{text} ({details})" if details else text


def _device(record: AuditRecord, ctx: Context) -> str | None:
    return node(record, ctx) or ctx.device


def _file_activity(record: AuditRecord, ctx: Context) -> int:
    return FILE_ACCESS_ACTIVITY.get((record.access or "").lower(), 99)


def _command_activity(record: AuditRecord, ctx: Context) -> int:
    command_type = record.command_type
    if command_type is None and record.command is not None:
        command_type = ctx.tables.command_type(record.command)
    word = (command_type or "").split(" ", 1)[0].lower()
    return COMMAND_ACTIVITY.get(word, 99)


def _network_activity(record: AuditRecord, ctx: Context) -> int:
    return 5 if record.status == "D" else 1


def _basename(value: str) -> str:
    name = posixpath.basename(value.replace("\\", "/"))
    return name or value


def _finding_uid(record: AuditRecord, ctx: Context) -> str:
    """Stable across runs: a digest of the record's content."""
    text = "\x1f".join(f"{k}={v}" for k, v in record.to_dict().items())
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _untrust_resources(record: AuditRecord, ctx: Context) -> list[dict[str, str]] | None:
    if record.file is None:
        return None
    resource = {"name": record.file}
    if record.class_ is not None:
        resource["type"] = record.class_
    return [resource]


@dataclass(frozen=True, slots=True)
class EventMap:
    """How one event type becomes an OCSF event."""

    cls: OcsfClass
    activity: Source  # gives activity_id
    rules: Rules  # class-specific attributes
    host_rules: Rules = ()  # ``host`` profile attributes: only when the endpoint is known
    status_rules: Rules = _STATUS_RULES

    def all_rules(self, with_host: bool) -> Rules:
        return (*self.status_rules, *_COMMON, *self.rules, *(self.host_rules if with_host else ()))


_DEVICE: Rules = (
    ("device.name", _derived("device", "origin node, else option `device`", _device)),
    ("device.hostname", _derived("device", "origin node, else option `device`", _device)),
    ("device.type_id", Const(0)),
    ("device.type", Const("Unknown")),
)
_ACTOR: Rules = (
    ("actor.user.name", Key("user")),
    ("actor.session.uid", Key("session_id")),
    ("actor.session.terminal", Key("terminal")),
    ("actor.app_name", Key("program")),
)
_AUTH_SERVICE = _derived(
    "auth_service",
    'record `program`, else `"PAM Server Control"` (the authorising service)',
    lambda r, c: r.program or PRODUCT_NAME,
)
_AUTH: Rules = (
    ("user.name", Key("user")),
    ("session.uid", Key("session_id")),
    ("session.terminal", Key("terminal")),
    ("src_endpoint.name", Key("terminal")),
    ("service.name", _AUTH_SERVICE),
)
_ACCOUNT: Rules = (
    ("user.name", Key("user")),
    ("src_endpoint.name", Key("terminal")),
    ("actor.app_name", Key("program")),
)
_DAEMON = _derived(
    "daemon",
    "record `service` (the daemon), else the product name",
    lambda r, c: r.service or PRODUCT_NAME,
)
_NETWORK_ACTIVITY = _derived(
    "network_activity", "5 Refuse when denied (D), else 1 Open", _network_activity
)

_AUTH_HOST: Rules = (
    *_DEVICE,
    ("dst_endpoint.name", _derived("device", "origin node, else option `device`", _device)),
)

EVENT_MAPS: dict[str, EventMap] = {
    "login": EventMap(AUTHENTICATION, Const(1), _AUTH, _AUTH_HOST),
    "logout": EventMap(AUTHENTICATION, Const(2), _AUTH, _AUTH_HOST),
    "password_attempt": EventMap(AUTHENTICATION, Const(1), _AUTH, _AUTH_HOST),
    "login_enabled": EventMap(ACCOUNT_CHANGE, Const(2), _ACCOUNT, _DEVICE),
    "login_disabled": EventMap(ACCOUNT_CHANGE, Const(5), _ACCOUNT, _DEVICE),
    "password_verification": EventMap(
        ACCOUNT_CHANGE, Const(3), (("user.name", Key("user")),), _DEVICE
    ),
    "db_admin": EventMap(
        ENTITY_MANAGEMENT,
        _derived(
            "command_activity",
            "from the command type: Add 1, Modify/Set 3, Remove 4, else 99",
            _command_activity,
        ),
        (
            ("entity.name", Key("object")),
            ("entity.type", Key("class")),
            ("actor.user.name", Key("user")),
            ("src_endpoint.name", Key("terminal")),
        ),
        _DEVICE,
    ),
    # class FILE; other classes: NON_FILE_ACCESS. The host profile requires actor AND device
    # in this class, so the actor is filled only when the endpoint is known.
    "resource_access": EventMap(
        FILE_ACTIVITY,
        _derived(
            "file_activity",
            "from `access`: "
            + ", ".join(f"{k} {v}" for k, v in FILE_ACCESS_ACTIVITY.items())
            + ", else 99",
            _file_activity,
        ),
        (
            ("file.path", Key("resource")),
            (
                "file.name",
                _derived(
                    "basename",
                    "last path component of `resource`",
                    lambda r, c: _basename(r.resource) if r.resource else None,
                ),
            ),
            ("file.type_id", Const(0)),
            ("file.type", Const("Unknown")),
        ),
        (*_DEVICE, *_ACTOR),
    ),
    "inbound_network": EventMap(
        NETWORK_ACTIVITY,
        _NETWORK_ACTIVITY,
        (
            ("src_endpoint.name", Key("host")),
            ("src_endpoint.hostname", Key("host")),
            ("actor.app_name", Key("program")),
        ),
        (
            *_DEVICE,
            ("dst_endpoint.name", _derived("device", "origin node, else option `device`", _device)),
            ("dst_endpoint.svc_name", Key("service")),
        ),
    ),
    "outbound_network": EventMap(
        NETWORK_ACTIVITY,
        _NETWORK_ACTIVITY,
        (
            ("src_endpoint.name", Key("terminal")),
            ("dst_endpoint.name", Key("host")),
            ("dst_endpoint.hostname", Key("host")),
            ("dst_endpoint.svc_name", Key("service")),
            ("actor.user.name", Key("user")),
            ("actor.session.uid", Key("session_id")),
            ("actor.app_name", Key("program")),
        ),
        _DEVICE,
    ),
    "startup": EventMap(
        APPLICATION_LIFECYCLE,
        Const(3),
        (("app.name", _DAEMON), ("app.vendor_name", Const(VENDOR_NAME))),
        _DEVICE,
    ),
    "shutdown": EventMap(
        APPLICATION_LIFECYCLE,
        Const(4),
        (
            ("app.name", _DAEMON),
            ("app.vendor_name", Const(VENDOR_NAME)),
            ("actor.user.name", Key("user")),
            ("actor.session.uid", Key("session_id")),
        ),
        _DEVICE,
    ),
    "untrust": EventMap(
        DETECTION_FINDING,
        Const(1),
        (
            (
                "finding_info.uid",
                _derived("finding_uid", "digest of the record's content", _finding_uid),
            ),
            ("finding_info.title", Const("Trusted program or file changed")),
            (
                "finding_info.desc",
                _derived("stage_message", "the untrust code's message", stage_message),
            ),
            ("finding_info.types", Const(["Untrust"])),
            (
                "resources",
                _derived("untrust_resource", "`[{name: file, type: class}]`", _untrust_resources),
            ),
        ),
        _DEVICE,
        status_rules=_FINDING_STATUS_RULES,
    ),
    "trace": EventMap(BASE_EVENT, Const(99), _ACTOR, _DEVICE),
}

#: resource_access of any class but FILE: an access-control decision on a protected resource
#: that no OCSF class models (Process Activity would need a pid): a Base Event.
NON_FILE_ACCESS = EventMap(BASE_EVENT, Const(99), _ACTOR, _DEVICE)


def event_map(record: AuditRecord) -> EventMap:
    if record.event == "resource_access" and record.class_ != "FILE":
        return NON_FILE_ACCESS
    return EVENT_MAPS[record.event]


def _header(cls: OcsfClass, activity_id: int) -> dict[str, Any]:
    activity = cls.activities.get(activity_id, "Other")
    return {
        "class_uid": cls.uid,
        "class_name": cls.name,
        "category_uid": cls.category_uid,
        "category_name": cls.category_name,
        "activity_id": activity_id,
        "activity_name": activity,
        "type_uid": cls.uid * 100 + activity_id,
        "type_name": f"{cls.name}: {activity}",
    }


#: the header rows the docs print for every class (computed by ``_header``)
HEADER_DOC: Rules = (
    ("class_uid / class_name", _derived("class", "the event type's class", lambda r, c: None)),
    (
        "category_uid / category_name",
        _derived("category", "the class's category", lambda r, c: None),
    ),
    (
        "activity_id / activity_name",
        _derived("activity", "the event type's activity", lambda r, c: None),
    ),
    ("type_uid / type_name", _derived("type", "class_uid * 100 + activity_id", lambda r, c: None)),
)


_COMPILED: dict[tuple[int, bool], tuple[CompiledRules, frozenset[str]]] = {}


def _compiled(emap: EventMap, with_host: bool) -> tuple[CompiledRules, frozenset[str]]:
    """An event map's rules and the keys they carry, computed once."""
    key = (id(emap), with_host)
    if key not in _COMPILED:
        rules = emap.all_rules(with_host)
        _COMPILED[key] = (compile_rules(rules), mapped_keys(rules))
    return _COMPILED[key]


def to_ocsf(record: AuditRecord, ctx: Context) -> dict[str, Any]:
    """One record as an OCSF event (a dict ready for JSON)."""
    emap = event_map(record)
    with_host = _device(record, ctx) is not None
    rules, mapped = _compiled(emap, with_host)
    document = _header(emap.cls, emap.activity.value(record, ctx))
    document.update(apply(rules, record, ctx))
    unmapped = leftover(record, mapped, ctx)
    if unmapped:
        document["unmapped"] = unmapped
    profiles = [p for p, attrs in PROFILE_ATTRIBUTES.items() if any(a in document for a in attrs)]
    if profiles:
        document["metadata"]["profiles"] = profiles
    return document


def _renderer(options: dict[str, Any]) -> RecordRenderer:
    ctx = Context.from_options(options)
    return lambda record: encode_json(to_ocsf(record, ctx))


FORMAT = Format(
    "ocsf",
    f"OCSF {OCSF_VERSION} events, one JSON object per line: Authentication, Account Change, "
    "Entity Management, File System Activity, Network Activity, Application Lifecycle, "
    "Detection Finding or Base Event by event type (docs/formats.md has the mapping). "
    "Options: timezone=IANA name the endpoint timestamps are read in (default UTC); "
    "device=NAME the endpoint when records do not carry it (fills device and actor).",
    _renderer,
    options={
        "timezone": "IANA zone of the endpoints' local timestamps (default: read as UTC)",
        "device": "endpoint name for records whose origin does not name it",
    },
)
