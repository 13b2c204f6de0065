"""One audit text line (audit.log, an auditd plugin's ``format = string``) as a value.

``[node=NAME ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL): key=value ...``. Kernel values never
hold a space (the kernel hex-encodes those), so a line splits on spaces. Messages from user
space wrap their own fields in ``msg='...'``: those are read as fields of the line, and a
bare word after a value continues it (libaudit writes ``op=adding user``). The enriched
format's interpreted part (after 0x1D) is ignored: values are decoded here, from the raw part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seaudit.errors import ParseError
from seaudit.store.location import NODE_NAME

#: a line longer than this is refused, so a broken stream cannot grow memory without bound
MAX_LINE = 1 << 20
ENRICHED_SEPARATOR = "\x1d"
EXCERPT = 60


@dataclass(frozen=True, slots=True)
class EventId:
    """What makes an audit event unique: the node, the time stamp and the serial."""

    node: str | None
    seconds: int
    millis: int
    serial: int

    @property
    def time(self) -> float:
        return self.seconds + self.millis / 1000

    def stamp(self) -> str:
        """As audit text writes it: ``SECONDS.MILLIS:SERIAL``."""
        return f"{self.seconds}.{self.millis:03d}:{self.serial}"


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One record of an event: its type, its event id and its fields as written (split from
    ``body`` when first asked for: most records of most events are never looked into)."""

    type: str
    id: EventId
    body: str
    _values: dict[str, str] | None = field(default=None, init=False, compare=False, repr=False)

    @classmethod
    def of(cls, kind: str, event: EventId, fields: tuple[tuple[str, str], ...]) -> AuditLine:
        return cls(kind, event, " ".join(f"{key}={value}" for key, value in fields))

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        return tuple(_fields(self.body))

    def get(self, name: str) -> str | None:
        """The raw value of the last field of this name (user-space wrappers repeat some)."""
        return self.as_dict().get(name)

    def as_dict(self) -> dict[str, str]:
        """The fields by name, the last of a name winning (made once)."""
        values = self._values
        if values is None:
            values = dict(_fields(self.body))
            object.__setattr__(self, "_values", values)
        return values


def parse_line(line: str, *, source: str = "<input>", number: int = 0) -> AuditLine:
    """Parse one line; a line that is not audit text raises ``ParseError`` naming where."""
    if len(line) > MAX_LINE:
        raise ParseError(f"line longer than {MAX_LINE} characters", source=source, line=number)
    text = line.split(ENRICHED_SEPARATOR, 1)[0].rstrip("\r\n")
    node: str | None = None
    if text.startswith("node="):
        first, _, text = text.partition(" ")
        node = first[5:] or None
        if node is not None and not NODE_NAME.fullmatch(node):
            raise _refuse("node= is not a host-like name", line, source, number)
    if not text.startswith("type="):
        raise _refuse("not an audit record: no type= field", line, source, number)
    head, sep, body = text.partition("): ")
    if not sep:
        head, sep, body = text.partition("):")
        if not sep:
            raise _refuse("no msg=audit(TIME:SERIAL) stamp", line, source, number)
    kind, _, stamp = head.partition(" msg=audit(")
    event = _event_id(node, stamp)
    if event is None or " " in kind:
        raise _refuse(f"bad audit stamp {stamp[:40]!r}", line, source, number)
    return AuditLine(kind[5:], event, body.strip())


def _refuse(reason: str, line: str, source: str, number: int) -> ParseError:
    """The error for a line, with the start of the line to show (callers escape it)."""
    excerpt = line.rstrip("\r\n")[:EXCERPT]
    return ParseError(f"{reason}: {excerpt}", source=source, line=number, excerpt=excerpt)


def _event_id(node: str | None, stamp: str) -> EventId | None:
    secs, dot, rest = stamp.partition(".")
    millis, colon, serial = rest.partition(":")
    if not (dot and colon and secs.isdigit() and millis.isdigit() and serial.isdigit()):
        return None
    return EventId(node, int(secs), int(millis), int(serial))


def _fields(body: str) -> list[tuple[str, str]]:
    if "'" in body:  # a user-space message: its own fields are wrapped in msg='...'
        start = body.find("msg='")
        if start >= 0 and body.endswith("'"):
            body = f"{body[:start]}{body[start + 5 : -1]}"
    pairs = [token.partition("=") for token in body.split()]
    if all(eq and key for key, eq, _ in pairs):  # every token key=value: the common case
        return [(key, value) for key, _, value in pairs]
    out: list[tuple[str, str]] = []
    for token in body.split():
        if token.startswith("msg='"):
            token = token[5:]
        if token.endswith("'"):
            token = token[:-1]
        key, eq, value = token.partition("=")
        if eq and key:
            out.append((key, value))
        elif out and token:
            key, value = out[-1]
            out[-1] = (key, f"{value} {token}")
    return out


def render_line(line: AuditLine) -> str:
    """The text of a line as auditd writes it (``parse_line`` reads it back)."""
    node = f"node={line.id.node} " if line.id.node else ""
    return f"{node}type={line.type} msg=audit({line.id.stamp()}): {line.body}"
