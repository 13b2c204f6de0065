"""Delivery of record streams to receivers, chosen by URL scheme.

::

    from seaudit.route import forward
    result = forward(records, "syslog+tcp://siem.example:514", inner="cef", retries=5)
    print(result)            # sent 1200 records to syslog+tcp://siem.example:514 (0 failed)

``records`` is any iterable: a file being parsed, a query result, a log being followed. Each
forwarder module declares the schemes it serves in ``SCHEMES`` and an ``open_forwarder(url,
options)``; ``FORWARDER_MODULES`` lists them (nothing is registered by import side effects).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Protocol
from urllib.parse import urlsplit

from seaudit.errors import UsageError
from seaudit.schema.record import AuditRecord

FORWARDER_MODULES: tuple[str, ...] = ("seaudit.route.syslog_net",)


@dataclass(frozen=True, slots=True)
class ForwardResult:
    """What a forwarding run achieved: records handed to the receiver, records given up."""

    url: str
    sent: int
    failed: int
    last_error: str | None = None

    def __str__(self) -> str:
        return f"sent {self.sent} records to {self.url} ({self.failed} failed)"


class Forwarder(Protocol):
    """An open connection to one receiver: ``send`` says whether the record went out."""

    def send(self, record: AuditRecord) -> bool: ...

    def close(self) -> None: ...

    @property
    def last_error(self) -> str | None: ...


@cache
def schemes() -> dict[str, ModuleType]:
    """URL scheme -> the forwarder module serving it."""
    found: dict[str, ModuleType] = {}
    for name in FORWARDER_MODULES:
        module = importlib.import_module(name)
        for scheme in module.SCHEMES:
            found[scheme] = module
    return found


def open_forwarder(url: str, **options: Any) -> Forwarder:
    scheme = urlsplit(url).scheme.lower()
    module = schemes().get(scheme)
    if module is None:
        raise UsageError(f"no forwarder for {url!r} (schemes: {', '.join(schemes())})")
    forwarder: Forwarder = module.open_forwarder(url, options)
    return forwarder


def forward(records: Iterable[AuditRecord], url: str, **options: Any) -> ForwardResult:
    """Send every record to the receiver at ``url``; a record that cannot be delivered after
    the forwarder's retries is counted as failed and the stream goes on."""
    forwarder = open_forwarder(url, **options)
    sent = failed = 0
    try:
        for record in records:
            if forwarder.send(record):
                sent += 1
            else:
                failed += 1
    finally:
        forwarder.close()
    return ForwardResult(url, sent, failed, forwarder.last_error)
