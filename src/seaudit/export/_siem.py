"""What the SIEM formats (cef, leef, syslog) share: severity from the status letter, the
record's time in a zone, and the neutralising of characters that could break a line.

Not a format itself (no ``FORMAT``): the leading underscore keeps it out of the registry.

``neutral(text)`` is the one rule every SIEM output applies to record strings, after the
format's own escaping: no character that any line reader (``str.splitlines``, rsyslog's
control-character escaping, a C string) treats specially survives raw:

- TAB, LF, CR become ``\\t``, ``\\n``, ``\\r``;
- every other C0 control, DEL and the C1 controls become ``\\xHH`` (NUL is ``\\x00``);
- U+2028 and U+2029 become ``\\u2028`` / ``\\u2029``;
- an undecodable input byte (kept by the reader as a lone surrogate U+DC80..U+DCFF) becomes
  ``\\xHH`` with the byte's value, any other lone surrogate ``\\uHHHH``, so the output is
  always valid UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from seaudit.errors import UsageError
from seaudit.schema.codes import default_tables
from seaudit.schema.record import AuditRecord


@dataclass(frozen=True, slots=True)
class Severity:
    """How one status letter ranks in each SIEM vocabulary."""

    cef: int  # 0..10 (CEF header Severity, LEEF sev)
    syslog: int  # RFC 5424 severity 0..7


#: status letter -> severity; letters not listed get ``UNKNOWN_SEVERITY``
SEVERITY: dict[str, Severity] = {
    "P": Severity(3, 6),  # permitted: informational
    "D": Severity(7, 4),  # denied: warning
    "W": Severity(5, 5),  # permitted in warning mode: notice
    "N": Severity(5, 5),  # permitted with notification: notice
    "F": Severity(6, 4),  # operation failed: warning
    "S": Severity(3, 6),  # database update succeeded
    "O": Severity(1, 6),  # logout
    "E": Severity(3, 5),  # login enabled
    "I": Severity(6, 4),  # login disabled (the disabling succeeded)
    "A": Severity(6, 4),  # invalid password entered
    "M": Severity(3, 5),  # daemon start or shutdown
    "U": Severity(8, 3),  # a trusted program changed: error
    "C": Severity(7, 3),  # product error
}
UNKNOWN_SEVERITY = Severity(5, 5)


def severity(record: AuditRecord) -> Severity:
    return SEVERITY.get(record.status, UNKNOWN_SEVERITY)


def status_word(record: AuditRecord) -> str:
    return default_tables().status_word(record.status)


# --- neutralising -------------------------------------------------------------------------

_SPECIAL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _replace(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable input byte (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code >= 0xD800:  # any other lone surrogate (from JSON input, say)
        return f"\\u{code:04x}"
    return f"\\x{code:02x}"


def neutral(text: str) -> str:
    """``text`` with line-breaking, control and undecodable characters spelled as escapes."""
    if _SPECIAL.search(text) is None:  # the common case, and much faster than sub
        return text
    return _SPECIAL.sub(_replace, text)


def has_special(text: str) -> bool:
    """Whether ``neutral`` would change ``text`` (for tests and checks)."""
    return _SPECIAL.search(text) is not None


# --- time ------------------------------------------------------------------------------------

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TZ_HELP = (
    "zone of the records' local time: local (this machine's, default), UTC, "
    "+HH:MM or an IANA name such as Europe/Paris"
)
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def zone(name: str | None) -> tzinfo | None:
    """The zone named by a ``tz`` option; None means this machine's local zone."""
    if name is None or name == "" or name == "local":
        return None
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    offset = _OFFSET.match(name)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        return timezone(sign * delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone {name!r} (use local, UTC, +HH:MM or an IANA name)"
        ) from None


def aware(record: AuditRecord, tz: tzinfo | None) -> datetime | None:
    """The record's local wall time (``timestamp``) placed in ``tz`` (None: the local zone).

    None when the timestamp is not a date (a record written through the API): the format
    leaves its time field out (``TIME_FALLBACK``) and the export goes on. A wall time that the
    local zone's rules cannot place (the ends of the calendar, years 1 and 9999) is read as
    UTC."""
    return _aware(record.timestamp, tz)


#: what every SIEM format does with a time it cannot express (README "Decisions")
TIME_FALLBACK = (
    "a timestamp that is not a date leaves the time field out (syslog: the NILVALUE '-'); a "
    "wall time the local zone cannot place (years 1 and 9999 at the calendar's ends) is read "
    "as UTC"
)


@lru_cache(maxsize=4096)  # records come in bursts of the same second
def _aware(timestamp: str, tz: tzinfo | None) -> datetime | None:
    try:
        naive = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if naive.tzinfo is not None:
        return naive
    if tz is not None:
        return naive.replace(tzinfo=tz)
    try:
        return naive.astimezone()
    except (OverflowError, ValueError, OSError):
        return naive.replace(tzinfo=UTC)


def hex_char(spec: str) -> str:
    """A one-character option given as itself or as ``xHH`` / ``0xHH`` (LEEF's notation)."""
    text = spec.strip() if len(spec) > 1 else spec
    if len(text) == 1:
        return text
    lowered = text.lower()
    if lowered.startswith("0x"):
        lowered = lowered[1:]
    if lowered.startswith("x") and 2 <= len(lowered) <= 5:
        try:
            return chr(int(lowered[1:], 16))
        except ValueError:
            pass
    raise UsageError(f"{spec!r} is not one character nor xHH")


# --- documentation -------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _source_cell(source: str) -> str:
    if source.startswith('"'):
        return f"constant `{source.strip(chr(34))}`"
    if source.isidentifier():
        return f"`{source}`"
    return _cell(source)


def mapping_doc(name: str, doc: str | None, target: str, mapping: dict[str, dict[str, str]]) -> str:
    """A docs section for one SIEM format: its module text, then one table per event id."""
    parts = [f"## {name}\n", (doc or "").strip() + "\n"]
    for event_id, rules in mapping.items():
        parts.append(f"### `{name}`: `{event_id}`\n")
        parts.append(f"| {target} | source |\n| --- | --- |")
        parts.extend(f"| `{_cell(out)}` | {_source_cell(src)} |" for out, src in rules.items())
        parts.append("")
    return "\n".join(parts)
