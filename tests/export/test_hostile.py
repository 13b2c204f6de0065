"""Hostile values through every registered format, read back by independent parsers.

Record strings are attacker-controlled (a user name, a file name, a command line). A corpus of
adversarial values goes into records of several event types, every format of the registry
writes them, and a parser that is not ours reads each output back: pycef for CEF, a split on
the announced delimiter for LEEF (as QRadar does), the csv and json modules, and a real
rsyslogd (its RFC 5424 parser and mmpstrucdata) for syslog. The checks: one output line
(message) per record, the same set of fields as the mapping announces, and each value equal
to what the format documents it writes: no value forges a field, splits a message or breaks
a line.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pycef
import pytest

from seaudit.export import Format, registry
from seaudit.export import cef as cef_format
from seaudit.export import leef as leef_format
from seaudit.export._siem import neutral
from seaudit.export.csvfmt import COLUMNS, safe_cell
from seaudit.export.syslog import SyslogOptions, format_message, structured_data
from seaudit.route import forward
from seaudit.schema.events import LAYOUT_BY_ID
from seaudit.schema.fields import FIELD_BY_KEY
from seaudit.schema.record import AuditRecord
from tests.route.rsyslogd import RSYSLOGD, Rsyslog

FORGERIES = [
    " suser=admin",
    " cs1Label=forged cs1=1",
    "\nCEF:0|Forged|x|1|login|Forged|10|suser=root",
    "\tusrName=forged",
    "^usrName=forged",
    "|forged|",
    '"] [forged@1 a="b"]',
    'x" forged="1',
    "\n<13>1 2024-01-01T00:00:00Z h forged - - - x",
    "LEEF:2.0|F|F|1|e|x09|a=b",
]
HOSTILE: list[str] = [
    "a\nb",
    "a\r\nb",
    "\r",
    "x|y",
    "k=v",
    "==",
    "back\\slash",
    "ends with \\",
    "\\",
    "]",
    "[",
    '"quoted"',
    '"',
    "nul\x00byte",
    "bad\udcffutf8",
    "\udcc3(",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2",
    "@SUM(A1:A2)",
    "\ttab",
    "sep\u2028line\u2029para",
    "nel\x85",
    "vt\x0bff\x0c",
    "fs\x1cgs\x1drs\x1e",
    "del\x7f",
    "esc\x1b[31m",
    "   ",
    " lead and trail ",
    "é€😀",
    "\\x00 \\n \\u2028 (already looks escaped)",
    *FORGERIES,
]
BIG: list[str] = ["A" * 65536, ('\n|=\\]"\t' * 9363)[:65536]]
EVENTS = ("login", "resource_access", "db_admin", "trace", "outbound_network", "untrust")
# free-text fields of each event, where one 64 KB value goes
_BIG_FIELD = {
    "login": "program",
    "resource_access": "resource",
    "db_admin": "command",
    "trace": "trace",
    "outbound_network": "host",
    "untrust": "file",
}
_KEPT = frozenset({"event", "timestamp", "status", "platform", "stage_message", "command_type"})


def _record(event: str, values: dict[str, str]) -> AuditRecord:
    layout = LAYOUT_BY_ID[event]
    fields: dict[str, object] = {
        "event": event,
        "timestamp": "2024-03-01T08:00:01",
        "status": layout.statuses[0],
    }
    for key in layout.keys:
        if key in _KEPT:
            continue
        if FIELD_BY_KEY[key].type is int:
            fields[key] = 7
        else:
            fields[key] = values.get(key, values.get("*", "plain"))
    return AuditRecord.from_dict(fields)


def hostile_records() -> list[AuditRecord]:
    records = [_record(event, {"*": value}) for event in EVENTS for value in HOSTILE]
    records += [
        _record(event, {"*": "x", _BIG_FIELD[event]: big}) for event in EVENTS for big in BIG
    ]
    return records


RECORDS = hostile_records()


def written(fmt: Format, **options: object) -> bytes:
    sink = io.BytesIO()
    assert fmt.write(RECORDS, sink, **options) == len(RECORDS)
    return sink.getvalue()


def lines_of(data: bytes) -> list[str]:
    """Split on LF only (what a log shipper does); the last line ends with LF."""
    assert data.endswith(b"\n")
    return data[:-1].decode("utf-8", "surrogateescape").split("\n")


def spelled(value: str, keep: str = "") -> str:
    """A value as the SIEM formats document it: neutralised, except characters in ``keep``."""
    return "".join(c if c in keep else neutral(c) for c in value)


# --- one checker per format -------------------------------------------------------------


def check_jsonl(data: bytes) -> None:
    lines = lines_of(data)
    assert len(lines) == len(RECORDS)
    for line, record in zip(lines, RECORDS, strict=True):
        assert json.loads(line) == record.to_dict()


def check_csv(data: bytes) -> None:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8", "surrogateescape"), newline="")))
    assert rows[0] == list(COLUMNS) and len(rows) == len(RECORDS) + 1
    for row, record in zip(rows[1:], RECORDS, strict=True):
        assert row == [safe_cell(record.get(key)) for key in COLUMNS]
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def _cef_unescape(value: str) -> str:
    return re.sub(r"\\([\\=nr])", lambda m: {"n": "\n", "r": "\r"}.get(m[1], m[1]), value)


def check_cef(data: bytes) -> None:
    lines = lines_of(data)
    assert len(lines) == len(RECORDS)
    for line, record in zip(lines, RECORDS, strict=True):
        parsed = pycef.parse(line)
        assert parsed is not None, line[:200]
        mapping = cef_format.MAPPING[record.event]
        assert parsed["DeviceEventClassID"] == record.event
        assert parsed["CEFVersion"] == "0" and parsed["DeviceVendor"] == cef_format.VENDOR
        # pycef folds csN/csNLabel pairs into label -> value: undo that to compare keys
        labels = {
            src.strip('"'): target[:-5]
            for target, src in mapping.items()
            if target.endswith("Label")
        }
        extension = {labels.get(k, k): v for k, v in parsed.items() if k not in _CEF_HEADER_KEYS}
        expected: dict[str, str] = {}
        for target, source in mapping.items():
            if target in ("Signature ID", "Name", "Severity", "rt") or target.endswith("Label"):
                continue
            value = cef_format._source(record, source)
            if value:
                expected[target] = spelled(value, keep="\n\r")
        assert "rt" in extension
        del extension["rt"]
        assert {k: _cef_unescape(v) for k, v in extension.items()} == expected


_CEF_HEADER_KEYS = frozenset(
    {
        "DeviceVendor",
        "DeviceProduct",
        "DeviceVersion",
        "DeviceEventClassID",
        "Name",
        "DeviceName",
        "Severity",
        "DeviceSeverity",
        "CEFVersion",
    }
)


def check_leef(data: bytes, delimiter: str = "\t") -> None:
    lines = lines_of(data)
    assert len(lines) == len(RECORDS)
    for line, record in zip(lines, RECORDS, strict=True):
        header = line.split("|", 6)
        assert header[:2] == ["LEEF:2.0", leef_format.VENDOR] and header[4] == record.event
        assert leef_format.LeefOptions.of({"delimiter": header[5]}).delimiter == delimiter
        attributes = dict(pair.split("=", 1) for pair in header[6].split(delimiter))
        mapping = leef_format.MAPPING[record.event]
        expected = {
            target: spelled(value).replace(delimiter, f"\\x{ord(delimiter):02x}")
            for target, source in mapping.items()
            if target != "EventID" and (value := leef_format._source(record, source)) is not None
        }
        expected["devTime"] = attributes["devTime"]
        assert attributes == expected


def check_syslog(data: bytes) -> None:
    """Offline: one message a line, each exactly what the forwarder sends. Then rsyslogd
    receives them all over TCP and its own parse must give back every field."""
    options = SyslogOptions.of({})
    lines = lines_of(data)
    assert lines == [format_message(r, options) for r in RECORDS]
    if RSYSLOGD is None:
        pytest.skip("rsyslogd is not installed: syslog output checked offline only")
    with tempfile.TemporaryDirectory() as directory:
        receiver = Rsyslog(Path(directory))
        receiver.start()
        try:
            result = forward(RECORDS, receiver.url("tcp"), max_size=1_000_000)
            assert (result.sent, result.failed) == (len(RECORDS), 0)
            arrived = receiver.wait_for(len(RECORDS))
            raw = receiver.raw()
        finally:
            receiver.stop()
    assert len(arrived) == len(raw) == len(RECORDS)
    by_raw = {entry["rawmsg"]: entry for entry in arrived}
    for record, message in zip(RECORDS, lines, strict=True):
        entry = by_raw[message]
        assert entry["msgid"] == record.event and entry["app-name"] == "seaudit"
        assert entry["structured-data"] == structured_data(record, options.sd_id)
        assert entry["msg"] == options.render_inner(record)
        if entry["$!"] is not None:  # mmpstrucdata parses structured data up to ~64 KB
            sd = entry["$!"]["rfc5424-sd"]
            assert sd == {options.sd_id: {k: spelled(str(v)) for k, v in record.to_dict().items()}}
        else:
            assert len(entry["structured-data"]) > 60000


def check_text_lines(data: bytes) -> None:
    """short/detailed: one line per record when split on LF."""
    assert len(lines_of(data)) == len(RECORDS)


def check_unknown(fmt: Format, data: bytes) -> None:
    """A format this test does not know (added later): at least one line per record, or for
    a binary format a table with one row per record."""
    if fmt.binary:
        pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
        assert pyarrow_parquet.read_table(io.BytesIO(data)).num_rows == len(RECORDS)
        return
    lines = lines_of(data)
    assert len(lines) == len(RECORDS)
    if all(line.startswith("{") for line in lines):
        for line in lines:
            json.loads(line)


CHECKERS: dict[str, Callable[[bytes], None]] = {
    "jsonl": check_jsonl,
    "csv": check_csv,
    "cef": check_cef,
    "leef": check_leef,
    "syslog": check_syslog,
    "short": check_text_lines,
    "detailed": check_text_lines,
}
#: formats that leave a Unicode line separator (U+2028, U+0085, ...) raw in their text:
#: not a break for LF-splitting shippers, but one for str.splitlines readers
UNICODE_BREAKS_KNOWN = {"csv": "RFC 4180 keeps line breaks inside quoted cells"}


def _formats() -> Iterator[str]:
    yield from registry()


@pytest.mark.parametrize("name", list(_formats()))
def test_hostile_values_read_back_by_independent_parsers(name: str) -> None:
    fmt = registry()[name]
    data = written(fmt)
    checker = CHECKERS.get(name)
    if checker is None:
        check_unknown(fmt, data)
    else:
        checker(data)


@pytest.mark.parametrize("name", [n for n in _formats() if not registry()[n].binary])
def test_no_unicode_line_break_survives(name: str, request: pytest.FixtureRequest) -> None:
    if name in UNICODE_BREAKS_KNOWN:
        request.applymarker(pytest.mark.xfail(reason=UNICODE_BREAKS_KNOWN[name], strict=True))
    text = written(registry()[name]).decode("utf-8", "surrogateescape")
    expected = len(RECORDS) + (1 if name == "csv" else 0)
    assert len(text.splitlines()) == expected


@pytest.mark.parametrize("delimiter", ["^", "x7E", "§"])
def test_leef_other_delimiters(delimiter: str) -> None:
    char = leef_format.LeefOptions.of({"delimiter": delimiter}).delimiter
    check_leef(written(registry()["leef"], delimiter=delimiter), delimiter=char)


def test_siem_outputs_are_valid_utf8_without_controls() -> None:
    for name in ("cef", "leef", "syslog"):
        text = written(registry()[name]).decode("utf-8")  # strict: no undecodable byte
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", text), name


def test_siem_formats_take_any_lone_surrogate() -> None:
    """The reader only makes U+DC80..U+DCFF, but a record built from JSON may hold any."""
    record = _record("login", {"*": "lone\ud800 and \udfff"})
    for name in ("cef", "leef", "syslog"):
        sink = io.BytesIO()
        registry()[name].write([record], sink)
        assert "lone\\ud800 and \\udfff" in sink.getvalue().decode("utf-8")
