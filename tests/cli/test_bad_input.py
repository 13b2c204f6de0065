"""``parse``, ``import`` and ``forward`` treat bad input the same way (the library's
``text.badinput``): every reject reported as ``FILE:LINE: reason``, one hint when a file starts
with rejects only, exit 1 when lines were rejected, and ``--strict`` (parse, forward) stopping
at the first reject. Real processes; forward sends over UDP to a loopback port."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from seaudit.text.badinput import HINT_AFTER
from tests.cli.test_store_cli import seaudit

GOOD = "28 Oct 2008 12:15:01 P LOGIN root 59 2 _CRONJOB_ SBIN_CRON"


def udp_url() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return f"syslog+udp://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture()
def junk_first(tmp_path: Path) -> Path:
    path = tmp_path / "web01.audit"
    lines = [f"junk line {i}" for i in range(HINT_AFTER + 5)] + [GOOD, "more junk", GOOD]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("verb", ["parse", "import", "forward"])
def test_every_verb_reports_bad_lines_the_same_way(
    junk_first: Path, tmp_path: Path, verb: str
) -> None:
    argv = {
        "parse": ["parse", str(junk_first)],
        "import": ["import", "--store", str(tmp_path / "store"), str(junk_first)],
        "forward": ["forward", udp_url(), str(junk_first)],
    }[verb]
    done = seaudit(*argv)
    assert done.returncode == 1, done.stderr
    err = done.stderr.decode()
    reported = re.findall(r"^.*web01\.audit:(\d+): ", err, flags=re.M)
    assert [int(n) for n in reported] == [*range(1, HINT_AFTER + 6), HINT_AFTER + 7]
    assert err.count("hint: the first") == 1


def test_strict_stops_forward_at_the_first_reject(tmp_path: Path) -> None:
    path = tmp_path / "a.audit"
    path.write_text("\n".join([GOOD, GOOD, "junk", GOOD]) + "\n", encoding="utf-8")
    done = seaudit("forward", "--strict", udp_url(), str(path))
    assert done.returncode == 1
    assert done.stdout.decode().startswith("sent 2 records")
    assert done.stderr.decode().count("a.audit:") == 1
