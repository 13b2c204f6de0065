"""ArcSight Common Event Format (CEF:0), one event per line.

``CEF:0|Vendor|Product|Version|Signature ID|Name|Severity|Extension``

- Signature ID is the event id (``resource_access``); Name is the event title and the status
  word (``Resource access: Denied``); Severity (0-10) comes from the status letter.
- The extension carries every field of the record under a key of the CEF dictionary; fields
  the dictionary has no key for go to ``cs1``..``cs6`` (with ``csNLabel`` = the record key),
  stage and reason to ``cn1``/``cn2`` (``cn1Label=stage``). ``MAPPING`` is that table, per
  event id; the writer reads it, the docs print it.
- ``rt`` is milliseconds since the epoch: the record's local wall time placed in the zone of
  option ``tz`` (default: this machine's zone).
- Escaping (CEF spec): in header fields ``\\`` and ``|`` get a backslash; in extension values
  ``\\`` and ``=`` get a backslash, LF and CR become ``\\n`` and ``\\r``. Beyond the spec, every
  other control character, U+2028/U+2029 and undecodable input bytes are spelled ``\\t``,
  ``\\xHH``, ``\\uHHHH`` (``seaudit.export._siem.neutral``), so an event is always one valid
  UTF-8 line. Empty strings are left out (a CEF value cannot be empty).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from typing import Any

import seaudit
from seaudit.export import Format, RecordRenderer, _siem
from seaudit.export._siem import TZ_HELP, aware, neutral, severity, status_word, zone
from seaudit.schema.events import LAYOUT_BY_ID, LAYOUTS
from seaudit.schema.fields import FIELD_BY_KEY, KEYS
from seaudit.schema.outcome import outcome
from seaudit.schema.record import AuditRecord

VENDOR = "Broadcom"
PRODUCT = "PAM Server Control"

#: record key -> CEF dictionary key, for every event unless ``_OVERRIDES`` says otherwise
_STANDARD: dict[str, str] = {
    "timestamp": "rt",
    "user": "suser",
    "effective_user": "duser",
    "effective_uid": "duid",
    "real_uid": "suid",
    "class": "cat",
    "resource": "filePath",
    "file": "filePath",
    "program": "sproc",
    "terminal": "shost",
    "host": "dhost",
    "service": "app",
    "stage_message": "msg",
}
#: the account logging in is the target of the event
_LOGIN_LIKE: dict[str, str | None] = {"user": "duser"}
#: event id -> changes to ``_STANDARD`` (a value of None sends the key to a custom slot)
_OVERRIDES: dict[str, dict[str, str | None]] = {
    "login": _LOGIN_LIKE,
    "logout": _LOGIN_LIKE,
    "login_enabled": _LOGIN_LIKE,
    "login_disabled": _LOGIN_LIKE,
    "password_attempt": _LOGIN_LIKE,
    "password_verification": _LOGIN_LIKE,
    "inbound_network": {"host": "shost"},
    "startup": {"service": "dproc"},
    "shutdown": {"service": "dproc"},
    "trace": {"trace": "msg", "stage_message": None},
    "db_admin": {"command": "msg", "stage_message": None},
}
_SKIPPED = frozenset({"event", "status"})  # carried by the header, act and outcome
_CUSTOM_STRINGS = 6
_CUSTOM_NUMBERS = 3

#: sources that are not record keys: description -> how the value is made
DERIVED: dict[str, Callable[[AuditRecord], str]] = {
    "status word (Denied, Permitted, ...)": status_word,
    "outcome of the status letter (success, failure, unknown)": lambda r: outcome(r.status),
    "severity of the status letter (0-10)": lambda r: str(severity(r).cef),
    "event title and status word": lambda r: f"{_title(r)}: {status_word(r)}",
}
_HEADER: dict[str, str] = {
    "Signature ID": "event",
    "Name": "event title and status word",
    "Severity": "severity of the status letter (0-10)",
}
_ALWAYS: dict[str, str] = {
    "act": "status word (Denied, Permitted, ...)",
    "outcome": "outcome of the status letter (success, failure, unknown)",
}


def _title(record: AuditRecord) -> str:
    layout = LAYOUT_BY_ID.get(record.event)
    return layout.titled(record.platform) if layout else record.event


def _mapping_for(event: str, keys: Iterable[str]) -> dict[str, str]:
    """Header fields then extension key -> source, for an event carrying ``keys``."""
    standard: dict[str, str | None] = {**_STANDARD, **_OVERRIDES.get(event, {})}
    present = [k for k in KEYS if k in set(keys) and k not in _SKIPPED]
    out: dict[str, str] = {**_HEADER}
    out["rt"] = "timestamp"
    out.update(_ALWAYS)
    strings: list[str] = []
    numbers: list[str] = []
    for key in present:
        target = standard.get(key)
        if key == "timestamp":
            continue
        if target is not None and target not in out:
            out[target] = key
        elif FIELD_BY_KEY[key].type is int:
            numbers.append(key)
        else:
            strings.append(key)
    if len(strings) > _CUSTOM_STRINGS or len(numbers) > _CUSTOM_NUMBERS:
        raise ValueError(f"event {event!r} has more custom fields than CEF has slots")
    for slot, key in enumerate(strings, 1):
        out[f"cs{slot}"] = key
        out[f"cs{slot}Label"] = f'"{key}"'
    for slot, key in enumerate(numbers, 1):
        out[f"cn{slot}"] = key
        out[f"cn{slot}Label"] = f'"{key}"'
    return out


#: event id -> {CEF header field or extension key: record key, a DERIVED description, or a
#: "quoted" literal}; the writer follows it and the docs generator prints it
MAPPING: dict[str, dict[str, str]] = {lay.id: _mapping_for(lay.id, lay.keys) for lay in LAYOUTS}


@cache
def _mapping_of_keys(event: str, keys: frozenset[str]) -> dict[str, str]:
    """For an event id outside LAYOUTS: the same rules over the keys the record has."""
    try:
        return _mapping_for(event, keys)
    except ValueError:
        return _mapping_for(event, frozenset(k for k in keys if k in _STANDARD))


# --- escaping -------------------------------------------------------------------------------

_VALUE_SPECIAL = re.compile(r"[\\=\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def escape_header(text: str) -> str:
    return neutral(text.replace("\\", "\\\\").replace("|", "\\|"))


def escape_value(text: str) -> str:
    if _VALUE_SPECIAL.search(text) is None:
        return text
    return neutral(text.replace("\\", "\\\\").replace("=", "\\="))


# --- writing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CefOptions:
    vendor: str = VENDOR
    product: str = PRODUCT
    version: str = seaudit.__version__
    tz: tzinfo | None = None

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> CefOptions:
        return cls(
            vendor=str(options.get("vendor", VENDOR)),
            product=str(options.get("product", PRODUCT)),
            version=str(options.get("version", seaudit.__version__)),
            tz=zone(options.get("tz")),
        )

    @property
    def prefix(self) -> str:
        return "|".join(
            (
                "CEF:0",
                escape_header(self.vendor),
                escape_header(self.product),
                escape_header(self.version),
            )
        )


@dataclass(frozen=True, slots=True)
class _Step:
    """One extension pair of the plan: where its value comes from, and its label pair."""

    target: str
    attr: str | None  # a record attribute
    derive: Callable[[AuditRecord], str] | None
    label: str  # " csNLabel=key" or ""


@cache
def _plan(mapping_items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, ...], tuple[_Step, ...]]:
    """A mapping compiled once: header sources, then the extension steps after ``rt``."""
    mapping = dict(mapping_items)
    header = tuple(mapping[field] for field in _HEADER)
    steps: list[_Step] = []
    for target, source in mapping.items():
        if target in _HEADER or target == "rt" or target.endswith("Label"):
            continue
        label_source = mapping.get(f"{target}Label")
        label = ""
        if label_source:
            label = f" {target}Label={escape_value(label_source.strip(chr(34)))}"
        derive = DERIVED.get(source)
        attr = None if derive else FIELD_BY_KEY[source].attr
        steps.append(_Step(target, attr, derive, label))
    return header, tuple(steps)


def _source(record: AuditRecord, source: str) -> str | None:
    """The value a mapping source gives for a record (for readers of ``MAPPING``)."""
    if source.startswith('"'):
        return source.strip('"')
    derive = DERIVED.get(source)
    if derive is not None:
        return derive(record)
    value = record.get(source)
    return None if value is None else str(value)


def format_record(record: AuditRecord, options: CefOptions) -> str:
    """One record as a CEF line (no line terminator)."""
    mapping = MAPPING.get(record.event) or _mapping_of_keys(
        record.event, frozenset(record.to_dict())
    )
    header_sources, steps = _plan(tuple(mapping.items()))
    header = [options.prefix]
    for source in header_sources:
        header.append(escape_header(_source(record, source) or "-"))
    moment = aware(record, options.tz)
    extension = [] if moment is None else [f"rt={int(moment.timestamp() * 1000)}"]
    for step in steps:
        if step.attr is not None:
            value = getattr(record, step.attr)
        else:
            value = step.derive(record) if step.derive is not None else None
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else str(value)
        extension.append(f"{step.target}={escape_value(text)}{step.label}")
    return "|".join(header) + "|" + " ".join(extension)


def _renderer(options: dict[str, Any]) -> RecordRenderer:
    opts = CefOptions.of(options)
    return lambda record: format_record(record, opts)


OPTIONS: dict[str, str] = {
    "vendor": f"Device Vendor (default {VENDOR})",
    "product": f"Device Product (default {PRODUCT})",
    "version": "Device Version (default: seaudit's version)",
    "tz": TZ_HELP,
}

FORMAT = Format(
    "cef",
    "ArcSight CEF:0, one event per line: Signature ID = event id, Severity from the status "
    "letter, fields under CEF dictionary keys (cs1..cs6/cn1..cn2 with labels for the rest), "
    "rt in epoch milliseconds; CEF header and extension escaping, no raw control characters.",
    _renderer,
    options=OPTIONS,
)


def mapping_doc() -> str:
    """This format's section of docs/formats.md (read by seaudit.export.docs)."""
    return _siem.mapping_doc(FORMAT.name, __doc__, "CEF header field or extension key", MAPPING)
