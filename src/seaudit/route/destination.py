"""Destinations of ``seaudit route``, by URL scheme; each acknowledges a batch or fails.

A batch is one node's chain links after the seq it was read from (``wire.Batch``: the
links of ``log.links``, column by column), in seq order, and the records among them that
the route selected, with their seqs. ``deliver`` returns once
the destination holds the whole batch (NATS: every PubAck; a file: fsync; a command: exit
status 0; syslog: the kernel took it) or raises ``DeliveryError`` with ``upto``, the last
seq it did take.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from seaudit.errors import SeauditError
from seaudit.schema.record import AuditRecord

if TYPE_CHECKING:
    from seaudit.route.wire import Batch

Entry = tuple[int, AuditRecord]


class DeliveryError(SeauditError):
    """A destination did not take a whole batch; ``upto`` is the last seq it did take;
    ``refused``: it turned us away (credentials, permissions) rather than failed."""

    def __init__(self, message: str, upto: int = 0, *, refused: bool = False) -> None:
        super().__init__(message)
        self.upto = upto
        self.refused = refused


class Destination(Protocol):
    url: str
    #: whether it needs the records (False: only the links, as NATS carries them)
    wants_records: bool

    async def deliver(self, node: str, batch: Batch, entries: Sequence[Entry]) -> None: ...

    async def close(self) -> None: ...


def open_destination(url: str, fmt: str = "jsonl") -> Destination:
    """The destination for ``url`` (nothing is connected before the first delivery)."""
    if url.startswith("nats://"):
        from seaudit.route.nats_dest import NatsDestination

        return NatsDestination(url)
    if url.startswith("file://"):
        from seaudit.route.file_dest import FileDestination

        return FileDestination(url)
    if url.startswith("exec:"):
        from seaudit.route.exec_dest import ExecDestination

        return ExecDestination(url, fmt)
    from seaudit.route.syslog_dest import SyslogDestination

    return SyslogDestination(url)
