"""Import reading: node names from file names, and line spans that add up."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaudit.schema.record import AuditRecord
from seaudit.store.ingest import Progress, node_from_name, read_items
from seaudit.text.detailed import render_detailed
from seaudit.text.reader import Reject
from seaudit.text.short import render_short


@pytest.mark.parametrize(
    ("name", "node"),
    [
        ("web01.audit", "web01"),
        ("/x/db01.example.com.audit", "db01.example.com"),
        ("web01_seaudit.txt", "web01"),
        ("web01-audit.log", "web01"),
        ("mail.seaudit", "mail"),
        ("sample.txt", None),
        ("audit.txt", None),
        ("-", None),
        ("web01.audit.gz", None),
    ],
)
def test_node_from_name(name: str, node: str | None) -> None:
    assert node_from_name(name) == node


REC = AuditRecord(
    event="login",
    timestamp="2024-05-15T09:00:00",
    status="D",
    event_name="LOGIN",
    user="bob",
    stage=59,
    reason=2,
    terminal="tty1",
    program="/bin/login",
    audit_flags="",
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("final", [True, False])
def test_spans_add_up(tmp_path: Path, newline: str, final: bool) -> None:
    block = render_detailed(REC, block=True).splitlines()
    lines = ["", render_short(REC), "", "", *block, "junk", render_short(REC), ""]
    path = tmp_path / "in.txt"
    text = newline.join(lines)
    path.write_bytes((text + (newline if final else "")).encode())
    progress = Progress()
    items = list(read_items(str(path), progress))
    assert [n for _, n in items] == [1, len(block), 1, 1]
    assert isinstance(items[2][0], Reject)
    assert progress.lines == len(lines) - (0 if final else 1)
    assert progress.lines == sum(n for _, n in items) + progress.blank_lines
