"""Where a NATS JetStream destination or source is, and how to reach it safely.

``nats://HOST:PORT/NAME[?ca=F&cert=F&key=F&creds=F]``: NAME is the stream (subjects
``NAME.<node>``). TLS is used when a CA or a client certificate is given. ``creds`` is a
file: a NATS ``.creds`` file (JWT and seed), or one line ``USER:PASSWORD``. Secrets come
from files only, never from a command line or a URL's user part.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from seaudit.errors import SeauditError, UsageError

if TYPE_CHECKING:
    from nats.aio.client import Client

STREAM_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
DEFAULT_PORT = 4222
OPTIONS = ("ca", "cert", "key", "creds", "batch", "server_name")
CONNECT_WAIT = 10.0


class ConnectError(SeauditError):
    """The NATS server cannot be reached or refuses us (TLS, credentials, permissions)."""

    hint = "Check that nats-server runs there, and the CA, certificate and credentials files."


@dataclass(frozen=True, slots=True)
class NatsTarget:
    host: str
    port: int
    stream: str
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    creds: Path | None = None
    server_name: str | None = None
    batch: int = 0  # records per message (0: the router's default)
    errors: list[str] = field(default_factory=list, compare=False)

    @classmethod
    def parse(cls, url: str) -> NatsTarget:
        parts = urlsplit(url)
        if parts.scheme != "nats" or not parts.hostname:
            raise UsageError(f"{url!r} is not nats://HOST:PORT/STREAM")
        if parts.username or parts.password:
            raise UsageError(f"{url!r}: put credentials in a file (creds=FILE), not in the URL")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise UsageError(f"{url!r} has a bad port") from None
        stream = parts.path.strip("/")
        if not STREAM_NAME.fullmatch(stream):
            raise UsageError(f"{url!r}: the stream name must be letters, digits, '-' or '_'")
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = sorted(set(options) - set(OPTIONS))
        if unknown:
            raise UsageError(f"{url!r}: no option {unknown[0]!r} ({', '.join(OPTIONS)})")
        batch = options.pop("batch", "0")
        if not batch.isdigit():
            raise UsageError(f"{url!r}: batch must be a whole number of records")
        ca, cert, key, creds = (options.get(k) for k in ("ca", "cert", "key", "creds"))
        return cls(
            parts.hostname,
            port,
            stream,
            ca=Path(ca) if ca else None,
            cert=Path(cert) if cert else None,
            key=Path(key) if key else None,
            creds=Path(creds) if creds else None,
            server_name=options.get("server_name"),
            batch=int(batch),
        )

    def with_files(
        self,
        ca: str | None = None,
        cert: str | None = None,
        key: str | None = None,
        creds: str | None = None,
    ) -> NatsTarget:
        """This target with the files given on a command line (None: keep the URL's)."""
        return replace(
            self,
            ca=Path(ca) if ca else self.ca,
            cert=Path(cert) if cert else self.cert,
            key=Path(key) if key else self.key,
            creds=Path(creds) if creds else self.creds,
        )

    @property
    def tls(self) -> bool:
        return self.ca is not None or self.cert is not None

    @property
    def server(self) -> str:
        return f"{'tls' if self.tls else 'nats'}://{self.host}:{self.port}"

    def subject(self, node: str) -> str:
        return f"{self.stream}.{node}"

    def ssl_context(self) -> ssl.SSLContext:
        try:
            context = ssl.create_default_context(cafile=str(self.ca) if self.ca else None)
            if self.cert is not None:
                context.load_cert_chain(str(self.cert), str(self.key) if self.key else None)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot set up TLS to {self.host}:{self.port}: {exc}") from None
        return context

    def connect_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"servers": [self.server]}
        if self.tls:
            options["tls"] = self.ssl_context()
            options["tls_hostname"] = self.server_name or self.host
        if self.creds is not None:
            options.update(_credentials(self.creds))
        return options

    async def connect(self, wait: float = CONNECT_WAIT, **extra: Any) -> Client:
        """A connection that reconnects on its own once made; the first one is tried for
        ``wait`` seconds. Client errors are kept in ``errors`` rather than printed."""
        import asyncio
        import logging

        import nats

        # asyncio's own notes on TLS shutdowns are not ours to show
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)

        async def quiet(exc: Exception) -> None:
            self.errors.append(f"{type(exc).__name__}: {exc}")
            del self.errors[:-10]

        options = {
            "connect_timeout": 2,
            "allow_reconnect": True,
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": 0.5,
            "error_cb": quiet,
            **self.connect_options(),
            **extra,
        }
        try:
            return await asyncio.wait_for(nats.connect(**options), wait)
        except Exception as exc:
            refusals = [e for e in self.errors if "violation" in e.lower()]
            why = (refusals or self.errors or [f"{type(exc).__name__}: {exc}"])[-1]
            raise ConnectError(f"cannot reach {self.server}: {why}") from None


def _credentials(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read credentials file {path}: {exc}") from None
    if "BEGIN NATS USER JWT" in text:
        return {"user_credentials": str(path)}
    line = text.strip().splitlines()[0] if text.strip() else ""
    user, sep, password = line.partition(":")
    if not sep or not user:
        raise UsageError(f"{path}: expected a NATS .creds file or one line USER:PASSWORD")
    return {"user": user, "password": password}
