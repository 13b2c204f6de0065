"""What nats-server refused, as the server itself counts it: ``seaudit collect --status``.

Two server-side sources, both on the server's machine:

- its monitoring endpoint (``http: 127.0.0.1:PORT`` in its configuration, see
  ``natsconf``): ``/connz?state=closed`` lists the connections it closed with the reason,
  so a sender with a wrong password or user (``Authentication Failure``, ``Authorization
  Violation``) or without a valid client certificate (``TLS Handshake Failure``) is counted
  by reason and address;
- its log file (``--server-log``): a publish or subscription outside a user's permissions
  (an endpoint writing under another node's subject) does not close the connection, so
  the server reports it only as a ``Publish Violation`` / ``Subscription Violation`` line,
  counted here by user and subject.

The monitoring endpoint keeps the last closed connections only (10,000 by default): the
counts are of those still listed.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from seaudit.errors import UsageError

#: closed-connection reasons that mean the server turned the client away
REFUSED = ("Authentication", "Authorization", "TLS Handshake")
_VIOLATION = re.compile(
    r'/user:(?P<user>[^"]*)" - (?P<kind>Publish|Subscription) Violation'
    r' - Subject "(?P<subject>[^"]*)"'
)
CLOSED_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class Refusals:
    closed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (reason, address)
    violations: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # kind, user, subj

    @property
    def total(self) -> int:
        return sum(self.closed.values()) + sum(self.violations.values())

    def lines(self) -> list[str]:
        out = [f"refused by the server: {self.total}"]
        out += [f"  {n:>6}  {reason} from {ip}" for (reason, ip), n in sorted(self.closed.items())]
        out += [
            f"  {n:>6}  {kind} Violation by user {user} on {subject}"
            for (kind, user, subject), n in sorted(self.violations.items())
        ]
        return out


def closed_refusals(monitor: str, timeout: float = 5.0) -> Counter[tuple[str, str]]:
    """Connections the server closed because it refused them, by (reason, address)."""
    parts = urlsplit(monitor)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{monitor!r} is not the server's monitoring URL (http://HOST:PORT)")
    url = f"{monitor.rstrip('/')}/connz?state=closed&limit={CLOSED_LIMIT}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            data = json.load(answer)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise UsageError(f"cannot read {url}: {exc}") from None
    counts: Counter[tuple[str, str]] = Counter()
    for conn in data.get("connections") or []:
        reason = str(conn.get("reason") or "")
        if reason.startswith(REFUSED):
            counts[(reason, str(conn.get("ip") or "?"))] += 1
    return counts


def log_violations(path: Path) -> Counter[tuple[str, str, str]]:
    """Permission violations the server logged, by (kind, user, subject)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if "Violation" in line and (m := _VIOLATION.search(line)):
                    counts[(m["kind"], m["user"], m["subject"])] += 1
    except OSError as exc:
        raise UsageError(f"cannot read the server log {path}: {exc.strerror}") from None
    return counts


def refusals(monitor: str | None, server_log: Path | None) -> Refusals:
    if monitor is None and server_log is None:
        raise UsageError("give --monitor URL (the server's http port) and/or --server-log FILE")
    return Refusals(
        closed_refusals(monitor) if monitor else Counter(),
        log_violations(server_log) if server_log else Counter(),
    )
