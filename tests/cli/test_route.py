"""``seaudit route``, ``collect`` and ``verify --nodes`` on bad input: one clear line,
exit 2, never a traceback (real processes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.route.endpoints import fill
from tests.route.natsd import seaudit


@pytest.fixture
def endpoint(tmp_path: Path) -> Path:
    fill(tmp_path / "ep", "n", 3)
    return tmp_path / "ep"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["route", "--once"], "no route file: give --rules FILE"),
        (["route", "--once", "--rules", "/nonexistent.cfg"], "cannot read route file"),
        (["route", "--once", "--node", "bad name", "--rules", "RULES"], "not a host-like name"),
        (["collect", "--from", "nats://127.0.0.1:1/a", "--until-idle", "1"], "ConnectError"),
        (["collect", "--from", "gopher://x/a"], "is not nats://HOST:PORT/STREAM"),
        (["verify", "--nodes"], "no node state at"),
        (["verify", "--nodes", "--log", "x"], "--nodes reads a collector's store"),
    ],
)
def test_mistakes_are_one_clear_line(endpoint: Path, args: list[str], message: str) -> None:
    rules = endpoint / "r.cfg"
    rules.write_text("rule\nhost file:///dev/null\n.\n")
    argv = [a.replace("RULES", str(rules)) for a in args]
    where = ["--store", str(endpoint)] if "--log" not in argv else []
    done = seaudit(*argv[:1], *where, *argv[1:], timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
