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
is not stored. The stored records' Parquet rows are made column-wise from the payloads
already decoded (``rows``) and handed to the store's batch path; they are derived data, so a
crash before they are written only means the next start writes them from the log. The
next group's pull request goes out before a group is stored, so the server sends while the
collector works; what was fetched ahead when it stops is negatively acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from seaudit.errors import LogError
from seaudit.log.chain import Chain
from seaudit.log.config import load_key
from seaudit.log.links import ChainState, check_link
from seaudit.route.nats_dest import ensure_stream
from seaudit.route.natsconn import NatsTarget
from seaudit.route.nodestate import Claim, NodeState, NodeStates
from seaudit.route.rows import Rows, partitions, stored_rows, table_of
from seaudit.route.wire import Batch, WireError, decode_links
from seaudit.store.location import NODE_NAME

if TYPE_CHECKING:
    from seaudit.log import AuditLog
    from seaudit.store import Store

DURABLE = "seaudit-collect"
FETCH = 64
FETCH_WAIT = 0.5
ACK_WAIT = 10.0
WAIT_DELAY = 0.2
FULL_DELAY = 1.0


@dataclass(frozen=True, slots=True)
class Plan:
    """What one message adds to a node: the state after it, its new records (payloads
    for the collector's log, the sender's node filled in; ``table``: their stored rows,
    ``seq`` counted from 0) with the (seq, chain hash) of each; ``wait``: an earlier
    message of the node is not stored yet."""

    state: NodeState
    payloads: tuple[bytes, ...] = ()
    seqs: tuple[int, ...] = ()
    hashes: bytes = b""
    wait: bool = False
    rows: Rows | None = None


def plan(state: NodeState, batch: Batch, sender: str, key: bytes | None = None) -> Plan:
    """The effect of ``batch`` from ``sender`` on ``state`` (pure: nothing is written).

    Link by link, as ``log.links.check_link`` would judge each in turn, but without making
    a ``Link`` per record: a link that joins and hashes right passes at once; any other
    (and every link that carries segment headers) is judged by ``check_link`` itself, which
    also says why it fails. A message that simply continues the node (the usual case) is
    judged whole first (``_follows_whole``). Payloads are made ready to store column-wise
    (``rows``)."""
    if batch.prev_seq > state.last_seq:
        return Plan(state, wait=True)
    if _follows_whole(state, batch, key):
        after = replace(state, last_seq=batch.seqs[-1], last_hash=batch.hashes[-1])
        return _planned(state, after, batch, list(range(len(batch))), sender, None, 0, 0)
    gaps = list(state.gaps)
    broken_at: int | None = None  # index of the link whose check failed first, in this batch
    broken = (state.break_seq, state.break_what)
    seq_now, hash_now = state.last_seq, state.last_hash
    hashers = {False: Chain().link, True: Chain(key).link if key is not None else None}
    skipped = duplicates = 0
    chosen: list[int] = []
    rows = zip(
        batch.firsts,
        batch.seqs,
        batch.prevs,
        batch.hashes,
        batch.payloads,
        batch.keyed,
        strict=True,
    )
    for i, (first, seq, prev, digest, payload, keyed) in enumerate(rows):
        if seq <= seq_now:
            duplicates += payload is not None
            continue
        expected = seq_now + 1
        if first > expected:
            gaps.append((expected, first - 1))
        if broken[0] is None:
            hasher = hashers[keyed]
            if (
                i in batch.segments
                or (hash_now and prev != hash_now)
                or (
                    payload is not None
                    and hasher is not None
                    and hasher(prev, seq, payload) != digest
                )
            ):
                why = check_link(ChainState(seq_now, hash_now), batch.link(i), key)
                if why is not None:
                    broken, broken_at = (max(first, expected), why), i
        if payload is None:
            skipped += seq - max(first, expected) + 1
        else:
            chosen.append(i)
        seq_now, hash_now = seq, digest
    after = replace(
        state,
        last_seq=seq_now,
        last_hash=hash_now,
        gaps=tuple(gaps),
        break_seq=broken[0],
        break_what=broken[1],
    )
    return _planned(state, after, batch, chosen, sender, broken_at, skipped, duplicates)


def _follows_whole(state: NodeState, batch: Batch, key: bytes | None) -> bool:
    """Whether every link of ``batch`` is a record that comes right after the one before
    and checks, as the loop of ``plan`` would find link by link (the usual message): one
    list comparison per fact and one ``Chain.links`` for the hashes."""
    count = len(batch)
    last = state.last_seq
    if not count or batch.segments or batch.seqs[0] != last + 1 or batch.seqs[-1] != last + count:
        return False
    seqs, hashes, prevs = batch.seqs, batch.hashes, batch.prevs
    if list(seqs) != list(range(last + 1, last + count + 1)) or list(batch.firsts) != list(seqs):
        return False
    if None in batch.payloads or (state.last_hash and prevs[0] != state.last_hash):
        return False
    if list(prevs[1:]) != list(hashes[:-1]):
        return False
    if state.break_seq is not None:
        return True  # a node already broken is not checked further (as in the loop)
    keyed = batch.keyed[0]
    if batch.keyed.count(keyed) != count:
        return False
    if keyed and key is None:
        return True  # a keyed sender without its key: links are joined, not recomputed
    chain = Chain(key if keyed else None)
    return chain.links(prevs, seqs, batch.payloads) == list(hashes)  # type: ignore[arg-type]


def _planned(
    state: NodeState,
    after: NodeState,
    batch: Batch,
    chosen: list[int],
    sender: str,
    broken_at: int | None,
    skipped: int,
    duplicates: int,
) -> Plan:
    """The plan once the links are judged: the ``chosen`` links' payloads made ready to
    store (a payload that is no record breaks the chain there, unless a link before it
    broke first) and the counts moved on."""
    kept = stored_rows([batch.payloads[i] for i in chosen], sender)  # type: ignore[misc]
    if kept.bad:
        at, why = kept.bad[0]
        index = chosen[at]
        if state.break_seq is None and (broken_at is None or index < broken_at):
            after = replace(
                after, break_seq=batch.seqs[index], break_what=f"payload is not a record: {why}"
            )
    refused = {chosen[at] for at, _ in kept.bad}
    if refused:
        chosen = [i for i in chosen if i not in refused]
    seqs, hashes = batch.seqs, batch.hashes
    if len(chosen) < len(batch):
        seqs, hashes = [seqs[i] for i in chosen], [hashes[i] for i in chosen]
    after = replace(
        after,
        records=state.records + len(kept.payloads),
        skipped=state.skipped + skipped,
        duplicates=state.duplicates + duplicates,
    )
    return Plan(after, tuple(kept.payloads), tuple(seqs), b"".join(hashes), rows=kept)


@dataclass(slots=True)
class _Group:
    """The messages of one fetch, sorted out per node."""

    states: dict[str, NodeState] = field(default_factory=dict)
    payloads: dict[str, list[bytes]] = field(default_factory=dict)
    seqs: dict[str, list[int]] = field(default_factory=dict)
    hashes: dict[str, list[bytes]] = field(default_factory=dict)
    rows: dict[str, list[Rows]] = field(default_factory=dict)
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

        # Parquet rows are made here from the decoded columns (``rows``), not read back
        log = self.store.open_log(read_back=False)
        try:
            if self.store.tree.pending_last < log.last_seq:  # rows a crash left unwritten
                self.store.catch_up()
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
                ahead: asyncio.Future[list[Any]] | None = None
                try:
                    while not self._stop.is_set():
                        try:
                            msgs = await (ahead or sub.fetch(FETCH, timeout=FETCH_WAIT))
                        except Exception as exc:
                            ahead = None
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
                        # The next pull request goes out before this group is stored, so
                        # the server sends meanwhile (its messages wait in the connection).
                        ahead = asyncio.ensure_future(sub.fetch(FETCH, timeout=FETCH_WAIT))
                        await asyncio.sleep(0.001)
                        await self.take(msgs, log)
                finally:
                    if ahead is not None:
                        await _give_back(ahead)
            finally:
                with contextlib.suppress(Exception):
                    await nc.flush(timeout=5)  # the last acks out before the connection goes
                with contextlib.suppress(Exception):
                    await nc.close()
        finally:
            try:
                self.store.flush()
            finally:
                log.close()

    async def take(self, msgs: list[Any], log: AuditLog) -> None:
        """Store what ``msgs`` add, then acknowledge them (see the module docstring)."""
        group = self._sort(msgs, log.last_seq)
        order = [node for node in group.payloads if group.payloads[node]]
        appended = [p for node in order for p in group.payloads[node]]
        if appended:
            first = log.last_seq + 1
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
        if appended:
            self._to_parquet(first, [r for node in order for r in group.rows.get(node, [])])
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
                group.seqs.setdefault(node, []).extend(step.seqs)
                group.hashes.setdefault(node, []).append(step.hashes)
                if step.rows is not None and step.rows.payloads:
                    group.rows.setdefault(node, []).append(step.rows)
                group.done.append(msg)
            for node, payloads in group.payloads.items():
                if payloads:
                    claim = Claim(
                        node,
                        position,
                        tuple(group.seqs[node]),
                        b"".join(group.hashes[node]),
                        group.states[node],
                    )
                    self.states.hold(claim, self.name)
                    position += len(payloads)
            for node, state in group.states.items():
                if node not in held and not group.payloads.get(node):
                    self.states.put(state)
        return group

    def _to_parquet(self, first: int, rows: list[Rows]) -> None:
        """The rows of records just appended from seq ``first`` on, handed to the store's
        batch path (buffered, written in a thread of the tree's own). A failure is said:
        queries still find the records in the log past the watermark, and the next start
        (or ``seaudit reindex``) writes them."""
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.compute as pc  # type: ignore[import-untyped]

        table = table_of(rows)
        table = table.set_column(
            table.schema.get_field_index("seq"),
            "seq",
            pc.add(pa.array(range(table.num_rows), pa.int64()), first),
        )
        try:
            self.store.ingest_table(table, partitions(table), flush=False)
        except Exception as exc:
            self._note(
                f"Parquet not updated ({type(exc).__name__}: {exc}); queries still see "
                "every record through the log"
            )

    def _note(self, text: str) -> None:
        import sys

        print(f"seaudit collect: {text}", file=sys.stderr, flush=True)


async def _give_back(ahead: asyncio.Future[list[Any]]) -> None:
    """Messages fetched ahead but not stored (the collector stops): negatively acknowledged,
    so they go to another collector (or this one, started again) at once."""
    try:
        msgs = await ahead
    except Exception:
        return
    for msg in msgs:
        await _quietly(msg.nak())


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
