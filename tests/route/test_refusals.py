"""Senders nats-server turns away are counted by the server and shown by ``seaudit collect
--status``: a wrong password, no client certificate (closed by the server, read from its
monitoring port) and an endpoint publishing as another node (a permission violation, read
from the server's log), each by a real router against a real server set up by
``route.natsconf``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from seaudit.route.refusals import log_violations
from tests.route.endpoints import fill
from tests.route.natsd import SecureNats, seaudit


@pytest.fixture
def secure(tmp_path: Path, certificates: Path) -> Iterator[SecureNats]:
    nats = SecureNats(tmp_path / "nats", certificates, ("web01",))
    nats.server.start()
    try:
        nats.make_stream()
        yield nats
    finally:
        nats.server.kill()


def route_once(tmp_path: Path, url: str, node: str) -> int:
    ep = tmp_path / f"ep-{len(list(tmp_path.glob('ep-*')))}"
    fill(ep, node, 5)
    (ep / "selogrd.cfg").write_text(f"rule\nhost {url}\n.\n")
    ini = ep / "seos.ini"
    ini.write_text(ini.read_text() + "\n[selogrd]\nRouteFile = selogrd.cfg\nOnceRetries = 0\n")
    return seaudit("route", "--config", str(ini), "--node", node, "--once").returncode


def status(secure: SecureNats) -> str:
    done = seaudit(
        "collect",
        "--status",
        "--monitor",
        secure.monitor_url,
        "--server-log",
        str(secure.server.directory / "nats.log"),
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_wrong_senders_are_refused_and_counted_by_the_server(
    tmp_path: Path, secure: SecureNats
) -> None:
    before = counts(status(secure))  # the fixture's own readiness probes count already
    assert route_once(tmp_path, secure.endpoint_url("web01"), "web01") == 0  # allowed
    wrong = tmp_path / "wrong.creds"
    wrong.write_text("web01:guess\n")
    url = secure.server.stream_url(query=f"{secure.tls_query()}&creds={wrong}")
    assert route_once(tmp_path, url, "web01") == 1
    pem = secure.certificates
    no_cert = secure.server.stream_url(query=f"ca={pem / 'ca.pem'}&creds={secure.creds('web01')}")
    assert route_once(tmp_path, no_cert, "web01") == 1
    assert route_once(tmp_path, secure.endpoint_url("web01"), "web02") == 1  # not its subject
    out = status(secure)
    after = counts(out)
    for what in (
        "Authentication Failure from 127.0.0.1",
        "TLS Handshake Failure from 127.0.0.1",
        "Publish Violation by user web01 on audit.web02",
    ):
        assert after[what] > before[what], out
    assert int(out.splitlines()[0].rsplit(" ", 1)[1]) == sum(after.values())
    assert "pw-web01" not in out


def counts(out: str) -> Counter[str]:
    """``--status`` lines as {what: count}."""
    got: Counter[str] = Counter()
    for line in out.splitlines()[1:]:
        number, _, what = line.strip().partition("  ")
        got[what.strip()] = int(number)
    return got


def test_a_bad_monitor_url_or_log_is_a_clear_error(tmp_path: Path) -> None:
    done = seaudit("collect", "--status", "--monitor", "ftp://127.0.0.1:1")
    assert (
        done.returncode == 2 and "monitoring URL" in done.stderr and "Traceback" not in done.stderr
    )
    done = seaudit("collect", "--status", "--server-log", str(tmp_path / "missing.log"))
    assert done.returncode == 2 and "cannot read the server log" in done.stderr
    done = seaudit("collect", "--status")
    assert done.returncode == 2 and "--monitor" in done.stderr
    done = seaudit("collect")
    assert done.returncode == 2 and "--from" in done.stderr


def test_violation_lines_of_the_server_log_are_counted_by_user_and_subject(tmp_path: Path) -> None:
    log = tmp_path / "nats.log"
    violation = '"$G/user:web01" - Publish Violation - Subject "audit.web02"'
    log.write_text(
        f'[1] 2026/11/30 07:50:04 [ERR] 127.0.0.1:5 - cid:7 - "v2:python3" - {violation}\n'
        "[1] 2026/11/30 07:50:05 [INF] Server is ready\n"
        "not a server line at all \x1b[31m Violation\n"
        f"[1] x - {violation}\n"
    )
    assert log_violations(log) == {("Publish", "web01", "audit.web02"): 2}
