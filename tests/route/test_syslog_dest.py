"""A syslog route destination (the existing forwarder) resumes from its checkpoint: a real
rsyslogd receives every record once over two runs, over TCP and over TLS."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.route.endpoints import fill
from tests.route.natsd import seaudit
from tests.route.rsyslogd import Rsyslog


@pytest.mark.parametrize("kind", ["tcp", "tls"])
def test_resumes_from_the_checkpoint(tmp_path: Path, rsyslog: Rsyslog, kind: str) -> None:
    ep = tmp_path / "ep"
    fill(ep, "sys1", 40)
    url = rsyslog.url(kind) + (f"?ca={rsyslog.ca}" if kind == "tls" else "")
    rules = tmp_path / "r.cfg"
    rules.write_text(f"rule\nhost {url}\n.\n")
    for start, count in ((0, 40), (40, 25)):
        if start:
            fill(ep, "sys1", count, start=start)
        args = ["route", "--store", str(ep), "--rules", str(rules), "--node", "sys1", "--once"]
        done = seaudit(*args)
        assert done.returncode == 0, done.stderr
        assert f"{count} records sent" in done.stdout
    deadline = time.monotonic() + 30
    while len(rsyslog.raw()) < 65 and time.monotonic() < deadline:
        time.sleep(0.05)
    raw = "\n".join(rsyslog.raw())
    assert len(rsyslog.raw()) == 65
    assert all(raw.count(f'terminal="sys1/{i}"') == 1 for i in range(65))
