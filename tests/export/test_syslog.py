"""RFC 5424 messages: header fields, PRI, SD-PARAM escaping (property-tested), inner formats."""

from __future__ import annotations

import io
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.export import get_format
from seaudit.export._siem import neutral
from seaudit.export.syslog import (
    INNER,
    MAPPING,
    SyslogOptions,
    escape_param_value,
    format_message,
)
from seaudit.schema.events import EVENT_IDS
from seaudit.schema.record import AuditRecord, Origin

RECORD = AuditRecord(
    event="resource_access",
    timestamp="2008-11-18T15:23:56",
    status="D",
    class_="FILE",
    user="admabc",
    access="Read",
    stage=69,
    reason=3,
    resource="/tmp/one",
    program="/usr/local/bin/tcsh",
    terminal="localhost",
    effective_user="admabc",
    origin=Origin("audit.txt", 1, node="host-7"),
)
HEADER = re.compile(r"^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*\])(?: (.*))?$")


def test_header_fields() -> None:
    message = format_message(RECORD, SyslogOptions.of({"tz": "+01:00"}))
    match = HEADER.match(message)
    assert match is not None
    pri, stamp, host, app, procid, msgid, sd, msg = match.groups()
    assert int(pri) == 10 * 8 + 4  # authpriv.warning for a denial
    assert stamp == "2008-11-18T15:23:56+01:00"
    assert (host, app, procid, msgid) == ("host-7", "seaudit", "-", "resource_access")
    assert sd.startswith('[seaudit@32473 event="resource_access" timestamp="2008-11-18T15')
    assert msg.startswith("18 Nov 2008 15:23:56 D FILE admabc")


def test_options() -> None:
    options = SyslogOptions.of(
        {"facility": "local3", "hostname": "my host", "pen": "99999", "inner": "json"}
    )
    message = format_message(RECORD, options)
    assert message.startswith("<156>1 ") and " my_host seaudit - " in message
    assert "[seaudit@99999 " in message
    assert json.loads(message.split("] ", 1)[1]) == RECORD.to_dict()
    assert format_message(RECORD, SyslogOptions.of({"inner": "none"})).endswith("]")
    for bad in ({"facility": "nope"}, {"inner": "xml"}, {"pen": "x"}, {"tz": "Mars/Base"}):
        with pytest.raises(UsageError):
            SyslogOptions.of(bad)


@given(st.text())
def test_param_value_escaping_round_trips(value: str) -> None:
    escaped = escape_param_value(value)
    assert re.search(r'(?<!\\)(?:\\\\)*["\]]', escaped) is None  # no bare " or ]
    assert re.sub(r'\\(["\\\]])', r"\1", escaped) == neutral(value)
    escaped.encode("utf-8")  # PARAM-VALUE is UTF-8
    assert len(("x" + escaped + "x").splitlines()) == 1


def test_mapping_covers_every_event_with_valid_param_names() -> None:
    assert set(MAPPING) == set(EVENT_IDS)
    for mapping in MAPPING.values():
        for name in mapping:
            if name.startswith("seaudit@PEN "):
                param = name.split(" ", 1)[1]
                assert re.fullmatch(r"[!-~]{1,32}", param) and not set(param) & set('= ]"')


def test_a_record_the_text_layout_cannot_show_falls_back_to_json() -> None:
    unknown = RECORD.replace(event="made_up")  # no layout prints it
    body = format_message(unknown, SyslogOptions.of({})).split("] ", 1)[1]
    assert json.loads(body) == unknown.to_dict()


def test_a_record_lacking_a_core_column_shows_as_the_short_format_shows_it() -> None:
    partial = RECORD.replace(stage=None, stage_message=None)  # a column of the required core
    body = format_message(partial, SyslogOptions.of({})).split("] ", 1)[1]
    sink = io.BytesIO()
    get_format("short").write([partial], sink)
    assert body == sink.getvalue().decode().rstrip("\n")


@pytest.mark.parametrize("inner", [name for name in INNER if name != "none"])
def test_every_inner_body_is_the_registry_formats_own_line(inner: str) -> None:
    """The body is what ``seaudit --to INNER`` prints for the record (here free of control
    characters, so the text formats need no escaping), with the options the format declares."""
    options = {"inner": inner, "tz": "+01:00", "vendor": "Acme", "timezone": "Europe/Paris"}
    body = format_message(RECORD, SyslogOptions.of(options)).split("] ", 1)[1]
    fmt = get_format(inner)
    sink = io.BytesIO()
    fmt.write([RECORD], sink, **{k: v for k, v in options.items() if k in fmt.options})
    assert body == sink.getvalue().decode().rstrip("\n")
    assert "\n" not in body


def test_raw_text_bodies_have_their_control_characters_escaped() -> None:
    hostile = RECORD.replace(user="ad\x1b[31mmin\nx")
    for inner in ("short", "detailed"):
        body = format_message(hostile, SyslogOptions.of({"inner": inner})).split("] ", 1)[1]
        assert "\x1b" not in body and "\n" not in body and "\\x1b[31m" in body


def test_an_inner_option_no_format_declares_is_refused() -> None:
    with pytest.raises(UsageError, match="no option"):
        get_format("syslog").renderer(inner="cef", timezone_of_mars="x")
