"""``syslog+tcp://`` and ``syslog+tls://`` (and udp) as a route destination: the existing
forwarder (``syslog_net``), one record at a time, resuming from the destination's
checkpoint. Options ride in the URL's query (``?inner=cef&ca=F``): ``syslog_net``'s."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from seaudit.route.destination import DeliveryError, Entry
from seaudit.route.syslog_net import SyslogForwarder
from seaudit.route.wire import Batch


class SyslogDestination:
    wants_records = True

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        options = dict(parse_qsl(parts.query))
        options.setdefault("retries", "0")
        bare = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        self.forwarder = SyslogForwarder(bare, options)

    async def deliver(self, node: str, batch: Batch, entries: Sequence[Entry]) -> None:
        await asyncio.to_thread(self._send, entries)

    def _send(self, entries: Sequence[Entry]) -> None:
        for seq, record in entries:
            if not self.forwarder.send(record):
                raise DeliveryError(f"{self.url}: {self.forwarder.last_error}", seq - 1)

    async def close(self) -> None:
        await asyncio.to_thread(self.forwarder.close)
