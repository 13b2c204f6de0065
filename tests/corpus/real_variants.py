"""The generator of ``real_variants.txt`` and the records expected from it (``.jsonl``).

Every layout x platform x padded/plain x with/without the session ID column x each way its
line may end (``Layout.endings``), with realistic values: Windows lines carry spaced names
(``NT AUTHORITY\\SYSTEM``) and spaced paths (``C:\\Program Files\\...``). The expected record is
built here from the values put on the line, not read back by the parser; its ``platform`` is
the one the printed values show (a backslash or a drive: Windows; a path from ``/``: UNIX),
which is what a reader without ``--platform`` can know.

Regenerate with ``python -m tests.corpus.real_variants`` (a test holds the files to it).
"""

from __future__ import annotations

import json
from pathlib import Path

from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LAYOUTS, Ending, Layout
from seaudit.schema.fields import FIELD_BY_KEY
from seaudit.schema.record import AuditRecord
from seaudit.text.short import render_short

HERE = Path(__file__).resolve().parent
TEXT = HERE / "real_variants.txt"
EXPECTED = HERE / "real_variants.jsonl"

#: positional values as the product prints them, per platform (the event's own values below)
VALUES: dict[str, dict[str, object]] = {
    "unix": {
        "user": "admabc",
        "session_id": "4922ae61:00000132",
        "access": "Read",
        "stage": 69,
        "reason": 3,
        "resource": "/tmp/one",
        "object": "/etc/hosts",
        "program": "/usr/local/bin/tcsh",
        "terminal": "localhost",
        "host": "computer.com",
        "service": "telnet",
        "effective_user": "root",
        "real_user": "john",
        "module": "seoswd",
        "message_id": "2",
        "file": "/usr/bin/passwd",
        "command": "newres FILE /tmp/one defaccess(r)",
        "trace": "FILE > (/bin/cat) Result: 'P' [stage=69]",
    },
    "windows": {
        "user": "NT AUTHORITY\\SYSTEM",
        "session_id": "00000000:172ef9ef",
        "access": "Read",
        "stage": 69,
        "reason": 3,
        "resource": "C:\\Documents and Settings\\john\\My Documents\\notes.txt",
        "object": "C:\\Program Files\\App",
        "program": "C:\\Program Files (x86)\\Vendor Tool\\tool.exe",
        "terminal": "WS042",
        "host": "db01.example.net",
        "service": "telnet",
        "effective_user": "MACHINE\\john",
        "real_user": "MACHINE\\john",
        "real_uid": "MACHINE\\Administrator",
        "module": "seoswd",
        "message_id": "2",
        "file": "C:\\Windows\\System32\\cmd.exe",
        "command": "newres FILE C:\\temp\\x.txt defaccess(r)",
        "trace": "FILE > (C:\\Windows\\explorer.exe) Result: 'P' [stage=69]",
    },
}
#: the event's own values (the class column, the daemon, the stage code table)
OWN: dict[str, dict[str, object]] = {
    "login": {"stage": 19, "reason": 2},
    "logout": {"stage": 49, "reason": 2},
    "login_enabled": {"stage": 19, "reason": 2},
    "login_disabled": {"stage": 5, "reason": 2},
    "password_attempt": {"stage": 8, "reason": 2},
    "startup": {"service": "seoswd"},
    "shutdown": {"service": "seosd", "stage": 0},
    "password_verification": {"stage": 9, "reason": 2},
    "db_admin": {"class": "FILE", "stage": 305, "reason": 2},
    "untrust": {"class": "PROGRAM", "stage": 1},
    "inbound_network": {"class": "TCP", "stage": 408, "reason": 2},
    "outbound_network": {"class": "TCP", "stage": 409, "reason": 2},
    "resource_access": {"class": "FILE"},
    "trace": {"class": "FILE"},
}
TIMESTAMP = "2024-03-04T06:21:28"


def _platform_shown(layout: Layout, record: AuditRecord, ending: Ending) -> str | None:
    """The platform the printed values show (free text aside), for the layouts that keep it."""
    if not layout.platform_dependent:
        return None
    values = {
        key: str(record.get(key))
        for key in ending.keys
        if record.get(key) is not None and FIELD_BY_KEY[key].kind != "text"
    }
    if any("\\" in v or v[1:2] == ":" for v in values.values()):
        return "windows"
    if any(v.startswith("/") for k, v in values.items() if FIELD_BY_KEY[k].kind == "path"):
        return "unix"
    return None


def variants() -> list[tuple[str, dict[str, object]]]:
    """(line, expected record as JSON) for every variant."""
    tables = default_tables()
    out: list[tuple[str, dict[str, object]]] = []
    for layout in LAYOUTS:
        for platform in ("unix", "windows"):
            for ending in layout.endings(platform):
                for sessionid in (False, True):
                    if sessionid and "session_id" not in ending.keys:
                        continue
                    for padded in (False, True):
                        out.append(_variant(layout, platform, ending, sessionid, padded, tables))
    return out


def _variant(
    layout: Layout,
    platform: str,
    ending: Ending,
    sessionid: bool,
    padded: bool,
    tables: CodeTables,
) -> tuple[str, dict[str, object]]:
    values = {**VALUES[platform], **OWN[layout.id]}
    kwargs: dict[str, object] = {
        "event": layout.id,
        "timestamp": TIMESTAMP,
        "status": layout.statuses[0],
    }
    for key in ending.keys:
        if key == "event_name":
            kwargs[key] = layout.words[0]
        elif key == "session_id":
            if sessionid:
                kwargs[key] = values[key]
        elif key == "audit_flags":
            shows = sessionid or not ending.complete  # both spellings appear in the corpus
            kwargs[key] = "(OS user)" if shows else ""
        else:
            kwargs[FIELD_BY_KEY[key].attr] = values[key]
    kwargs.update(tables.derived(layout, kwargs))  # the code tables' data, not the parser
    record = AuditRecord(**kwargs)  # type: ignore[arg-type]
    shown = _platform_shown(layout, record, ending)
    if shown is not None:
        record = record.replace(platform=shown)
    line = render_short(record, sessionid=sessionid, padded=padded, platform=platform)
    return line, record.to_dict()


def write() -> None:
    pairs = variants()
    TEXT.write_text("".join(line + "\n" for line, _ in pairs), "utf-8")
    EXPECTED.write_text(
        "".join(json.dumps(expected, ensure_ascii=False) + "\n" for _, expected in pairs),
        "utf-8",
    )


if __name__ == "__main__":
    write()
