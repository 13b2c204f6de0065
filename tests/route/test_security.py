"""TLS with client certificates and per-endpoint NATS users: an endpoint may publish only
under its own node's subject (the server's permissions say so); a wrong node, a wrong
password or no client certificate is refused, counted, and stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.route.endpoints import assert_exactly, fill, stored
from tests.route.natsd import NatsServer, seaudit

ENDPOINT_PERMISSIONS = """{
  publish: { allow: ["audit.%s", "$JS.API.STREAM.INFO.audit", "_INBOX.>"] }
  subscribe: { allow: ["_INBOX.>"] }
}"""
COLLECTOR_PERMISSIONS = """{
  publish: { allow: ["$JS.API.>", "$JS.ACK.>", "_INBOX.>"] }
  subscribe: { allow: ["_INBOX.>"] }
}"""


@pytest.fixture
def secured(tmp_path: Path, certificates: Path) -> Iterator[NatsServer]:
    users = [
        f'{{ user: "web01", password: "pw-web01", permissions: {ENDPOINT_PERMISSIONS % "web01"} }}',
        f'{{ user: "central", password: "pw-central", permissions: {COLLECTOR_PERMISSIONS} }}',
    ]
    extra = (
        "tls {\n"
        f'  cert_file: "{certificates / "server.pem"}"\n'
        f'  key_file: "{certificates / "server.key"}"\n'
        f'  ca_file: "{certificates / "ca.pem"}"\n'
        "  verify: true\n"
        "}\n"
        "authorization { users: [\n" + "\n".join(users) + "\n] }\n"
    )
    server = NatsServer(tmp_path / "nats", extra=extra)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def creds(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.creds"
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


def route(tmp_path: Path, url: str, node: str) -> tuple[int, str]:
    """Route a new endpoint store of ``node`` (ten records) once; (exit status, output)."""
    ep = tmp_path / f"ep-{node}-{len(list(tmp_path.glob('ep-*')))}"
    fill(ep, node, 10)
    rules = tmp_path / f"{node}.cfg"
    rules.write_text(f"rule\nhost {url}\n.\n")
    ini = ep / "seos.ini"
    if "[selogrd]" not in ini.read_text():
        ini.write_text(ini.read_text() + "\n[selogrd]\nOnceRetries = 0\n")
    done = seaudit("route", "--config", str(ini), "--rules", str(rules), "--node", node, "--once")
    return done.returncode, done.stdout + done.stderr


def test_tls_and_users_let_each_endpoint_publish_only_as_itself(
    tmp_path: Path, secured: NatsServer, certificates: Path
) -> None:
    pem = certificates
    tls = f"ca={pem / 'ca.pem'}&cert={pem / 'client.pem'}&key={pem / 'client.key'}"
    central_creds = creds(tmp_path, "central", "central:pw-central")
    central = tmp_path / "central"
    collect = [
        "collect",
        "--store",
        str(central),
        "--from",
        secured.stream_url(),
        "--ca",
        str(certificates / "ca.pem"),
        "--cert",
        str(certificates / "client.pem"),
        "--key",
        str(certificates / "client.key"),
        "--creds",
        str(central_creds),
        "--until-idle",
        "1",
    ]
    seaudit(*collect, check=True)  # makes the stream: endpoints may not
    web01 = creds(tmp_path, "web01", "web01:pw-web01")
    code, out = route(tmp_path, secured.stream_url(query=f"{tls}&creds={web01}"), "web01")
    assert code == 0, out
    code, out = route(tmp_path, secured.stream_url(query=f"{tls}&creds={web01}"), "web02")
    assert code == 1 and "permissions violation" in out.lower() and "refused 1 times" in out
    wrong = creds(tmp_path, "wrong", "web01:guess")
    code, out = route(tmp_path, secured.stream_url(query=f"{tls}&creds={wrong}"), "web01")
    assert code == 1 and "authorization violation" in out.lower() and "refused 1 times" in out
    no_cert = f"ca={certificates / 'ca.pem'}&creds={web01}"
    code, out = route(tmp_path, secured.stream_url(query=no_cert), "web01")
    assert code == 1 and "FAILED" in out
    seaudit(*collect, check=True)
    assert_exactly(stored(central), {"web01": range(10)})
    report = seaudit("verify", "--nodes", "--store", str(central))
    assert report.returncode == 0 and "web02" not in report.stdout
    assert "pw-web01" not in out  # secrets never echoed


def test_secrets_are_not_taken_from_the_url(tmp_path: Path) -> None:
    code, out = route(tmp_path, "nats://user:secret@127.0.0.1:4222/audit", "n")
    assert code == 2 and "credentials in a file" in out and "Traceback" not in out
