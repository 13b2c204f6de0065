"""LEEF 2.0: header, devTime, delimiter option and the neutralising of values."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.export import get_format
from seaudit.export.leef import MAPPING, LeefOptions, dev_time, escape_value, format_record
from seaudit.schema.events import EVENT_IDS
from seaudit.schema.record import AuditRecord

RECORD = AuditRecord(
    event="login",
    timestamp="2008-10-28T12:15:01",
    status="P",
    event_name="LOGIN",
    user="DOMAIN\\root",
    stage=59,
    reason=2,
    terminal="_CRONJOB_",
    program="SBIN_CRON",
)


def test_header_and_attributes() -> None:
    line = format_record(RECORD, LeefOptions.of({"tz": "+01:00", "version": "9"}))
    header = line.split("|")
    assert header[:6] == ["LEEF:2.0", "Broadcom", "PAM Server Control", "9", "login", "x09"]
    attributes = dict(a.split("=", 1) for a in header[6].split("\t"))
    assert attributes["devTime"] == "Oct 28 2008 12:15:01 +0100"
    assert attributes["devTimeFormat"] == "MMM dd yyyy HH:mm:ss Z"
    assert attributes["usrName"] == "DOMAIN\\root"  # no escaping added to plain text
    assert attributes["cat"] == "Permitted" and attributes["sev"] == "3"
    assert list(attributes) == [
        k
        for k in MAPPING["login"]
        if k != "EventID"
        and (
            k in ("devTime", "devTimeFormat", "cat", "sev", "outcome")
            or RECORD.get(MAPPING["login"][k]) is not None
        )
    ]


@pytest.mark.parametrize(
    "spec,char,spelled",
    [("x09", "\t", "x09"), ("^", "^", "^"), ("0x7E", "~", "~"), ("x1F", "\x1f", "x1f")],
)
def test_delimiter_option(spec: str, char: str, spelled: str) -> None:
    options = LeefOptions.of({"delimiter": spec})
    assert options.delimiter == char and options.header_delimiter == spelled


@pytest.mark.parametrize("bad", ["|", "=", "\\", "a", "5", "x0A", "xZZ", "ab"])
def test_bad_delimiters_are_refused(bad: str) -> None:
    with pytest.raises(UsageError):
        LeefOptions.of({"delimiter": bad})


def test_vendor_with_a_pipe_is_refused() -> None:
    with pytest.raises(UsageError):
        get_format("leef").write([RECORD], io.BytesIO(), vendor="a|b")


@given(st.text(), st.sampled_from("\t^~§"))
def test_a_value_never_holds_the_delimiter_or_a_line_break(value: str, delimiter: str) -> None:
    escaped = escape_value(value, delimiter)
    assert delimiter not in escaped
    assert len(("x" + escaped + "x").splitlines()) == 1


def test_dev_time_in_a_named_zone_follows_summer_time() -> None:
    summer = RECORD.replace(timestamp="2024-07-01T12:00:00")
    assert dev_time(summer, LeefOptions.of({"tz": "Europe/Paris"}).tz).endswith("+0200")


def test_mapping_covers_every_event() -> None:
    assert set(MAPPING) == set(EVENT_IDS)
    assert all(m["usrName"] == "user" for m in MAPPING.values() if "usrName" in m)
