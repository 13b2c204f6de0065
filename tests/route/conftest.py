"""The rsyslogd fixture (see rsyslogd.py): skipped only when rsyslogd is not installed; the
nats-server fixture (natsd.py), which the dev extra always installs."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.route.natsd import NatsServer
from tests.route.rsyslogd import RSYSLOGD, Rsyslog, make_certificates


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed (Debian: apt-get install openssl)")
    directory = tmp_path_factory.mktemp("certificates")
    make_certificates(directory)
    return directory


@pytest.fixture
def rsyslog(tmp_path: Path, certificates: Path) -> Iterator[Rsyslog]:
    if RSYSLOGD is None:
        pytest.skip("rsyslogd is not installed (Debian: apt-get install rsyslog rsyslog-gnutls)")
    receiver = Rsyslog(tmp_path, certificates)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        server.kill()
