"""The fast path is generated from the layout table: a layout added to a copy of the table is
read by the bulk path with no other change, free text and optional columns included; every
layout of the real table has templates, and they cover every ending."""

from __future__ import annotations

import io

from seaudit.schema.events import LAYOUTS, Layout, _labels
from seaudit.text.bulk import parse_batches
from seaudit.text.templates import plan

WIDGET = Layout(
    "widget_check",
    "Widget check",
    ("WIDGET",),
    "PD",
    ("event_name", "user", "session_id", "stage", "reason", "terminal", "audit_flags"),
    _labels("Event type", "User name", "Date", "Time", "Details", "Terminal", "Audit flags"),
    core=5,
)
#: a free-text layout whose text is followed by AuditFlags (as the admin command is)
NOTE = Layout(
    "operator_note",
    "Operator note",
    ("NOTE",),
    "P",
    ("event_name", "user", "stage", "command", "audit_flags"),
    _labels("Event type", "User name", "Date", "Time", "Details", "Command", "Audit flags"),
)
TABLE = (*LAYOUTS, WIDGET, NOTE)

LINES = [
    b"01 Jan 2024 10:00:00 P WIDGET root 69 2 tty1",
    b"01 Jan 2024 10:00:01 D WIDGET bob 4922ae61:00000132 55 3 pts/2 (OS user)",
    b"01 Jan 2024 10:00:02 P WIDGET carol 69 2",  # an early end after the core
    b"01 Jan 2024 10:00:03 P NOTE root 305 chres FILE /etc/x warning",
    b"01 Jan 2024 10:00:04 P NOTE root 305 cr file y (OS user)",
]


def _parse(layouts: tuple[Layout, ...]) -> tuple[list[dict[str, object]], int]:
    data = b"\n".join(LINES) + b"\n"
    rows: list[dict[str, object]] = []
    rejects = 0
    for batch in parse_batches(io.BytesIO(data), source="t", layouts=layouts):
        rows.extend(batch.frame.to_dicts())
        rejects += len(batch.rejects)
    return rows, rejects


def test_a_layout_added_to_a_copy_of_the_table_takes_the_fast_path() -> None:
    """Without the new layouts the lines are rejects or other events; with them every line is
    a record of the fast frame (the reference parser, which reads the real table, never saw
    them), with the values the table's order puts where they stand."""
    rows, rejects = _parse(LAYOUTS)
    assert rejects + len(rows) == len(LINES) and rejects >= 3
    assert not {r["event"] for r in rows} & {WIDGET.id, NOTE.id}
    rows, rejects = _parse(TABLE)
    assert rejects == 0
    got = [
        {k: v for k, v in row.items() if v is not None and k not in ("raw", "warnings")}
        for row in rows
    ]
    common = {"status": "P"}
    assert got[0] == {
        **common,
        "line": 1,
        "event": "widget_check",
        "timestamp": "2024-01-01T10:00:00",
        "event_name": "WIDGET",
        "user": "root",
        "stage": 69,
        "reason": 2,
        "terminal": "tty1",
        "audit_flags": "",
        "stage_message": "No step that allowed access",
    }
    assert got[1]["session_id"] == "4922ae61:00000132"
    assert got[1]["audit_flags"] == "(OS user)" and got[1]["status"] == "D"
    assert "terminal" not in got[2] and "audit_flags" not in got[2] and got[2]["reason"] == 2
    assert got[3]["command"] == "chres FILE /etc/x warning"
    assert got[3]["audit_flags"] == "" and got[3]["command_type"] == "Modify resource"
    assert got[4]["command"] == "cr file y" and got[4]["audit_flags"] == "(OS user)"
    assert [r["raw"] for r in rows] == [line.decode() for line in LINES]


def test_every_layout_and_ending_has_templates() -> None:
    for platform in (None, "unix", "windows"):
        fast = plan(platform)
        for layout in LAYOUTS:
            plats = ("unix", "windows") if layout.windows and platform is None else (platform,)
            for plat in plats:
                for ending in layout.endings(plat):
                    read = {
                        t.slots for t in fast.templates if t.layout is layout and t.platform == plat
                    }
                    keys = {k for k in ending.keys if k != "audit_flags"}
                    assert any(
                        {k for k, _ in slots} | {"trace", "command"} >= keys for slots in read
                    ), (layout.id, plat, ending)
