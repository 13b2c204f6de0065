"""CEF: escaping per the CEF spec (property-tested), mapping used by the writer, pycef reads it."""

from __future__ import annotations

import io
import re

import pycef
from hypothesis import given
from hypothesis import strategies as st

from seaudit.export import get_format
from seaudit.export._siem import neutral
from seaudit.export.cef import MAPPING, CefOptions, escape_header, escape_value, format_record
from seaudit.schema.events import EVENT_IDS
from seaudit.schema.record import AuditRecord

RECORD = AuditRecord(
    event="resource_access",
    timestamp="2008-11-18T15:23:56",
    status="D",
    class_="FILE",
    user="admabc",
    session_id="4922ae61:00000132",
    access="Read",
    stage=69,
    stage_message="No Step that allowed access",
    reason=3,
    resource="/tmp/one",
    program="/usr/local/bin/tcsh",
    terminal="localhost",
    effective_user="admabc",
    platform="unix",
)
TEXT = st.text(st.characters(codec="utf-8") | st.sampled_from("\\=|\n\r\t\u2028\udcff"))


def unescape_value(text: str) -> str:
    return re.sub(r"\\([\\=nr])", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), text)


@given(TEXT)
def test_extension_value_round_trips_by_the_spec(value: str) -> None:
    escaped = escape_value(value)
    assert "\n" not in escaped and "\r" not in escaped
    assert re.search(r"(?<!\\)(?:\\\\)*=", escaped) is None  # every = is escaped
    expected = "".join(c if c in "\n\r" else neutral(c) for c in value)
    assert unescape_value(escaped) == expected


@given(TEXT)
def test_header_field_never_holds_a_bare_pipe(value: str) -> None:
    escaped = escape_header(value)
    assert re.search(r"(?<!\\)(?:\\\\)*\|", escaped) is None
    assert "\n" not in escaped


def test_seed_record_as_pycef_reads_it() -> None:
    line = format_record(RECORD, CefOptions(tz=None, version="1.0"))
    parsed = pycef.parse(line)
    assert parsed is not None
    assert parsed["DeviceEventClassID"] == "resource_access"
    assert parsed["Name"] == "Resource access: Denied" and parsed["Severity"] == "7"
    assert parsed["suser"] == "admabc" and parsed["duser"] == "admabc"
    assert parsed["filePath"] == "/tmp/one" and parsed["cat"] == "FILE"
    assert parsed["act"] == "Denied" and parsed["outcome"] == "failure"
    assert parsed["session_id"] == "4922ae61:00000132"  # pycef folds cs1Label into the key
    assert parsed["stage"] == "69" and parsed["reason"] == "3"
    assert parsed["msg"] == "No Step that allowed access"


def test_rt_is_epoch_milliseconds_in_the_given_zone() -> None:
    utc = format_record(RECORD, CefOptions.of({"tz": "UTC"}))
    paris = format_record(RECORD, CefOptions.of({"tz": "Europe/Paris"}))
    assert "rt=1227021836000 " in utc and "rt=1227018236000 " in paris  # CET is UTC+1


def test_mapping_covers_every_event_and_drives_the_writer() -> None:
    assert set(MAPPING) == set(EVENT_IDS)
    for event, mapping in MAPPING.items():
        custom = [k for k in mapping if re.fullmatch(r"c[sn]\d", k)]
        assert all(f"{k}Label" in mapping for k in custom), event
    sink = io.BytesIO()
    assert get_format("cef").write([RECORD], sink, vendor="V|x", product="P") == 1
    assert sink.getvalue().startswith(b"CEF:0|V\\|x|P|")
