"""``nats://HOST:PORT/NAME``: links published to JetStream, acknowledged by PubAcks.

The stream NAME (subjects ``NAME.>``, file storage, a 10-minute duplicate window) is created
when missing. A batch goes out as messages of up to ``batch`` links (default 1000, and
at most ``MESSAGE_BYTES`` of payload unless one record alone is more) on
``NAME.<node>``, all published before any acknowledgement is awaited; each message's id is
``node:first-last`` so the stream drops an exact resend, and the collector drops the rest
of any overlap by (node, seq).
"""

from __future__ import annotations

import asyncio
import contextlib
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from seaudit.route.destination import DeliveryError, Entry
from seaudit.route.natsconn import ConnectError, NatsTarget
from seaudit.route.wire import Batch, encode

if TYPE_CHECKING:
    from nats.aio.client import Client

DEFAULT_BATCH = 1000
MESSAGE_BYTES = 512 * 1024  # half nats-server's default max_payload (1 MB)
ACK_TIMEOUT = 10.0
CONNECT_WAIT = 3.0
DUPLICATE_WINDOW = 600.0


class NatsDestination:
    wants_records = False

    def __init__(self, url: str, target: NatsTarget | None = None) -> None:
        self.url = url
        self.target = target or NatsTarget.parse(url)
        self.per_message = self.target.batch or DEFAULT_BATCH
        self._nc: Client | None = None
        self._js: Any = None

    async def _ready(self) -> Any:
        if self._nc is None or self._nc.is_closed:
            try:
                self._nc = await self.target.connect(wait=CONNECT_WAIT, max_reconnect_attempts=0)
            except ConnectError as exc:
                self._nc = None
                raise DeliveryError(str(exc), refused=_refusal(str(exc))) from None
            self._js = self._nc.jetstream(publish_async_max_pending=100_000)
            await ensure_stream(self._js, self.target.stream)
        return self._js

    async def deliver(self, node: str, batch: Batch, entries: Sequence[Entry]) -> None:
        js = await self._ready()
        subject = self.target.subject(node)
        futures: list[asyncio.Future[Any]] = []
        ends: list[int] = []
        try:
            for start, stop in self._messages(batch):
                part = batch.part(start, stop, ends[-1] if ends else batch.prev_seq)
                msg_id = f"{node}:{part.firsts[0]}-{part.seqs[-1]}"
                futures.append(
                    await js.publish_async(subject, encode(part), headers={"Nats-Msg-Id": msg_id})
                )
                ends.append(part.seqs[-1])
            done = await self._acks(futures, len(self.target.errors))
        except Exception as exc:
            for future in futures:
                future.cancel()
            await self._drop()
            why = _why(exc)
            raise DeliveryError(f"{self.url}: {why}", refused=_refusal(why)) from None
        upto = 0
        for end, result in zip(ends, done, strict=True):
            if isinstance(result, BaseException):
                await self._drop()
                raise DeliveryError(f"{self.url}: {_why(result)}", upto)
            upto = end

    def _messages(self, batch: Batch) -> list[tuple[int, int]]:
        """``batch`` cut into messages (start, stop) of at most ``per_message`` links and
        about ``MESSAGE_BYTES`` of payload (a larger record goes alone)."""
        ends = list(accumulate((0 if p is None else len(p) for p in batch.payloads), initial=0))
        out: list[tuple[int, int]] = []
        start = 0
        while start < len(batch):
            stop = min(start + self.per_message, len(batch))
            fits = bisect_right(ends, ends[start] + MESSAGE_BYTES, start + 1, stop + 1) - 1
            stop = max(start + 1, min(stop, fits))
            out.append((start, stop))
            start = stop
        return out

    async def _acks(self, futures: list[asyncio.Future[Any]], seen: int) -> list[Any]:
        """Every PubAck (or its error), in order; a refusal by the server's permissions
        (reported on the connection, not on the publish) ends the wait at once."""
        gathered = asyncio.ensure_future(asyncio.gather(*futures, return_exceptions=True))
        gathered.add_done_callback(lambda f: f.cancelled() or f.exception())
        deadline = asyncio.get_running_loop().time() + ACK_TIMEOUT
        while not gathered.done():
            refusals = [e for e in self.target.errors[seen:] if _refusal(e)]
            if refusals:
                gathered.cancel()
                raise PermissionError(refusals[-1])
            if asyncio.get_running_loop().time() > deadline:
                gathered.cancel()
                raise TimeoutError(f"no acknowledgement in {ACK_TIMEOUT:.0f} s")
            await asyncio.wait([gathered], timeout=0.05)
        return list(gathered.result())

    async def _drop(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.close()
        self._nc = None

    async def close(self) -> None:
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await self._nc.drain()
        self._nc = None


async def ensure_stream(js: Any, name: str) -> None:
    """The stream ``name`` (subjects ``name.>``, file storage), made when missing."""
    from nats.js.api import StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(name)
        return
    except NotFoundError:
        pass
    except Exception as exc:
        raise DeliveryError(f"cannot look up stream {name}: {_why(exc)}") from None
    try:
        await js.add_stream(
            StreamConfig(
                name=name,
                subjects=[f"{name}.>"],
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW,
            )
        )
    except Exception as exc:
        raise DeliveryError(f"cannot create stream {name}: {_why(exc)}") from None


def _refusal(text: str) -> bool:
    """Whether the server refused us (credentials or permissions), not just failed."""
    lowered = text.lower()
    return "permissions violation" in lowered or "authorization violation" in lowered


def _why(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
