"""``seaudit route``: follow a log and send what the route file selects to each destination,
each from its own checkpoint.

Every destination has a worker: read up to ``BatchSize`` links after its checkpoint, keep
the selected records (the rest travel as payload-less links, so the chain still joins up),
deliver, and move the checkpoint only once the destination has taken the batch. A failed
delivery is retried with a doubling backoff (up to ``MaxBackoff``) while the other workers
go on; nothing is skipped while a destination is down, because its checkpoint stays put.
``stop()`` (SIGTERM) lets each worker finish the batch in flight; ``reload()`` (SIGHUP)
rereads the route file, starting workers for new destinations and stopping removed ones.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from seaudit.errors import SeauditError
from seaudit.log.config import LogConfig
from seaudit.log.links import LinkRun, link_runs_after, skip_unselected
from seaudit.log.payload import decode_record
from seaudit.route.checkpoint import Checkpoints
from seaudit.route.destination import DeliveryError, Destination, Entry, open_destination
from seaudit.route.rules import RouteTable
from seaudit.route.settings import RouteSettings
from seaudit.route.wire import Batch
from seaudit.schema.record import AuditRecord

FIRST_BACKOFF = 0.2


@dataclass
class DestinationReport:
    """What one destination took in this run."""

    url: str
    records: int = 0
    checkpoint: int = 0
    failed: bool = False
    refused: int = 0  # batches the destination refused (credentials, permissions)
    last_error: str | None = None

    def __str__(self) -> str:
        state = f"FAILED ({self.last_error})" if self.failed else "ok"
        if self.refused:
            state += f", refused {self.refused} times"
        return (
            f"{self.url}: {self.records} records sent, "
            f"acknowledged up to seq {self.checkpoint}: {state}"
        )


class LinkReader:
    """Links after a seq, read on from an open walk of the files until it runs out (then
    the files are listed again, so appends and rotations since are seen), a run of a block
    at a time and handed out column by column (``wire.Batch``): no ``Link`` per record.

    A seq that does not follow the one before is read again from a fresh listing (a
    rotation between listing and opening the files can hide a segment); only when it is
    still missing after ``RECHECKS`` looks is it sent as it is, so the collector reports
    the gap (a record deleted from the endpoint's log) rather than the router stalling.
    """

    RECHECKS = 3

    def __init__(self, cfg: LogConfig, after: int) -> None:
        self.cfg = cfg
        self.after = after
        self._walk: Iterator[LinkRun] | None = None
        self._rest: LinkRun | None = None  # the part of a run beyond the last take
        self._misses = 0

    def take(self, count: int) -> Batch:
        """Up to ``count`` links after ``after`` (fewer when the files run out)."""
        if self._walk is None:
            self._walk = link_runs_after(self.cfg, self.after)
        start = self.after
        runs: list[LinkRun] = []
        taken, ran_out = 0, False
        try:
            while taken < count:
                run, self._rest = self._rest or next(self._walk, None), None
                if run is None:
                    ran_out = True
                    break
                if taken + len(run) > count:
                    run, self._rest = run.split(count - taken)
                runs.append(run)
                taken += len(run)
        except BaseException:
            self.rewind(start)
            raise
        cut = _first_jump(runs, start)
        if cut is not None and self._misses < self.RECHECKS:
            self._misses += 1
            runs = runs[:cut]
            self.rewind(runs[-1].last_seq if runs else start)
            return Batch.of_runs(start, runs)
        self._misses = 0
        if ran_out:
            self.rewind(runs[-1].last_seq if runs else start)
        elif runs:
            self.after = runs[-1].last_seq
        return Batch.of_runs(start, runs)

    def rewind(self, after: int) -> None:
        if self._walk is not None:
            close = getattr(self._walk, "close", None)
            if close is not None:
                close()
        self._walk = None
        self._rest = None
        self.after = after


def _first_jump(runs: list[LinkRun], after: int) -> int | None:
    """Index of the first run that does not follow the seq before it (None: all do; the
    links within a run always follow each other)."""
    expected = after + 1
    for i, run in enumerate(runs):
        if (after > 0 or i > 0) and run.first_seq != expected:
            return i
        expected = run.last_seq + 1
    return None


def select(
    batch: Batch,
    test: Callable[[AuditRecord, str], bool] | None,
    wants_records: bool,
    node: str,
) -> tuple[Batch, list[Entry]]:
    """The links to send (unselected runs folded) and the selected records with seqs."""
    if test is None and not wants_records:
        return batch, []
    links = batch.links
    keep: list[bool] = []
    entries: list[Entry] = []
    for link in links:
        assert link.payload is not None
        try:
            record = decode_record(link.payload)
        except ValueError:
            keep.append(not wants_records)  # the collector reports it; no format can show it
            continue
        chosen = test is None or test(record, node)
        keep.append(chosen)
        if chosen and wants_records:
            entries.append((link.seq, record))
    if all(keep):
        return batch, entries
    return Batch.of(batch.prev_seq, skip_unselected(links, keep)), entries


@dataclass
class Router:
    log: LogConfig
    load_table: Callable[[], RouteTable]
    node: str
    checkpoints: Checkpoints
    settings: RouteSettings = field(default_factory=RouteSettings)
    table: RouteTable = field(init=False)
    reports: dict[str, DestinationReport] = field(default_factory=dict)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _retired: set[str] = field(default_factory=set)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _once: bool = False

    def __post_init__(self) -> None:
        self.table = self.load_table()

    def stop(self) -> None:
        self._stop.set()

    def reload(self) -> None:
        """Reread the route file; a bad file keeps the rules in force (and says why)."""
        try:
            table = self.load_table()
        except SeauditError as exc:
            self._note(f"route file not reloaded: {exc}")
            return
        self.table = table
        wanted = set(table.destinations())
        self._retired = set(self._tasks) - wanted
        for url in wanted - set(self._tasks):
            self._start(url)

    async def run(self, *, once: bool = False) -> list[DestinationReport]:
        self._once = once
        for url in self.table.destinations():
            self._start(url)
        while self._tasks:
            done, _ = await asyncio.wait(
                list(self._tasks.values()), return_when=asyncio.FIRST_COMPLETED
            )
            for url, task in list(self._tasks.items()):
                if task in done:
                    del self._tasks[url]
                    task.result()
        return list(self.reports.values())

    def _start(self, url: str) -> None:
        destination = open_destination(url, self.table.format_for(url))
        report = self.reports.setdefault(url, DestinationReport(url))
        self._tasks[url] = asyncio.create_task(self._work(destination, report))

    def _stopping(self, url: str) -> bool:
        return self._stop.is_set() or url in self._retired

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _work(self, destination: Destination, report: DestinationReport) -> None:
        url = destination.url
        self.checkpoints.register(url)
        mark = report.checkpoint = self.checkpoints.get(url)
        reader = LinkReader(self.log, mark)
        failures, delay = 0, FIRST_BACKOFF
        try:
            while not self._stopping(url):
                try:
                    batch = await asyncio.to_thread(reader.take, self.settings.batch_size)
                    if not len(batch):
                        if self._once:
                            return
                        await self._pause(self.settings.interval)
                        continue
                    sent, entries = select(
                        batch, self.table.selector(url), destination.wants_records, self.node
                    )
                    await destination.deliver(self.node, sent, entries)
                except (DeliveryError, SeauditError, OSError) as exc:
                    upto = exc.upto if isinstance(exc, DeliveryError) else 0
                    report.refused += isinstance(exc, DeliveryError) and exc.refused
                    if upto > mark:
                        mark = report.checkpoint = upto
                        self.checkpoints.save(url, mark)
                    reader.rewind(mark)
                    report.last_error = str(exc)
                    failures += 1
                    if self._once and failures > self.settings.once_retries:
                        report.failed = True
                        return
                    await self._pause(delay)
                    delay = min(delay * 2, self.settings.max_backoff)
                    continue
                mark = report.checkpoint = batch.seqs[-1]
                self.checkpoints.save(url, mark)
                report.records += len(entries) if destination.wants_records else _records(sent)
                failures, delay = 0, FIRST_BACKOFF
        finally:
            await destination.close()

    def _note(self, text: str) -> None:
        import sys

        print(f"seaudit route: {text}", file=sys.stderr, flush=True)


def _records(batch: Batch) -> int:
    return len(batch.payloads) - list(batch.payloads).count(None)
