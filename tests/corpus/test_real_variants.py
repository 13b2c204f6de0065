"""Real seaudit output in all its variants (``real_variants.txt``: every layout x platform x
padded/plain x with/without session ID x each allowed early end, Windows names and paths with
spaces) parses to the records listed beside it (``real_variants.jsonl``), in the reference
reader and in the bulk path, without warnings, and renders back to the same line."""

from __future__ import annotations

import json

from seaudit.schema.events import LAYOUTS
from seaudit.schema.record import AuditRecord
from seaudit.text.bulk import parse_batches, records_of
from seaudit.text.reader import Reject, read_file
from seaudit.text.short import render_short
from tests.corpus.real_variants import EXPECTED, TEXT, variants


def expected() -> list[dict[str, object]]:
    return [json.loads(line) for line in EXPECTED.read_text("utf-8").splitlines()]


def test_the_files_are_what_the_generator_makes() -> None:
    pairs = variants()
    assert TEXT.read_text("utf-8").splitlines() == [line for line, _ in pairs]
    assert expected() == [record for _, record in pairs]


def test_every_layout_and_every_early_end_is_in_the_corpus() -> None:
    lines = TEXT.read_text("utf-8").splitlines()
    events = [record["event"] for record in expected()]
    for layout in LAYOUTS:
        for platform in ("unix", "windows"):
            assert len(layout.endings(platform)) >= 1
        ends = {len(e.keys) for p in ("unix", "windows") for e in layout.endings(p)}
        assert events.count(layout.id) >= 2 * len(ends)  # padded and plain at least
    assert any("NT AUTHORITY\\SYSTEM" in line for line in lines)
    assert any("C:\\Program Files (x86)\\Vendor Tool\\tool.exe" in line for line in lines)
    early = [r for r in expected() if r["event"] == "resource_access" and "terminal" not in r]
    assert early  # lines that stop before Terminal


def test_the_reference_reader_gives_the_expected_records() -> None:
    items = list(read_file(str(TEXT)))
    assert not [i for i in items if isinstance(i, Reject)]
    records = [i for i in items if isinstance(i, AuditRecord)]
    assert [r.to_dict() for r in records] == expected()
    assert all(r.warnings == () for r in records)


def test_the_bulk_path_gives_the_expected_records() -> None:
    with TEXT.open("rb") as stream:
        batches = list(parse_batches(stream, source=str(TEXT)))
    assert not [r for b in batches for r in b.rejects]
    records = [r for b in batches for r in records_of(b)]
    assert [r.to_dict() for r in records] == expected()
    assert all(r.warnings == () for r in records)


def test_every_line_renders_back_with_the_same_columns() -> None:
    lines = TEXT.read_text("utf-8").splitlines()
    for line, record in zip(lines, expected(), strict=True):
        parsed = AuditRecord.from_dict(record)
        windows = "windows" if "\\" in line else None
        shown = {
            render_short(parsed, sessionid=s, padded=p, platform=windows)
            for s in (False, True)
            for p in (False, True)
        }
        assert line in shown
        assert " - " not in line and not line.endswith(" -")
