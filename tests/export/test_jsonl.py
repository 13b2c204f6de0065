"""JSON lines keep SCHEMA keys, leave absent fields out, and keep undecodable bytes losslessly."""

from __future__ import annotations

import io
import json

import pytest

from seaudit.export import write_records
from seaudit.export.jsonl import dumps
from seaudit.schema.record import AuditRecord
from seaudit.text.short import parse_short

LINE = "18 Nov 2008 15:23:56 D FILE admabc Read 69 3 /tmp/one /usr/local/bin/tcsh localhost admabc"


def test_keys_in_schema_order_and_absent_fields_left_out() -> None:
    data = json.loads(dumps(parse_short(LINE)))
    assert list(data) == [
        "event",
        "timestamp",
        "status",
        "class",
        "user",
        "access",
        "stage",
        "stage_message",
        "reason",
        "resource",
        "program",
        "terminal",
        "effective_user",
        "audit_flags",
        "platform",
    ]
    assert "session_id" not in data and data["audit_flags"] == ""


def test_invalid_utf8_survives_as_escaped_surrogates() -> None:
    raw = b"/tmp/\xff\xfe"
    resource = raw.decode("utf-8", "surrogateescape")
    record = parse_short(LINE).replace(resource=resource)
    line = dumps(record)
    assert line.isascii()
    back = json.loads(line)["resource"]
    assert back.encode("utf-8", "surrogateescape") == raw
    assert AuditRecord.from_dict(json.loads(line)) == record


def test_write_records_counts_and_terminates_lines() -> None:
    sink = io.BytesIO()
    assert write_records([parse_short(LINE)] * 3, sink, "jsonl") == 3
    assert sink.getvalue().count(b"\n") == 3 and sink.getvalue().endswith(b"\n")


def test_text_formats_show_a_column_an_api_record_lacks_as_a_dash() -> None:
    from seaudit.text.short import render_short

    record = AuditRecord(event="login", timestamp="2026-01-02T10:00:00", status="P", user="bob")
    sink = io.BytesIO()
    assert write_records([record], sink, "short") == 1
    # the required core (stage, reason) shows "-"; the line stops after it (Layout.endings)
    assert sink.getvalue() == b"02 Jan 2026 10:00:00 P LOGIN bob - -\n"
    with pytest.raises(ValueError, match="needs 'stage'"):
        render_short(record)
