"""What a page shows of a record: the recorded (zone-less) time as an instant in UTC, read in
the zone the records were written in, and values made visible."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from seaudit.schema.record import AuditRecord
from seaudit.web.views import detail, instant, row, what


def test_instant_reads_the_recorded_time_in_the_records_zone() -> None:
    assert instant("2024-03-04T09:30:00", UTC) == "2024-03-04T09:30:00Z"
    assert instant("2024-03-04T09:30:00", ZoneInfo("Europe/Paris")) == "2024-03-04T08:30:00Z"
    assert instant("2024-07-04T09:30:00", ZoneInfo("Europe/Paris")) == "2024-07-04T07:30:00Z"
    assert instant("2024-02-31T09:30:00", UTC) == ""  # not a date: shown as recorded only
    assert instant("junk", UTC) == ""


def test_row_and_detail_show_values_as_text() -> None:
    record = AuditRecord(
        event="inbound_network",
        timestamp="2024-03-04T15:00:00",
        status="D",
        host="h1\x1b[2J",
        service="telnet",
        program="/usr/sbin/telnetd",
        stage=55,
        reason=2,
    )
    shown = row(7, record, UTC)
    assert shown.what == "h1\\x1b[2J telnet" == what(record)
    assert shown.status_word == "Denied"
    page = detail(7, record, UTC)
    assert page.stage == "Resource ACL check"
    assert "\x1b" not in page.detailed and "Inbound network connection" in page.detailed
