"""Syslog delivery: ``syslog+udp://``, ``syslog+tcp://`` and ``syslog+tls://HOST:PORT``.

Messages are RFC 5424 (``seaudit.export.syslog``; its options, such as ``inner``, apply).

- UDP (RFC 5426): one message per datagram, fire and forget.
- Size: a message longer than ``max_size`` octets is not sent and is counted as failed rather
  than cut (a cut message loses the end of its structured data). The default is 65507 for
  UDP (the IPv4 datagram limit) and 200000 for TCP/TLS: rsyslog's imtcp refuses a larger
  octet-counted frame by default (``maxFrameSize``) and then loses the framing of the rest
  of the connection. Raise it only together with the receiver's limit.
- TCP (RFC 6587 octet counting: ``LEN SP MSG``) and TLS (RFC 5425, same framing). Before
  each send the forwarder looks whether the receiver has closed the connection, and
  reconnects; a failed connect or send is retried ``retries`` times (default 3) with a backoff
  of ``backoff`` seconds (default 0.2) doubling up to 5 s. A record still not sent is counted
  as failed; the forwarder then stops waiting (one attempt per record, no sleep) until the
  receiver answers again, so a dead receiver costs seconds, not hours.
- What "sent" means: the message was accepted by this machine's TCP stack. Syslog has no
  application acknowledgement, so delivery is at most once: a record is never sent twice,
  and records sent in the moment a receiver dies (before its close reaches us) can be lost
  without being counted failed. A receiver that stops closes its connections, the forwarder
  sees the close before its next send and reconnects: no record is lost to a restart between
  two sends, only to one in the middle of the kernel's delivery.
- TLS options: ``ca`` (CA file to verify the receiver; default the system's CAs), ``cert``
  and ``key`` (client certificate, for receivers that require one), ``server_name`` (name to
  verify, default the URL's host), ``insecure=True`` (no verification: tests only).
"""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from seaudit.errors import UsageError
from seaudit.export.syslog import FORMAT as SYSLOG_FORMAT
from seaudit.schema.record import AuditRecord

SCHEMES: tuple[str, ...] = ("syslog+udp", "syslog+tcp", "syslog+tls")
DEFAULT_PORTS: dict[str, int] = {"syslog+udp": 514, "syslog+tcp": 514, "syslog+tls": 6514}
UDP_MAX = 65507
STREAM_MAX = 200_000
MAX_BACKOFF = 5.0

#: transport option -> help (the rest are the syslog format's options)
TRANSPORT_OPTIONS: dict[str, str] = {
    "retries": "attempts after the first for one record (default 3)",
    "backoff": "seconds before the first retry, doubling up to 5 (default 0.2)",
    "timeout": "seconds for a connect or a send (default 10)",
    "max_size": f"largest message in octets (default {UDP_MAX} UDP, {STREAM_MAX} TCP/TLS)",
    "ca": "TLS: CA file to verify the receiver",
    "cert": "TLS: client certificate file",
    "key": "TLS: client key file",
    "server_name": "TLS: name to verify (default the URL's host)",
    "insecure": "TLS: do not verify the receiver (tests only)",
}


@dataclass(frozen=True, slots=True)
class Policy:
    retries: int = 3
    backoff: float = 0.2
    timeout: float = 10.0
    max_size: int = STREAM_MAX

    @classmethod
    def of(cls, options: Mapping[str, Any], scheme: str) -> Policy:
        default_max = UDP_MAX if scheme == "syslog+udp" else STREAM_MAX
        try:
            policy = cls(
                retries=int(options.get("retries", 3)),
                backoff=float(options.get("backoff", 0.2)),
                timeout=float(options.get("timeout", 10.0)),
                max_size=int(options.get("max_size", default_max)),
            )
        except (TypeError, ValueError) as exc:
            raise UsageError(f"bad forwarding option: {exc}") from None
        if policy.retries < 0 or policy.backoff < 0 or policy.timeout <= 0:
            raise UsageError("retries and backoff must be >= 0 and timeout > 0")
        if scheme == "syslog+udp" and policy.max_size > UDP_MAX:
            raise UsageError(f"max_size over UDP cannot exceed {UDP_MAX}")
        return policy


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def tls_context(options: Mapping[str, Any]) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=options.get("ca"))
        if _truthy(options.get("insecure", False)):
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if options.get("cert"):
            context.load_cert_chain(options["cert"], options.get("key"))
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(f"cannot set up TLS: {exc}") from None
    return context


class SyslogForwarder:
    """One receiver; ``send`` formats, frames and delivers a record with bounded retry."""

    def __init__(self, url: str, options: Mapping[str, Any]) -> None:
        parts = urlsplit(url)
        self.scheme = parts.scheme.lower()
        if self.scheme not in SCHEMES or not parts.hostname:
            raise UsageError(f"{url!r} is not syslog+udp|tcp|tls://HOST[:PORT]")
        try:
            port = parts.port
        except ValueError:
            raise UsageError(f"{url!r} has a bad port") from None
        self.address = (parts.hostname, port or DEFAULT_PORTS[self.scheme])
        known = set(TRANSPORT_OPTIONS) | set(SYSLOG_FORMAT.options)
        unknown = sorted(set(options) - known)
        if unknown:
            raise UsageError(f"forwarding has no option {unknown[0]!r}")
        self.policy = Policy.of(options, self.scheme)
        self.render = SYSLOG_FORMAT.renderer(
            **{k: v for k, v in options.items() if k in SYSLOG_FORMAT.options}
        )
        self.context = tls_context(options) if self.scheme == "syslog+tls" else None
        self.server_name = str(options.get("server_name") or parts.hostname)
        self.sock: socket.socket | None = None
        self.down = False
        self.last_error: str | None = None

    # --- connection -------------------------------------------------------------------------

    def _connect(self) -> socket.socket:
        if self.scheme == "syslog+udp":
            family = socket.getaddrinfo(*self.address, type=socket.SOCK_DGRAM)[0][0]
            return socket.socket(family, socket.SOCK_DGRAM)
        sock = socket.create_connection(self.address, timeout=self.policy.timeout)
        if self.context is not None:
            try:
                sock = self.context.wrap_socket(sock, server_hostname=self.server_name)
            except BaseException:
                sock.close()
                raise
        return sock

    def _peer_closed(self, sock: socket.socket) -> bool:
        """Whether the receiver has closed (it never writes to us, so readable means closed)."""
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        try:
            sock.setblocking(False)
            data = sock.recv(1)
        except (ssl.SSLWantReadError, BlockingIOError):
            return False
        except OSError:
            return True
        finally:
            with contextlib.suppress(OSError):
                sock.settimeout(self.policy.timeout)
        return data == b""

    def _drop(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None

    # --- sending ----------------------------------------------------------------------------

    def framed(self, message: bytes) -> bytes:
        if self.scheme == "syslog+udp":
            return message
        return str(len(message)).encode("ascii") + b" " + message

    def _send_once(self, data: bytes) -> None:
        if self.sock is not None and self.scheme != "syslog+udp" and self._peer_closed(self.sock):
            self._drop()
        if self.sock is None:
            self.sock = self._connect()
        if self.scheme == "syslog+udp":
            self.sock.sendto(data, self.address)
        else:
            self.sock.sendall(data)

    def send(self, record: AuditRecord) -> bool:
        message = self.render(record)
        message = message if isinstance(message, bytes) else message.encode("utf-8")
        if len(message) > self.policy.max_size:
            self.last_error = (
                f"message of {len(message)} octets is over max_size {self.policy.max_size}"
            )
            return False
        data = self.framed(message)
        attempts = 1 if self.down else 1 + self.policy.retries
        delay = self.policy.backoff
        for attempt in range(attempts):
            if attempt:
                time.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
            try:
                self._send_once(data)
            except (OSError, ssl.SSLError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                self._drop()
                continue
            self.down = False
            return True
        self.down = True
        return False

    def close(self) -> None:
        """Say goodbye properly (TLS close_notify, TCP FIN) so the receiver keeps it all."""
        try:
            if isinstance(self.sock, ssl.SSLSocket):
                self.sock.settimeout(min(self.policy.timeout, 2.0))
                self.sock = self.sock.unwrap()
            if self.sock is not None and self.scheme != "syslog+udp":
                self.sock.shutdown(socket.SHUT_WR)
        except (OSError, ValueError):
            pass
        self._drop()


def open_forwarder(url: str, options: Mapping[str, Any]) -> SyslogForwarder:
    return SyslogForwarder(url, options)
