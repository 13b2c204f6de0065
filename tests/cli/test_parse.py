"""``seaudit parse`` run as a real process on real files: output formats, exit codes, the
``FILE:LINE: reason`` reports, the rejects file byte for byte, standard input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from seaudit.export.jsonl import dumps
from seaudit.schema.record import AuditRecord
from seaudit.text.reader import read_file

SRC = Path(__file__).resolve().parents[2] / "src"
LOGIN = b"28 Oct 2008 12:15:01 P LOGIN root 59 2 tty1 /bin/login"
RESOURCE = b"18 Nov 2008 15:23:56 D FILE admabc Read 69 3 /tmp/one /bin/sh localhost admabc"
TRACE = (
    b"10 Nov 2008 10:14:53 P TRACE MACHINE\\Administrator MACHINE\\john MACHINE\\john "
    b"WINSERVICE _default 1059 WINSERVICE > (C:\\x.exe) Result: 'P'"
)


def seaudit(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "seaudit", "parse", *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    path = tmp_path / "audit.txt"
    path.write_bytes(
        b"\n".join(
            [
                LOGIN,
                b"garbage \xff\xfe line with \x1b[31m escape",
                RESOURCE,
                b"31 Feb 2009 10:00:00 P LOGIN root 59 2 tty1 /bin/login",
                TRACE,
                b"",
            ]
        )
    )
    return path


def test_jsonl_equals_reference_records_and_rejects_go_to_stderr(
    mixed: Path, tmp_path: Path
) -> None:
    rejects = tmp_path / "rejects.txt"
    done = seaudit(str(mixed), "--rejects", str(rejects))
    assert done.returncode == 1
    expected = [dumps(i) for i in read_file(str(mixed)) if isinstance(i, AuditRecord)]
    assert done.stdout.splitlines() == expected
    assert len(expected) == 3
    err = done.stderr.decode().splitlines()
    assert err[0].startswith(f"{mixed}:2: ")
    assert err[1].startswith(f"{mixed}:4: not a valid date and time")
    assert "\x1b" not in done.stderr.decode()  # a terminal cannot be attacked through reasons
    assert rejects.read_bytes() == (
        b"garbage \xff\xfe line with \x1b[31m escape\n"
        b"31 Feb 2009 10:00:00 P LOGIN root 59 2 tty1 /bin/login\n"
    )


def test_all_good_exits_0_and_stdin_is_read(tmp_path: Path) -> None:
    data = LOGIN + b"\n" + RESOURCE + b"\n"
    for args in ((), ("-",)):
        done = seaudit(*args, stdin=data)
        assert done.returncode == 0, done.stderr
        assert [json.loads(x)["event"] for x in done.stdout.splitlines()] == [
            "login",
            "resource_access",
        ]
        assert done.stderr == b""


@pytest.mark.parametrize("fmt", ["csv", "short", "detailed"])
def test_other_formats(mixed: Path, fmt: str) -> None:
    done = seaudit(str(mixed), "--to", fmt)
    assert done.returncode == 1
    out = done.stdout.decode()
    if fmt == "short":
        assert out.splitlines()[0] == LOGIN.decode()
        assert out.splitlines()[1] == RESOURCE.decode()
    elif fmt == "csv":
        assert out.splitlines()[0].startswith("event,timestamp,status")
        assert len(out.splitlines()) == 4
    else:
        assert "Event: Login event" in out


def test_platform_and_sessionid_options(tmp_path: Path) -> None:
    path = tmp_path / "w.txt"
    path.write_bytes(TRACE + b"\n")
    auto = json.loads(seaudit(str(path)).stdout)
    assert auto["platform"] == "windows" and auto["real_uid"] == "MACHINE\\john"
    unix = json.loads(seaudit(str(path), "--platform", "unix").stdout)
    assert unix["platform"] == "unix" and unix["effective_user"] == "MACHINE\\john"
    session = b"28 Oct 2008 12:15:01 P LOGIN root 49047159:0000034b 59 2 tty1 /bin/login\n"
    path.write_bytes(session)
    assert seaudit(str(path), "--to", "short").stdout == LOGIN + b"\n"
    assert seaudit(str(path), "--to", "short", "--sessionid").stdout == session


def test_missing_file_and_usage_errors_exit_2_without_traceback(
    mixed: Path, tmp_path: Path
) -> None:
    done = seaudit(str(tmp_path / "nope.txt"), str(mixed))
    assert done.returncode == 2
    assert b"cannot read" in done.stderr and b"No such file" in done.stderr
    assert b"Traceback" not in done.stderr
    assert len(done.stdout.splitlines()) == 3  # the readable file is still converted
    for args in (("--to", "nosuch"), ("--platform", "beos"), ("--to", "csv", "--padded")):
        done = seaudit(str(mixed), *args)
        assert done.returncode == 2, args
        assert b"Traceback" not in done.stderr


def test_strict_stops_at_the_first_reject(mixed: Path) -> None:
    done = seaudit(str(mixed), "--strict")
    assert done.returncode == 1
    assert [json.loads(x)["event"] for x in done.stdout.splitlines()] == ["login"]
    assert len(done.stderr.splitlines()) == 1


def test_hint_after_many_rejects_at_the_start(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"".join(b"just some prose line %d\n" % i for i in range(30)) + LOGIN)
    done = seaudit(str(path))
    assert done.returncode == 1
    err = done.stderr.decode()
    assert err.count("hint:") == 1 and "is it seaudit output" in err
    assert len(done.stdout.splitlines()) == 1


def test_over_long_and_binary_input(tmp_path: Path) -> None:
    path = tmp_path / "bin.dat"
    binary = bytes(b for b in range(256) if b != 10) * 50
    path.write_bytes(binary + b"\n" + b"A" * (3 << 20) + b"\n" + LOGIN + b"\n")
    done = seaudit(str(path))
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert b":2: line longer than" in done.stderr
    assert [json.loads(x)["event"] for x in done.stdout.splitlines()] == ["login"]
