"""IBM QRadar LEEF 2.0, one event per line.

``LEEF:2.0|Vendor|Product|Version|EventID|DelimiterChar|key=value<delim>key=value...``

- EventID is the event id; ``cat`` is the status word, so QRadar's QID map (EventID + category)
  tells a denied access from a permitted one. ``sev`` (0-10) comes from the status letter.
- ``devTime`` is the record's local wall time with its UTC offset in the zone of option ``tz``
  (default: this machine's), ``devTimeFormat=MMM dd yyyy HH:mm:ss Z`` (Java notation, English
  month names), e.g. ``Nov 18 2008 15:23:56 +0100``.
- ``usrName`` = user, ``resource`` = resource; every other field keeps its record key as LEEF
  key (LEEF allows custom keys). ``MAPPING`` is the table, per event id.
- Delimiter: option ``delimiter``, one character or ``xHH`` (default TAB, written ``x09`` in
  the header). It may not be ``|``, ``=``, ``\\``, a letter, a digit or a line break.
- Values: LEEF defines no escaping, and QRadar takes a value verbatim up to the next delimiter,
  so nothing is added to ordinary text (``DOMAIN\\user`` stays as it is). What could split an
  attribute or a line is spelled out instead: TAB, LF, CR as ``\\t``, ``\\n``, ``\\r``, other
  control characters, U+2028/9 and undecodable bytes as ``\\xHH``/``\\uHHHH``, and the
  delimiter character itself as ``\\xHH`` (``\\u00HH`` above 0xFF). ``=`` needs nothing: a
  reader splits an attribute at its first ``=`` and keys never contain one. The price: a value
  that already held the text ``\\x09`` reads the same as one that held a tab.
- Header fields are configuration, not record data: a vendor/product/version holding ``|``,
  ``\\`` or a control character is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache
from typing import Any

import seaudit
from seaudit.errors import UsageError
from seaudit.export import Format, RecordRenderer, _siem
from seaudit.export._siem import (
    MONTHS,
    TZ_HELP,
    aware,
    has_special,
    hex_char,
    neutral,
    severity,
    status_word,
    zone,
)
from seaudit.schema.events import LAYOUTS
from seaudit.schema.fields import FIELD_BY_KEY, KEYS
from seaudit.schema.outcome import outcome
from seaudit.schema.record import AuditRecord

VENDOR = "Broadcom"
PRODUCT = "PAM Server Control"
DEV_TIME_FORMAT = "MMM dd yyyy HH:mm:ss Z"

#: record key -> LEEF predefined key (the rest keep their record key)
_STANDARD: dict[str, str] = {"user": "usrName", "resource": "resource"}
_SKIPPED = frozenset({"event", "timestamp"})  # EventID header field; devTime

DERIVED: dict[str, Callable[[AuditRecord], str]] = {
    "status word (Denied, Permitted, ...)": status_word,
    "severity of the status letter (0-10)": lambda r: str(severity(r).cef),
    "outcome of the status letter (success, failure, unknown)": lambda r: outcome(r.status),
}
_HEADER: dict[str, str] = {"EventID": "event"}
_FIRST: dict[str, str] = {
    "devTime": "timestamp",
    "devTimeFormat": f'"{DEV_TIME_FORMAT}"',
    "cat": "status word (Denied, Permitted, ...)",
    "sev": "severity of the status letter (0-10)",
    "outcome": "outcome of the status letter (success, failure, unknown)",
}


def _mapping_for(keys: Iterable[str]) -> dict[str, str]:
    present = set(keys)
    out: dict[str, str] = {**_HEADER, **_FIRST}
    for key in KEYS:
        if key in present and key not in _SKIPPED:
            out[_STANDARD.get(key, key)] = key
    return out


#: event id -> {LEEF header field or attribute key: record key, a DERIVED description, or a
#: "quoted" literal}; the writer follows it and the docs generator prints it
MAPPING: dict[str, dict[str, str]] = {lay.id: _mapping_for(lay.keys) for lay in LAYOUTS}
_ALL_KEYS = _mapping_for(KEYS)

_BAD_DELIMITERS = re.compile(r"[|=\\A-Za-z0-9\n\r\x00\u2028\u2029\x85\x0b\x0c\x1c-\x1e]")


@dataclass(frozen=True, slots=True)
class LeefOptions:
    delimiter: str = "\t"
    vendor: str = VENDOR
    product: str = PRODUCT
    version: str = seaudit.__version__
    tz: tzinfo | None = None

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> LeefOptions:
        delimiter = hex_char(str(options.get("delimiter", "x09")))
        if _BAD_DELIMITERS.match(delimiter):
            raise UsageError(f"LEEF delimiter {delimiter!r} is not allowed")
        made = cls(
            delimiter=delimiter,
            vendor=str(options.get("vendor", VENDOR)),
            product=str(options.get("product", PRODUCT)),
            version=str(options.get("version", seaudit.__version__)),
            tz=zone(options.get("tz")),
        )
        for name in ("vendor", "product", "version"):
            value = getattr(made, name)
            if not value or has_special(value) or "|" in value or "\\" in value:
                raise UsageError(f"LEEF {name} {value!r} is empty or holds | \\ or a control")
        return made

    @property
    def header_delimiter(self) -> str:
        """As the header spells it: printable characters as themselves, others as xHH."""
        if self.delimiter.isprintable() and self.delimiter != " ":
            return self.delimiter
        return f"x{ord(self.delimiter):02x}"


def escape_value(text: str, delimiter: str) -> str:
    """A value that cannot split an attribute nor a line (see the module text)."""
    text = neutral(text)
    if delimiter in text:
        code = ord(delimiter)
        text = text.replace(delimiter, f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
    return text


def dev_time(record: AuditRecord, tz: tzinfo | None) -> str | None:
    moment = aware(record, tz)
    if moment is None:
        return None
    offset = moment.strftime("%z") or "+0000"
    return (
        f"{MONTHS[moment.month - 1]} {moment.day:02d} {moment.year:04d} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {offset}"
    )


def _source(record: AuditRecord, source: str) -> str | None:
    """The value a mapping source gives for a record (for readers of ``MAPPING``)."""
    if source.startswith('"'):
        return source.strip('"')
    derive = DERIVED.get(source)
    if derive is not None:
        return derive(record)
    value = record.get(source)
    return None if value is None else str(value)


Step = tuple[str, str | None, Callable[[AuditRecord], str] | None, str | None]


@cache
def _plan(mapping_items: tuple[tuple[str, str], ...]) -> tuple[Step, ...]:
    """(target, record attribute, derivation, literal) per attribute after devTime."""
    steps: list[Step] = []
    for target, source in mapping_items:
        if target in _HEADER or target == "devTime":
            continue
        if source.startswith('"'):
            steps.append((target, None, None, source.strip('"')))
        elif source in DERIVED:
            steps.append((target, None, DERIVED[source], None))
        else:
            steps.append((target, FIELD_BY_KEY[source].attr, None, None))
    return tuple(steps)


def format_record(record: AuditRecord, options: LeefOptions) -> str:
    """One record as a LEEF 2.0 line (no line terminator)."""
    mapping = MAPPING.get(record.event, _ALL_KEYS)
    delimiter = options.delimiter
    stamp = dev_time(record, options.tz)
    attributes = [] if stamp is None else [f"devTime={stamp}"]
    for target, attr, derive, literal in _plan(tuple(mapping.items())):
        if literal is not None:
            value: object = literal
        elif derive is not None:
            value = derive(record)
        else:
            value = getattr(record, attr or "")
        if value is not None:
            text = value if isinstance(value, str) else str(value)
            attributes.append(f"{target}={escape_value(text, delimiter)}")
    event_id = escape_value(record.event, delimiter).replace("|", "\\x7c")
    return (
        f"LEEF:2.0|{options.vendor}|{options.product}|{options.version}|{event_id}|"
        f"{options.header_delimiter}|" + delimiter.join(attributes)
    )


def _renderer(options: dict[str, Any]) -> RecordRenderer:
    opts = LeefOptions.of(options)
    return lambda record: format_record(record, opts)


OPTIONS: dict[str, str] = {
    "delimiter": "attribute delimiter: one character or xHH (default x09, TAB)",
    "vendor": f"Vendor (default {VENDOR})",
    "product": f"Product (default {PRODUCT})",
    "version": "Version (default: seaudit's version)",
    "tz": TZ_HELP,
}

FORMAT = Format(
    "leef",
    "IBM QRadar LEEF 2.0, one event per line: EventID = event id, cat = status word, "
    "devTime with devTimeFormat 'MMM dd yyyy HH:mm:ss Z', usrName, resource and the other "
    "fields under their record keys; the delimiter (option delimiter, default TAB) and line "
    "breaks never appear inside a value.",
    _renderer,
    options=OPTIONS,
)


def mapping_doc() -> str:
    """This format's section of docs/formats.md (read by seaudit.export.docs)."""
    return _siem.mapping_doc(FORMAT.name, __doc__, "LEEF header field or attribute", MAPPING)
