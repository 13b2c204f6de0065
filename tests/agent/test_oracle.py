"""Our parser and grouper against ausearch (the auditd package's own reader) on the same
recorded logs: the same events, the same results, the same decoded paths and programs."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from seaudit.agent.decode import text
from seaudit.agent.group import Event, Grouper
from seaudit.agent.parse import parse_line

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd"
LOGS = sorted(CORPUS.glob("*.log"))


def _ausearch(*args: str) -> str:
    if shutil.which("ausearch") is None:
        pytest.fail("ausearch is missing: scripts/test installs the auditd package")
    done = subprocess.run(["ausearch", *args], capture_output=True, text=True, timeout=60)
    return done.stdout


def _events(path: Path) -> list[Event]:
    g = Grouper()
    out: list[Event] = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        out += g.feed(parse_line(line, number=number))
    return out + g.drain()


def test_the_corpus_is_there() -> None:
    assert LOGS, f"no recorded audit logs in {CORPUS}"


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_same_events_results_paths_and_programs_as_ausearch_csv(path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_ausearch("-if", str(path), "--format", "csv"))))
    assert rows
    ours = {e.id.serial: e for e in _events(path)}
    assert {int(r["SERIAL_NUM"]) for r in rows} == set(ours)
    for row in rows:
        event = ours[int(row["SERIAL_NUM"])]
        assert event.records[0].type == row["EVENT"] or event.first(row["EVENT"]) is not None
        call = event.first("SYSCALL")
        if call is None:
            continue
        assert (call.get("success") == "yes") == (row["RESULT"] == "success")
        assert text("exe", call.get("exe") or "?") == row["HOW"] or row["HOW"] in (
            "",
            "setuid",
        )
        if row["OBJ_KIND"] == "file" and row["ACTION"] == "opened-file":
            names = [text("name", p.get("name") or "?") for p in event.all("PATH")]
            assert row["OBJ_PRIME"] in names


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_hex_values_decode_as_ausearch_interprets_them(path: Path) -> None:
    interpreted = _ausearch("-if", str(path), "-i", "-m", "PROCTITLE")
    expected = sorted(
        line.split(" proctitle=", 1)[1].rstrip()
        for line in interpreted.splitlines()
        if " proctitle=" in line
    )
    ours = []
    for event in _events(path):
        for record in event.all("PROCTITLE"):
            value = text("proctitle", record.get("proctitle") or "?") or ""
            ours.append(value.replace("\x00", " ").rstrip())
    assert expected
    assert sorted(ours) == expected
