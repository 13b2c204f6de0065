"""Our parser and grouper against ausearch (the auditd package's own reader) on the same
recorded logs: the same events, the same results, the same decoded paths and programs."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from seaudit.agent import syscalls
from seaudit.agent.decode import execve_args, text
from seaudit.agent.group import Event, Grouper
from seaudit.agent.parse import parse_line

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd"
#: every recorded log, rotated ones (``NAME.log.1``) included
LOGS = sorted(p for p in CORPUS.iterdir() if re.search(r"\.log(\.\d+)?$", p.name))


def _ausearch(*args: str) -> str:
    """ausearch's output as text (bytes that are not UTF-8 kept as surrogates)."""
    return _ausearch_bytes(*args).decode("utf-8", "surrogateescape")


def _ausearch_bytes(*args: str) -> bytes:
    if shutil.which("ausearch") is None:
        pytest.fail("ausearch is missing: scripts/test installs the auditd package")
    return subprocess.run(["ausearch", *args], capture_output=True, timeout=60).stdout


def _as_ausearch_prints(value: str) -> bytes:
    """A value as ``ausearch -i`` prints it: its bytes, controls as octal escapes."""
    return b"".join(
        b"\\%03o" % b if b < 0x20 or b == 0x7F else bytes([b])
        for b in value.encode("utf-8", "surrogateescape")
    )


def _printed(value: str) -> str:
    return _as_ausearch_prints(value).decode("utf-8", "surrogateescape")


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
        how = row["HOW"]  # the program, or for an identity change the syscall's name
        assert text("exe", call.get("exe") or "?") == how or how in ("", *syscalls.SETUID)
        if row["OBJ_KIND"] == "file" and row["ACTION"] == "opened-file":
            names = [  # ausearch prints a control character as an octal escape
                _printed(text("name", p.get("name") or "?") or "") for p in event.all("PATH")
            ]
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
            ours.append(_printed(value.replace("\x00", " ")).rstrip())
    assert expected
    assert sorted(ours) == expected


_ARG = re.compile(rb" a(\d+)(_len|\[\d+\])?=")


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_execve_arguments_decode_as_ausearch_interprets_them(path: Path) -> None:
    """Quoted, hex-encoded and split (``aN_len``, ``aN[i]``) arguments: ours against the
    arguments ``ausearch -i`` prints for each EXECVE record of the event."""
    pieces: dict[str, dict[tuple[int, int], bytes]] = {}
    for line in _ausearch_bytes("-if", str(path), "-i", "-m", "EXECVE").splitlines():
        if b" type=EXECVE " not in line:
            continue
        line = line.removesuffix(b" ")  # ausearch ends each record with a space
        stamp = line.split(b"msg=audit(", 1)[1].split(b")", 1)[0].rsplit(b":", 1)[1]
        args = pieces.setdefault(stamp.decode(), {})
        found = list(_ARG.finditer(line))
        for here, after in zip(found, [*found[1:], None], strict=True):
            value = line[here.end() : after.start() if after else len(line)]
            index, piece = int(here.group(1)), here.group(2) or b"[0]"
            if piece != b"_len":  # aN_len gives the length of the pieces that follow
                args[(index, int(piece[1:-1]))] = value
    # ausearch -i prints an event's records last first: pieces are put in order by number
    expected = {
        serial: {i: b"".join(v for (j, _), v in sorted(found.items()) if j == i) for i, _ in found}
        for serial, found in pieces.items()
    }
    ours: dict[str, dict[int, bytes]] = {}
    for event in _events(path):
        records = event.all("EXECVE")
        if records:
            fields: dict[str, str] = {}
            for record in records:
                fields.update(record.as_dict())
            decoded = execve_args(fields)
            ours[str(event.id.serial)] = {i: _as_ausearch_prints(a) for i, a in enumerate(decoded)}
    assert ours == expected
    if path.name == "rotated.log":  # the odd stage ran after the rotation
        assert any(len(args) > 5 for args in ours.values())  # the odd arguments are there
