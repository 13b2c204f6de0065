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
- MSG: the record in the format of option ``inner``: short (default), detailed, json, cef,
  leef or none (no MSG). It is always valid UTF-8, but sent without the BOM (as MSG-ANY): most
  receivers show a BOM as junk, and nothing is lost without it.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from functools import cache
from typing import Any, BinaryIO

from seaudit.errors import SeauditError, UsageError
from seaudit.export import Format, _siem, write_lines
from seaudit.export import cef as cef_format
from seaudit.export import leef as leef_format
from seaudit.export._siem import TZ_HELP, aware, neutral, severity, zone
from seaudit.schema.events import LAYOUTS
from seaudit.schema.fields import KEYS
from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import render_detailed
from seaudit.text.short import render_short

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
INNER = ("short", "detailed", "json", "cef", "leef", "none")
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
    render_inner: Callable[[AuditRecord], str] = field(default=lambda r: render_short(r))

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> SyslogOptions:
        inner = str(options.get("inner", "short"))
        inner_options = {
            k: options[k]
            for k in ("vendor", "product", "version", "delimiter", "tz")
            if k in options
        }
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
            render_inner=_inner_renderer(inner, inner_options),
        )

    @property
    def sd_id(self) -> str:
        return f"{APP_NAME}@{self.pen}"


def _json_line(record: AuditRecord) -> str:
    return json.dumps(record.to_dict(), ensure_ascii=True, separators=(",", ":"))


def _text(render: Callable[[AuditRecord], str]) -> Callable[[AuditRecord], str]:
    def safe(record: AuditRecord) -> str:
        try:
            return neutral(render(record))
        except (SeauditError, ValueError, KeyError):  # a record the text layout cannot show
            return _json_line(record)

    return safe


def _inner_renderer(inner: str, options: dict[str, Any]) -> Callable[[AuditRecord], str]:
    if inner == "short":
        return _text(render_short)
    if inner == "detailed":
        return _text(render_detailed)
    if inner == "json":
        return _json_line
    if inner == "cef":
        cef_opts = cef_format.CefOptions.of({k: v for k, v in options.items() if k != "delimiter"})
        return lambda r: cef_format.format_record(r, cef_opts)
    if inner == "leef":
        leef_opts = leef_format.LeefOptions.of(options)
        return lambda r: leef_format.format_record(r, leef_opts)
    if inner == "none":
        return lambda r: ""
    raise UsageError(f"unknown inner format {inner!r} (one of {', '.join(INNER)})")


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


def _write(records: Iterable[AuditRecord], sink: BinaryIO, options: dict[str, Any]) -> int:
    opts = SyslogOptions.of(options)
    return write_lines((format_message(record, opts) for record in records), sink)


OPTIONS: dict[str, str] = {
    "inner": f"format of the message body: {', '.join(INNER)} (default short)",
    "facility": "syslog facility, name or number (default authpriv = 10)",
    "hostname": "HOSTNAME field (default: the record's node, else this machine)",
    "tz": TZ_HELP,
    "pen": f"private enterprise number of the SD-ID seaudit@PEN (default {DOCUMENTATION_PEN})",
    "delimiter": "inner=leef: its delimiter",
    "vendor": "inner=cef/leef: Vendor",
    "product": "inner=cef/leef: Product",
    "version": "inner=cef/leef: Version",
}

FORMAT = Format(
    "syslog",
    "RFC 5424 syslog messages, one a line: PRI from option facility (default authpriv) and "
    "the status letter, MSGID = event id, every field as an SD-PARAM of seaudit@32473, the "
    "body in the format of option inner (short, detailed, json, cef, leef, none).",
    _write,
    options=OPTIONS,
)


def mapping_doc() -> str:
    """This format's section of docs/formats.md (read by seaudit.export.docs)."""
    return _siem.mapping_doc(FORMAT.name, __doc__, "RFC 5424 field or SD-PARAM", MAPPING)
