"""A real rsyslogd on loopback for the delivery tests: its own config, certificates and
output files in a temporary directory; no root daemon, no /dev/log.

Listeners: UDP and TCP on one port, TLS (anonymous clients) and TLS requiring a client
certificate signed by the test CA. Every message is written twice: ``raw.log`` holds
``%rawmsg%`` (the message exactly as received, one a line), ``parsed.log`` holds rsyslog's
own parse as JSON (``%jsonmesg%``, the structured data parsed by mmpstrucdata into ``$!``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RSYSLOGD = shutil.which("rsyslogd") or (
    "/usr/sbin/rsyslogd" if os.path.exists("/usr/sbin/rsyslogd") else None
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


_EC = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")  # fast to make


def make_certificates(directory: Path) -> None:
    """A CA, a server certificate for localhost/127.0.0.1 and a client certificate."""
    _openssl(
        "req",
        "-x509",
        *_EC,
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=seaudit test CA",
        cwd=directory,
    )
    (directory / "server.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name in ("server", "client"):
        _openssl(
            "req",
            *_EC,
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            f"/CN={'localhost' if name == 'server' else name}",
            cwd=directory,
        )
        extra = ["-extfile", "server.ext"] if name == "server" else []
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            *extra,
            cwd=directory,
        )


CONFIG = """\
global(workDirectory="{d}" maxMessageSize="2m"
       defaultNetstreamDriverCAFile="{d}/ca.pem"
       defaultNetstreamDriverCertFile="{d}/server.pem"
       defaultNetstreamDriverKeyFile="{d}/server.key")
module(load="imudp")
module(load="imtcp" maxSessions="200" maxFrameSize="2000000")
module(load="mmpstrucdata")
template(name="raw" type="string" string="%rawmsg%\\n")
template(name="parsed" type="string" string="%jsonmesg%\\n")
input(type="imudp" address="127.0.0.1" port="{udp}")
input(type="imtcp" address="127.0.0.1" port="{tcp}")
input(type="imtcp" address="127.0.0.1" port="{tls}" streamDriver.name="gtls"
      streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" address="127.0.0.1" port="{mtls}" streamDriver.name="gtls"
      streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
action(type="omfile" file="{d}/raw.log" template="raw")
action(type="mmpstrucdata")
action(type="omfile" file="{d}/parsed.log" template="parsed")
"""


@dataclass
class Rsyslog:
    directory: Path
    certificates: Path | None = None  # a directory made by make_certificates, to copy
    udp: int = field(default_factory=free_port)
    tcp: int = 0
    tls: int = field(default_factory=free_port)
    mtls: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.tcp = self.tcp or self.udp  # UDP and TCP share a port number
        if self.certificates is None:
            make_certificates(self.directory)
        else:
            for made in self.certificates.iterdir():
                shutil.copy(made, self.directory / made.name)
        d = self.directory
        self.config = d / "rsyslog.conf"
        self.config.write_text(
            CONFIG.format(d=d, udp=self.udp, tcp=self.tcp, tls=self.tls, mtls=self.mtls)
        )

    def url(self, kind: str) -> str:
        port = {"udp": self.udp, "tcp": self.tcp, "tls": self.tls, "mtls": self.mtls}[kind]
        scheme = "tls" if kind == "mtls" else kind
        return f"syslog+{scheme}://127.0.0.1:{port}"

    @property
    def ca(self) -> str:
        return str(self.directory / "ca.pem")

    def start(self) -> None:
        assert RSYSLOGD is not None
        pidfile = self.directory / "rsyslogd.pid"
        pidfile.unlink(missing_ok=True)
        with open(self.directory / "rsyslogd.err", "ab") as errors:
            self.process = subprocess.Popen(
                [RSYSLOGD, "-n", "-f", str(self.config), "-i", str(pidfile)],
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        deadline = time.monotonic() + 30
        for port in (self.tcp, self.tls, self.mtls):
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"rsyslogd exited: {self.errors()}")
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"rsyslogd does not listen on {port}") from None
                    time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def errors(self) -> str:
        path = self.directory / "rsyslogd.err"
        return path.read_text(errors="replace") if path.exists() else ""

    def _lines(self, name: str) -> list[str]:
        path = self.directory / name
        if not path.exists():
            return []
        data = path.read_bytes()
        complete = data[: data.rfind(b"\n") + 1]  # rsyslogd may be mid-way through a line
        return complete.decode("utf-8", "surrogateescape").splitlines()

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        """rsyslog's parse of the first ``count`` messages (waits until they, and their raw
        lines, are written)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self._lines("parsed.log")
            written = len(lines) >= count and len(self.raw()) >= count
            if written or time.monotonic() > deadline:
                return [json.loads(line) for line in lines]
            time.sleep(0.05)

    def raw(self) -> list[str]:
        return self._lines("raw.log")

    def clear(self) -> None:
        """Forget what arrived so far (rsyslog reopens its files)."""
        for name in ("raw.log", "parsed.log"):
            (self.directory / name).unlink(missing_ok=True)
        if self.process is not None:
            self.process.send_signal(signal.SIGHUP)
            time.sleep(0.2)
