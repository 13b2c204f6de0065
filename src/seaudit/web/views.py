"""What a page shows of a record: plain values for the templates (which escape them all),
so the templates hold no logic beyond loops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from seaudit.report.text import visible
from seaudit.schema.codes import default_tables
from seaudit.schema.record import AuditRecord

#: the fields that say what a record was about, by event type's usual carrier, first found
WHAT_FIELDS: tuple[str, ...] = ("resource", "object", "command", "host", "file", "trace")


@dataclass(frozen=True, slots=True)
class Row:
    seq: int
    recorded: str  # the time as the endpoint printed it
    instant: str  # the same time as an ISO instant in UTC ("" when it is not a date)
    status: str
    status_word: str
    event: str
    user: str
    what: str
    program: str
    terminal: str
    node: str


def text(value: object) -> str:
    """A record value for display: absent is empty, control characters escaped."""
    return "" if value is None else visible(str(value))


def instant(recorded: str, zone: tzinfo) -> str:
    """The recorded local time (no zone) read in ``zone``, as an ISO instant in UTC."""
    try:
        local = datetime.fromisoformat(recorded)
    except ValueError:
        return ""
    if local.tzinfo is not None:
        return ""
    return local.replace(tzinfo=zone).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def what(record: AuditRecord) -> str:
    for key in WHAT_FIELDS:
        value = record.get(key)
        if value is not None:
            if key == "host" and record.service:
                return f"{text(value)} {text(record.service)}"
            return text(value)
    return text(record.service)


def row(seq: int, record: AuditRecord, zone: tzinfo) -> Row:
    origin = record.origin
    return Row(
        seq=seq,
        recorded=text(record.timestamp),
        instant=instant(record.timestamp, zone),
        status=text(record.status),
        status_word=default_tables().status_word(record.status),
        event=text(record.event),
        user=text(record.user),
        what=what(record),
        program=text(record.program),
        terminal=text(record.terminal),
        node=text(origin.node if origin else None),
    )


def as_json(r: Row) -> dict[str, object]:
    """A row for the live tail's JavaScript (which sets it as text, never as markup)."""
    return {
        "seq": r.seq,
        "recorded": r.recorded,
        "instant": r.instant,
        "status": r.status,
        "status_word": r.status_word,
        "event": r.event,
        "user": r.user,
        "what": r.what,
        "program": r.program,
        "terminal": r.terminal,
        "node": r.node,
    }


@dataclass(frozen=True, slots=True)
class Detail:
    """The record page: every field, the code messages, the provenance, the rendering."""

    row: Row
    fields: tuple[tuple[str, str], ...]
    stage: str
    reason: str
    detailed: str
    source: str
    line: str
    raw: str


def detail(seq: int, record: AuditRecord, zone: tzinfo) -> Detail:
    from seaudit.text.detailed import render_detailed
    from seaudit.text.short import MISSING

    codes = default_tables()
    origin = record.origin
    stage = ""
    if record.stage is not None:
        stage = record.stage_message or codes.describe(_stage_table(record), record.stage)
    reason = "" if record.reason is None else codes.describe("reason", record.reason)
    try:
        detailed = render_detailed(
            record, sessionid=record.session_id is not None, block=True, missing=MISSING
        )
    except (ValueError, KeyError) as exc:
        detailed = f"(cannot render: {exc})"
    return Detail(
        row=row(seq, record, zone),
        fields=tuple((k, text(v)) for k, v in record.to_dict().items()),
        stage=text(stage),
        reason=text(reason),
        detailed=escape_controls_lines(detailed),
        source=text(origin.source if origin else None),
        line=text(origin.line if origin else None),
        raw=text(origin.raw if origin else None),
    )


def _stage_table(record: AuditRecord) -> str:
    from seaudit.schema.events import LAYOUT_BY_ID

    layout = LAYOUT_BY_ID.get(record.event)
    return layout.details_table if layout is not None else "stage"


def escape_controls_lines(rendered: str) -> str:
    return "\n".join(visible(line) for line in rendered.split("\n"))
