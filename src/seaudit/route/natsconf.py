"""A nats-server configuration for routing, made from the endpoints and collectors it
serves: JetStream on a file store, TLS with client certificates, one user per endpoint
that may publish only under its own node's subject, collector users that may consume,
the monitoring port (loopback) and the log file from which ``seaudit collect --status``
reads what the server refused.

Each user is given by its credentials file (one line ``USER:PASSWORD``, as ``creds=``
takes it); an endpoint's user name is its node name (``route --node``). The generated file
holds the passwords, so it is written readable by its owner only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.store.location import NODE_NAME

_HOST_PORT = re.compile(r"(?P<host>[A-Za-z0-9.:\[\]-]+):(?P<port>\d{1,5})")


@dataclass(frozen=True, slots=True)
class User:
    name: str
    password: str

    @classmethod
    def from_file(cls, path: Path) -> User:
        try:
            line = path.read_text(encoding="utf-8").strip().splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError) as exc:
            raise UsageError(f"cannot read credentials file {path}: {exc}") from None
        name, sep, password = line.partition(":")
        if not sep or not name or not password:
            raise UsageError(f"{path}: expected one line USER:PASSWORD")
        return cls(name, password)


@dataclass(frozen=True, slots=True)
class ServerPlan:
    stream: str
    listen: str  # HOST:PORT
    store_dir: Path
    endpoints: Sequence[User]
    collectors: Sequence[User]
    cert: Path | None = None
    key: Path | None = None
    ca: Path | None = None
    monitor: str | None = None  # HOST:PORT of the monitoring endpoint
    log_file: Path | None = None  # where the server logs (its permission violations too)
    max_payload: str = "8MB"
    extra: Sequence[str] = field(default_factory=tuple)

    def check(self) -> None:
        for where in (self.listen, self.monitor):
            if where is not None and not _HOST_PORT.fullmatch(where):
                raise UsageError(f"{where!r} is not HOST:PORT")
        for user in self.endpoints:
            if not NODE_NAME.fullmatch(user.name):
                raise UsageError(f"endpoint user {user.name!r} is not a node name")
        names = [u.name for u in (*self.endpoints, *self.collectors)]
        if len(set(names)) != len(names):
            raise UsageError("a user name is given twice")
        if (self.cert is None) != (self.key is None):
            raise UsageError("TLS needs both a server certificate and its key")

    def render(self) -> str:
        """The configuration text (nats-server's format; strings JSON-quoted)."""
        self.check()
        q = json.dumps
        lines = [f"listen: {q(self.listen)}", f"max_payload: {self.max_payload}"]
        lines.append(f"jetstream {{ store_dir: {q(str(self.store_dir))} }}")
        if self.monitor is not None:
            lines.append(f"http: {q(self.monitor)}")
        if self.log_file is not None:
            lines.append(f"log_file: {q(str(self.log_file))}")
        if self.cert is not None:
            lines.append("tls {")
            lines.append(f"  cert_file: {q(str(self.cert))}")
            lines.append(f"  key_file: {q(str(self.key))}")
            if self.ca is not None:
                lines.append(f"  ca_file: {q(str(self.ca))}")
                lines.append("  verify: true")
            lines.append("}")
        lines.append("authorization { users: [")
        for user in self.endpoints:
            publish = [f"{self.stream}.{user.name}", f"$JS.API.STREAM.INFO.{self.stream}"]
            lines.append(_user(user, [*publish, "_INBOX.>"], ["_INBOX.>"]))
        for user in self.collectors:
            lines.append(_user(user, ["$JS.API.>", "$JS.ACK.>", "_INBOX.>"], ["_INBOX.>"]))
        lines.append("] }")
        lines.extend(self.extra)
        return "\n".join(lines) + "\n"


def _user(user: User, publish: list[str], subscribe: list[str]) -> str:
    q = json.dumps
    return (
        f"  {{ user: {q(user.name)}, password: {q(user.password)}, permissions: {{ "
        f"publish: {{ allow: {q(publish)} }}, subscribe: {{ allow: {q(subscribe)} }} }} }}"
    )


def write(plan: ServerPlan, path: Path) -> None:
    """Write the configuration readable by its owner only (it holds the passwords)."""
    text = plan.render()
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text, encoding="utf-8")
