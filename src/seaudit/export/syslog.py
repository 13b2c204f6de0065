"""RFC 5424 syslog messages, one a line (the forwarder in ``seaudit.route`` frames them).

``<PRI>1 TIMESTAMP HOSTNAME seaudit - MSGID [seaudit@32473 key="value" ...] MSG``

- PRI = facility * 8 + severity: facility from option ``facility`` (name or number, default
  authpriv = 10), severity from the status letter (``seaudit.export._siem.SEVERITY``).
- TIMESTAMP: the record's local wall time with the UTC offset of option ``tz`` (default:
  this machine's zone, for a seaudit running on the endpoint that wrote the log), e.g.
  ``2008-11-18T15:23:56+01:00``. The wall time as printed also stays in the ``timestamp`` param.
- HOSTNAME: option ``hostname``, else the node the record was read from, else this machine's
  name; characters outside printable US-ASCII become ``_``.
- APP-NAME ``seaudit``, PROCID ``-``, MSGID the event id.
- STRUCTURED-DATA: one element ``seaudit@32473`` (32473 is the private enterprise number that
  RFC 5612 reserves for documentation examples; a site with its own PEN sets option ``pen``)
  with one SD-PARAM per record key present (PARAM-NAMEs are the SCHEMA.md keys, all printable
  US-ASCII of at most 32 characters). PARAM-VALUEs escape ``"``, ``\\`` and ``]`` with a
  backslash (RFC 5424 section 6.3.3) after control characters, U+2028/9 and undecodable bytes
  have been spelled ``\\t``, ``\\n``, ``\\xHH``... (``_siem.neutral``): no message ever holds
  a raw line break, so LF framing, UDP and rsyslog's control-character escaping all keep it
  whole.
- MSG: the record in the format of option ``inner``: any format of the registry that renders
  one record on its own (short, the default; detailed, jsonl, ocsf, ecs, cef, leef; ``json`` is
  jsonl), with the options of that format that were given, or none (no MSG). A format that
  prints record strings as they are (short, detailed) has its control characters spelled as
  escapes (``_siem.neutral``); the others escape them by their own grammar; a record a text
  layout cannot show goes as jsonl. It is always valid UTF-8, but sent without the BOM (as
  MSG-ANY): most receivers show a BOM as junk, and nothing is lost without it.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cache
from typing import Any

from seaudit.errors import SeauditError, UsageError
from seaudit.export import FORMAT_MODULES, Format, RecordRenderer, _siem, get_format
from seaudit.export._siem import TZ_HELP, aware, neutral, severity, zone
from seaudit.export.jsonl import dumps as jsonl_line
from seaudit.schema.events import LAYOUTS
from seaudit.schema.fields import KEYS
from seaudit.schema.record import AuditRecord

APP_NAME = "seaudit"
DOCUMENTATION_PEN = 32473
FACILITIES: dict[str, int] = {
    "kern": 0,
    "user": 1,
    "mail": 2,
    "daemon": 3,
    "auth": 4,
    "syslog": 5,
    "lpr": 6,
    "news": 7,
    "uucp": 8,
    "cron": 9,
    "authpriv": 10,
    "ftp": 11,
    "ntp": 12,
    "security": 13,
    "console": 14,
    "solaris-cron": 15,
    **{f"local{n}": 16 + n for n in range(8)},
}
NAME = "syslog"
NO_BODY = "none"
INNER_ALIASES = {"json": "jsonl"}  # the name this option had before jsonl was the registry's


def _inner_formats() -> dict[str, Format]:
    """The registry's formats that render one record on its own, other than syslog."""
    found = (get_format(name) for name in FORMAT_MODULES if name != NAME)
    return {fmt.name: fmt for fmt in found if fmt.render is not None and not fmt.binary}


INNER_FORMATS = _inner_formats()
INNER = (*INNER_FORMATS, NO_BODY)
_PARAM_NAME = re.compile(r"^[!-~]{1,32}$")


def _check_param_names() -> None:
    for key in KEYS:
        if not _PARAM_NAME.match(key) or any(c in key for c in '=]"'):
            raise ValueError(f"record key {key!r} is not a valid SD PARAM-NAME")


_check_param_names()

#: event id -> {syslog header part or SD-PARAM: record key or how it is made}
MAPPING: dict[str, dict[str, str]] = {
    lay.id: {
        "PRI": "facility option * 8 + syslog severity of the status letter",
        "TIMESTAMP": "timestamp",
        "HOSTNAME": "hostname option, else the record's node, else this machine",
        "MSGID": "event",
        **{f"seaudit@PEN {key}": key for key in KEYS if key in lay.keys},
        "MSG": "the record in the inner format (option inner)",
    }
    for lay in LAYOUTS
}


_PARAM_SPECIAL = re.compile(r'[\\"\]\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]')


def escape_param_value(text: str) -> str:
    """An SD PARAM-VALUE (without its quotes)."""
    if _PARAM_SPECIAL.search(text) is None:
        return text
    return neutral(text).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _header_token(text: str, limit: int) -> str:
    token = "".join(c if "!" <= c <= "~" else "_" for c in text)[:limit]
    return token or "-"


@cache
def _this_host() -> str:
    return _header_token(socket.gethostname(), 255)


def _facility(spec: object) -> int:
    text = str(spec).strip().lower()
    if text.isdigit() and 0 <= int(text) <= 23:
        return int(text)
    if text in FACILITIES:
        return FACILITIES[text]
    raise UsageError(f"unknown syslog facility {spec!r} (0-23 or {', '.join(FACILITIES)})")


@dataclass(frozen=True)
class SyslogOptions:
    facility: int = FACILITIES["authpriv"]
    hostname: str | None = None
    tz: tzinfo | None = None
    inner: str = "short"
    pen: int = DOCUMENTATION_PEN
    render_inner: Callable[[AuditRecord], str] = field(
        default_factory=lambda: _inner_renderer("short", {})
    )

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> SyslogOptions:
        inner = str(options.get("inner", "short"))
        pen = str(options.get("pen", DOCUMENTATION_PEN))
        if not pen.isdigit():
            raise UsageError(f"pen {pen!r} is not a private enterprise number")
        hostname = options.get("hostname")
        return cls(
            facility=_facility(options.get("facility", "authpriv")),
            hostname=None if hostname is None else _header_token(str(hostname), 255),
            tz=zone(options.get("tz")),
            inner=inner,
            pen=int(pen),
            render_inner=_inner_renderer(inner, options),
        )

    @property
    def sd_id(self) -> str:
        return f"{APP_NAME}@{self.pen}"


def _text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "surrogateescape")


def _inner_renderer(inner: str, options: Mapping[str, Any]) -> Callable[[AuditRecord], str]:
    """The body's renderer: the inner format's own, given the options it declares."""
    if inner == NO_BODY:
        return lambda record: ""
    fmt = INNER_FORMATS.get(INNER_ALIASES.get(inner, inner))
    if fmt is None:
        raise UsageError(f"unknown inner format {inner!r} (one of {', '.join(INNER)})")
    render: RecordRenderer = fmt.renderer(**{k: v for k, v in options.items() if k in fmt.options})

    def body(record: AuditRecord) -> str:
        try:
            text = _text(render(record))
            return neutral(text) if fmt.raw_text else text
        except (SeauditError, ValueError, KeyError):  # a record the text layout cannot show
            return _text(jsonl_line(record))

    return body


def structured_data(record: AuditRecord, sd_id: str) -> str:
    params = " ".join(
        f'{key}="{escape_param_value(str(value))}"' for key, value in record.to_dict().items()
    )
    return f"[{sd_id} {params}]"


def format_message(record: AuditRecord, options: SyslogOptions) -> str:
    """One RFC 5424 message (no framing, no line terminator)."""
    pri = options.facility * 8 + severity(record).syslog
    moment = aware(record, options.tz)
    stamp = "-" if moment is None else moment.isoformat(timespec="seconds")
    node = record.origin.node if record.origin is not None else None
    host = options.hostname or (_header_token(node, 255) if node else _this_host())
    msgid = _header_token(record.event, 32)
    head = f"<{pri}>1 {stamp} {host} {APP_NAME} - {msgid} "
    body = options.render_inner(record)
    sd = structured_data(record, options.sd_id)
    return head + sd + (" " + body if body else "")


def _renderer(options: dict[str, Any]) -> RecordRenderer:
    opts = SyslogOptions.of(options)
    return lambda record: format_message(record, opts)


def _inner_options() -> dict[str, str]:
    """Every option of an inner format, its help saying which formats take it."""
    takers: dict[str, list[str]] = {}
    for fmt in INNER_FORMATS.values():
        for option in fmt.options:
            takers.setdefault(option, []).append(fmt.name)
    return {
        option: f"inner={'/'.join(names)}: " + INNER_FORMATS[names[0]].options[option]
        for option, names in takers.items()
    }


OPTIONS: dict[str, str] = {
    **_inner_options(),
    "inner": f"format of the message body: {', '.join(INNER)} (default short)",
    "facility": "syslog facility, name or number (default authpriv = 10)",
    "hostname": "HOSTNAME field (default: the record's node, else this machine)",
    "tz": TZ_HELP + " (also given to the inner format)",
    "pen": f"private enterprise number of the SD-ID seaudit@PEN (default {DOCUMENTATION_PEN})",
}

FORMAT = Format(
    NAME,
    "RFC 5424 syslog messages, one a line: PRI from option facility (default authpriv) and "
    "the status letter, MSGID = event id, every field as an SD-PARAM of seaudit@32473, the "
    f"body in the format of option inner ({', '.join(INNER)}).",
    _renderer,
    options=OPTIONS,
)


def mapping_doc() -> str:
    """This format's section of docs/formats.md (read by seaudit.export.docs)."""
    return _siem.mapping_doc(FORMAT.name, __doc__, "RFC 5424 field or SD-PARAM", MAPPING)
