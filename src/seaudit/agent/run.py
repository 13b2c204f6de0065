"""The agent's three runs (replay, text stream, auditd plugin) over one pipeline, writing to
the store or to a format on stdout; and ``status``, what the agent knows about loss."""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from seaudit.agent.intake import PluginReader, lines_of, with_rotated
from seaudit.agent.kernel import AuditUnavailable, KernelStatus, read_status
from seaudit.agent.loss import AGENT_USER, KernelWatch, loss_record
from seaudit.agent.lostmark import LostMarks
from seaudit.agent.parse import EventId
from seaudit.agent.pipeline import Pipeline
from seaudit.agent.rows import Filled, Item, materialize, store_items
from seaudit.schema.record import AuditRecord

if TYPE_CHECKING:
    from seaudit.log import AuditLog
    from seaudit.store import Store

#: how often the plugin run reads the kernel's counters, and expires events when idle (s)
POLL = 1.0
#: the longest a record waits in the plugin run before it is written, under any load (s)
FLUSH_EVERY = 1.0


class StoreSink:
    """Batches of records into the store's audit log. With ``dedup``, records whose import
    keys are already stored are left out: after a crash between a batch's append and its
    checkpoint, the replay's first records are stored already. Those form a prefix, so the
    check stops at the first batch that finds none (a check reads the log's tail).

    With ``ingest`` (a replay: it ends, and ``close`` flushes), each batch's Parquet rows are
    made from the records in hand, as an import makes them, instead of read back from the
    log when it rotates (the log is opened with ``read_back=False``). A run killed
    before ``close`` leaves the rows in the log only; the next run's first batch catches the
    tree up from the log (``Store.ingest``)."""

    def __init__(self, store: Store, log: AuditLog, *, dedup: bool, ingest: bool = False) -> None:
        self.store, self.log, self.dedup, self.ingest = store, log, dedup, ingest

    def __call__(self, items: list[Item], marks: dict[str | None, EventId]) -> None:
        if self.dedup:
            items = self._unstored(items)
        if not items:
            return
        if self.ingest:
            self._columns(items)
            return
        self.log.append_batch(materialize(items))

    def _unstored(self, items: list[Item]) -> list[Item]:
        """The items whose import keys are not stored yet (keys from their origins, so no
        record is built); the check stops once a batch finds none."""
        from seaudit.store.columns import dedup_key

        keys = [_key(i, dedup_key) for i in items]
        found = self.store.existing_keys([k for k in keys if k is not None])
        self.dedup = bool(found)
        return [i for i, k in zip(items, keys, strict=True) if k not in found]

    def _columns(self, items: list[Item]) -> None:
        """The batch's payloads and Parquet rows made column-wise (``rows.store_items``)."""
        first = self.log.last_seq + 1
        payloads, table, parts = store_items(items, first)
        last = self.log.append_payloads(payloads)
        if last - first + 1 != len(items):
            raise RuntimeError(f"the log gave seqs {first}..{last} to {len(items)} records")
        self.store.ingest_table(table, parts, flush=False)

    def close(self) -> None:
        """The rows still buffered, into Parquet."""
        if self.ingest:
            self.store.flush()


def _key(item: Item, dedup_key: Callable[..., int | None]) -> int | None:
    if isinstance(item, Filled):  # its origin, without making the record
        return dedup_key(item.node, item.line, item.raw)
    o = item.origin
    return dedup_key(o.node, o.line, o.raw) if o is not None else None


class ListSink:
    """Records collected for a caller that writes them itself (``--to FORMAT``)."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def __call__(self, items: list[Item], marks: dict[str | None, EventId]) -> None:
        self.records.extend(materialize(items))

    def take(self) -> list[AuditRecord]:
        out, self.records = self.records, []
        return out


def replay(pipeline: Pipeline, paths: list[str], *, bulk: bool = True) -> None:
    """``--from-log``: each file (rotated siblings first), in bulk (``agent.bulk``) or,
    with ``bulk=False``, line by line through the per-event path."""
    for path in with_rotated(paths):
        with open(path, "rb") as stream:
            _read(pipeline, stream, str(path), bulk)
    pipeline.finish()


def read_text(
    pipeline: Pipeline, stream: BinaryIO, source: str = "<stdin>", *, bulk: bool = True
) -> None:
    _read(pipeline, stream, source, bulk)
    pipeline.finish()


def _read(pipeline: Pipeline, stream: BinaryIO, source: str, bulk: bool) -> None:
    if bulk:
        from seaudit.agent.bulk import BulkReader  # polars: not for the plugin's start-up

        BulkReader(pipeline).read(stream, source)
        return
    for number, line in enumerate(lines_of(stream), 1):
        pipeline.feed(line, number, source)


def stream_records(
    pipeline: Pipeline, sink: ListSink, feed: Callable[[Pipeline], None]
) -> Iterator[AuditRecord]:
    """Records as ``feed`` produces them (for ``--to``): the pipeline runs in a thread so
    the format writer can consume a generator."""
    done = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            feed(pipeline)
        except BaseException as exc:  # handed to the consumer, raised there
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while not done.wait(0.05) or sink.records:
        yield from _take_locked(pipeline, sink)
    thread.join()
    yield from sink.take()
    if errors:
        raise errors[0]


def _take_locked(pipeline: Pipeline, sink: ListSink) -> Iterable[AuditRecord]:
    with pipeline.lock:
        return sink.take()


def run_plugin(
    pipeline: Pipeline,
    stream: BinaryIO,
    *,
    status: Callable[[], KernelStatus] | None = read_status,
    stop: threading.Event | None = None,
    marks: LostMarks | None = None,
    boot: str | None = None,
) -> None:
    """``--plugin``: until EOF or SIGTERM. Whenever the queue is empty, events are expired
    by the wall clock (live event time is wall time); the records are written then, and
    under sustained load at least every ``FLUSH_EVERY`` s (and every ``pipeline.batch``
    records), so none waits behind the backlog. The kernel's counters are read every
    ``POLL`` s; ``marks`` keeps their last reading (of this ``boot``) for the next start,
    which reports what was lost in between."""
    stop = stop or threading.Event()
    reader = PluginReader(stream).start()
    watch = KernelWatch(marks.get(pipeline.node) if marks else None, boot)
    _on_sigterm(stop)
    number = 0
    last_poll = last_flush = 0.0
    while not stop.is_set():
        try:
            line = reader.queue.get(timeout=POLL)
        except queue.Empty:  # idle
            line = ""
        if line is None:
            break
        with pipeline.lock:
            if line:
                number += 1
                pipeline.feed(line, number, "<auditd>")
            now = time.time()
            if now - last_poll >= POLL:  # the counters, at most once a POLL
                _watch_losses(pipeline, reader, watch, status, now)
                last_poll = now
            caught_up = reader.queue.empty()
            if caught_up:  # the wall clock is event time only when nothing waits
                pipeline.tick(now)
            if caught_up or now - last_flush >= FLUSH_EVERY:
                pipeline.flush()
                _keep_reading(marks, pipeline, watch)
                last_flush = now
    with pipeline.lock:
        _watch_losses(pipeline, reader, watch, status, time.time())
        pipeline.finish()
        _keep_reading(marks, pipeline, watch)


def _keep_reading(marks: LostMarks | None, pipeline: Pipeline, watch: KernelWatch) -> None:
    """After a flush (the loss records of the reading are durable): the reading, kept."""
    reading = watch.reading()
    if marks is not None and reading is not None:
        marks.save(pipeline.node, reading)


def _watch_losses(
    pipeline: Pipeline,
    reader: PluginReader,
    watch: KernelWatch,
    status: Callable[[], KernelStatus] | None,
    now: float,
) -> None:
    """Lines the reader dropped and rises of the kernel's counters, as product errors."""
    dropped = reader.take_dropped()
    if dropped:
        pipeline.tally.lost += dropped
        text = f"{dropped} audit lines dropped: the agent's queue was full"
        pipeline.add(_loss("agent.queue", dropped, now, text, pipeline))
    if status is None:
        return
    try:
        current = status()
    except AuditUnavailable:
        return
    for what, count, text in watch.check(current):
        pipeline.tally.lost += count
        pipeline.add(_loss(what, count, now, text, pipeline))


def _loss(what: str, count: int, now: float, text: str, pipeline: Pipeline) -> AuditRecord:
    return loss_record(
        what=what, count=count, when=now, text=text, node=pipeline.node, source=pipeline.source
    )


def _on_sigterm(stop: threading.Event) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())


def loss_records(store: Store) -> list[AuditRecord]:
    """The product-error records the agent wrote, oldest first."""
    from seaudit.query.spec import Filter
    from seaudit.query.where import parse_where

    flt = Filter(parse_where(f"status = C and user = '{AGENT_USER}'"))
    return [record for _, record in store.select(flt)]


def checkpoint_path(root: Path) -> Path:
    from seaudit.agent.checkpoint import FILE_NAME

    return root / FILE_NAME


def lost_marks_path(root: Path) -> Path:
    from seaudit.agent.lostmark import FILE_NAME

    return root / FILE_NAME
