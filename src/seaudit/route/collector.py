"""``seaudit collect`` (the product's ``selogrcd``): a durable JetStream pull consumer that
appends what endpoints route to this store's own audit log.

For each fetched group of messages: decode each (a malformed one is counted under
``rejected`` and terminated), work out per sender node what is new (``plan``: records past
the node's last stored seq; a message whose sender read past what is stored waits, since an
earlier message is still on its way; a seq never received is a gap; every link is checked
against the chain so far), claim those nodes in the shared state (``nodestate``), append the
records grouped by node and force them to disk, commit the new states, and only then
acknowledge. A message that must wait is negatively acknowledged with a delay; a full disk
(or any write error) settles what landed and naks the rest, so nothing is acknowledged that
is not stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seaudit.errors import LogError
from seaudit.log.config import load_key
from seaudit.log.links import ChainState, check_link
from seaudit.log.payload import with_node
from seaudit.route.nats_dest import ensure_stream
from seaudit.route.natsconn import NatsTarget
from seaudit.route.nodestate import Claim, NodeState, NodeStates
from seaudit.route.wire import Batch, WireError, decode_links
from seaudit.store.location import NODE_NAME

if TYPE_CHECKING:
    from seaudit.log import AuditLog
    from seaudit.store import Store

DURABLE = "seaudit-collect"
FETCH = 64
ACK_WAIT = 10.0
WAIT_DELAY = 0.2
FULL_DELAY = 1.0


@dataclass(frozen=True, slots=True)
class Plan:
    """What one message adds to a node: the state after it, its new records (payloads
    for the collector's log, the sender's node filled in) with the (seq, chain hash) of
    each; ``wait``: an earlier message of the node is not stored yet."""

    state: NodeState
    payloads: tuple[bytes, ...] = ()
    steps: tuple[tuple[int, str], ...] = ()
    wait: bool = False


def plan(state: NodeState, batch: Batch, sender: str, key: bytes | None = None) -> Plan:
    """The effect of ``batch`` from ``sender`` on ``state`` (pure: nothing is written)."""
    if batch.prev_seq > state.last_seq:
        return Plan(state, wait=True)
    payloads: list[bytes] = []
    steps: list[tuple[int, str]] = []
    gaps = list(state.gaps)
    broken = (state.break_seq, state.break_what)
    chain = ChainState(state.last_seq, state.last_hash)
    skipped = duplicates = 0
    for link in batch.links:
        if link.seq <= chain.seq:
            duplicates += link.payload is not None
            continue
        expected = chain.seq + 1
        if link.first > expected:
            gaps.append((expected, link.first - 1))
        if broken[0] is None:
            why = check_link(chain, link, key)
            if why is not None:
                broken = (max(link.first, expected), why)
        if link.payload is None:
            skipped += link.seq - max(link.first, expected) + 1
        else:
            try:
                payloads.append(with_node(link.payload, sender))
                steps.append((link.seq, link.hash.hex()))
            except ValueError as exc:
                if broken[0] is None:
                    broken = (link.seq, f"payload is not a record: {exc}")
        chain = ChainState(link.seq, link.hash)
    after = replace(
        state,
        last_seq=chain.seq,
        last_hash=chain.hash,
        records=state.records + len(payloads),
        skipped=state.skipped + skipped,
        duplicates=state.duplicates + duplicates,
        gaps=tuple(gaps),
        break_seq=broken[0],
        break_what=broken[1],
    )
    return Plan(after, tuple(payloads), tuple(steps))


@dataclass(slots=True)
class _Group:
    """The messages of one fetch, sorted out per node."""

    states: dict[str, NodeState] = field(default_factory=dict)
    payloads: dict[str, list[bytes]] = field(default_factory=dict)
    steps: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    done: list[Any] = field(default_factory=list)  # to acknowledge after the commit
    waiting: list[Any] = field(default_factory=list)  # to nak


@dataclass
class Collector:
    store: Store
    target: NatsTarget
    states: NodeStates
    key_dir: Path | None = None
    durable: str = DURABLE
    received: int = 0
    stored: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _keys: dict[str, bytes | None] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Who holds a claim: this collector's store, by path."""
        return str(self.store.root.resolve())

    def stop(self) -> None:
        self._stop.set()

    def key_of(self, node: str) -> bytes | None:
        """A keyed (HMAC) sender's key, from ``KEY_DIR/NODE.key`` when there is one."""
        if node not in self._keys:
            path = self.key_dir / f"{node}.key" if self.key_dir else None
            self._keys[node] = load_key(path) if path is not None and path.exists() else None
        return self._keys[node]

    async def run(self, until_idle: float | None = None) -> None:
        from nats.js.api import AckPolicy, ConsumerConfig

        log = self.store.open_log()
        # Rotated segments become Parquet in a thread of their own, so a conversion (seconds
        # for a 4 MB segment) does not hold acknowledgements past the consumer's ack wait.
        converter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seaudit-parquet")
        log.on_rotate = lambda _path: converter.submit(self._to_parquet)
        try:
            self.states.settle(self.name, log.last_seq)
            nc = await self.target.connect()
            try:
                js = nc.jetstream()
                await ensure_stream(js, self.target.stream)
                sub = await js.pull_subscribe(
                    f"{self.target.stream}.>",
                    durable=self.durable,
                    stream=self.target.stream,
                    config=ConsumerConfig(
                        ack_policy=AckPolicy.EXPLICIT,
                        ack_wait=ACK_WAIT,
                        max_ack_pending=-1,
                    ),
                )
                last_seen = time.monotonic()
                while not self._stop.is_set():
                    try:
                        msgs = await sub.fetch(FETCH, timeout=0.5)
                    except Exception as exc:
                        if not _is_timeout(exc):
                            raise
                        if (
                            until_idle is not None
                            and time.monotonic() - last_seen >= until_idle
                            and await _drained(sub)
                        ):
                            return
                        continue
                    last_seen = time.monotonic()
                    await self.take(msgs, log)
            finally:
                with contextlib.suppress(Exception):
                    await nc.flush(timeout=5)  # the last acks out before the connection goes
                with contextlib.suppress(Exception):
                    await nc.close()
        finally:
            log.close()
            converter.shutdown(wait=True)

    async def take(self, msgs: list[Any], log: AuditLog) -> None:
        """Store what ``msgs`` add, then acknowledge them (see the module docstring)."""
        group = self._sort(msgs, log.last_seq)
        order = [node for node in group.payloads if group.payloads[node]]
        appended = [p for node in order for p in group.payloads[node]]
        if appended:
            try:
                log.append_payloads(appended)
                log.flush()
            except LogError as exc:
                self._note(f"cannot append ({exc}); will retry")
                with contextlib.suppress(LogError):
                    log.flush()  # what did land is made durable before it counts
                self.states.settle(self.name, log.last_seq)
                for msg in group.done + group.waiting:
                    await _quietly(msg.nak(delay=FULL_DELAY))
                await asyncio.sleep(FULL_DELAY)
                return
        with self.states.transaction():
            for node in order:
                self.states.put(group.states[node])
        self.received += len(msgs)
        self.stored += len(appended)
        for msg in group.done:
            await _quietly(msg.ack())
        for msg in group.waiting:
            await _quietly(msg.nak(delay=WAIT_DELAY))

    def _sort(self, msgs: list[Any], log_last: int) -> _Group:
        group = _Group()
        prefix = f"{self.target.stream}."
        position = log_last + 1
        with self.states.transaction():
            held: set[str] = set()
            for msg in msgs:
                node = msg.subject.removeprefix(prefix)
                if not NODE_NAME.fullmatch(node):
                    self.states.reject(node[:200], "not a node name")
                    group.done.append(msg)
                    continue
                try:
                    batch = decode_links(msg.data)
                except WireError as exc:
                    self.states.reject(node, f"malformed: {exc}")
                    group.done.append(msg)
                    continue
                if node not in group.states:
                    state, holder = self.states.get(node)
                    if holder is not None and holder != self.name:
                        held.add(node)
                    group.states[node] = state
                if node in held:
                    group.waiting.append(msg)
                    continue
                step = plan(group.states[node], batch, node, self.key_of(node))
                if step.wait:
                    group.waiting.append(msg)
                    continue
                group.states[node] = step.state
                group.payloads.setdefault(node, []).extend(step.payloads)
                group.steps.setdefault(node, []).extend(step.steps)
                group.done.append(msg)
            for node, payloads in group.payloads.items():
                if payloads:
                    claim = Claim(node, position, tuple(group.steps[node]), group.states[node])
                    self.states.hold(claim, self.name)
                    position += len(payloads)
            for node, state in group.states.items():
                if node not in held and not group.payloads.get(node):
                    self.states.put(state)
        return group

    def _to_parquet(self) -> None:
        """Rotated segments into Parquet; a failure is said, and the next rotation (or
        ``seaudit reindex``) does them: queries read the log past the watermark meanwhile."""
        try:
            self.store.catch_up(rotated_only=True)
        except Exception as exc:
            self._note(
                f"Parquet not updated ({type(exc).__name__}: {exc}); queries still see "
                "every record through the log"
            )

    def _note(self, text: str) -> None:
        import sys

        print(f"seaudit collect: {text}", file=sys.stderr, flush=True)


async def _drained(sub: Any) -> bool:
    """Whether the consumer has nothing left for anyone: no message waiting and none
    delivered but unacknowledged (a killed collector's come back after the ack wait)."""
    try:
        info = await sub.consumer_info()
    except Exception:
        return False
    return bool(info.num_pending == 0 and info.num_ack_pending == 0)


def _is_timeout(exc: Exception) -> bool:
    import nats.errors

    return isinstance(exc, TimeoutError | nats.errors.TimeoutError)


async def _quietly(awaitable: Any) -> None:
    """Ack or nak; a lost connection only means the message comes again (and is a dup)."""
    with contextlib.suppress(Exception):
        await awaitable
