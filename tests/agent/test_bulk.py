"""The bulk replay is the per-event path, faster: the same records (origins included) in the
same order, the same tally, duplicates, markers, loss records and checkpoint, for streams
made of the recorded corpus's events taken apart (interleaved, cut short, repeated, late,
with serial gaps, junk and markers), read in chunks of any size, with and without a policy
and a checkpoint."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.agent.bulk import BulkReader
from seaudit.agent.checkpoint import Checkpoint
from seaudit.agent.mapping import service_name
from seaudit.agent.parse import EventId
from seaudit.agent.pipeline import Pipeline
from seaudit.agent.rows import Item, materialize
from seaudit.agent.run import ListSink, read_text, replay
from seaudit.schema.record import AuditRecord, Origin
from tests.agent.synthetic import STAMP

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd"
POLICY = Path(__file__).resolve().parents[2] / "src" / "seaudit" / "policy" / "example.selang"


def _corpus_events() -> list[list[str]]:
    events: dict[str, list[str]] = {}
    for path in sorted(CORPUS.glob("*.log*")):
        for line in path.read_text().splitlines():
            m = STAMP.search(line)
            if m:
                events.setdefault(f"{path.name} {m.group(0)}", []).append(line)
    return list(events.values())


EVENTS = _corpus_events()
JUNK = ["", "   ", "garbage", "type=SYSCALL msg=audit(x)", "node= type=EOE msg=audit(1.2:3): "]


def _restamp(lines: list[str], seconds: int, millis: int, serial: int, node: str | None) -> list:
    stamp = f"msg=audit({seconds}.{millis:03d}:{serial})"
    out = []
    for line in lines:
        line = STAMP.sub(stamp, line, count=1)
        if line.startswith("node="):
            line = line.split(" ", 1)[1]
        out.append(f"node={node} {line}" if node else line)
    return out


@st.composite
def streams(draw: st.DrawFn) -> list[str]:
    """Lines of corpus events with fresh ids, each maybe cut short, repeated, given an EOE,
    moved late or interleaved with the next; serials with gaps; junk between."""
    out: list[str] = []
    seconds, serial = 1_700_000_000, 100
    node = draw(st.sampled_from([None, "web01"]))
    for _ in range(draw(st.integers(0, 30))):
        seconds += draw(st.sampled_from([0, 0, 0, 1, 3]))  # 3 s: past the timeout
        serial += draw(st.sampled_from([1, 1, 1, 1, 2, 5]))  # > 1: a serial gap
        event = _restamp(draw(st.sampled_from(EVENTS)), seconds, 1, serial, node)
        roll = draw(st.integers(0, 11))
        if roll == 0 and len(event) > 1:
            event = event[:-1]  # no PROCTITLE: ends on its timeout
        elif roll == 1:
            event = [*event, event[0]]  # a record again, after the end
        elif roll == 2:
            event = [
                *event,
                _restamp(["type=EOE msg=audit(1.001:1): "], seconds, 1, serial, node)[0],
            ]
        elif roll == 3 and out:
            at = draw(st.integers(0, len(out)))
            out[at:at] = event  # comes early, among another event's lines
            continue
        elif roll == 4:
            out.append(draw(st.sampled_from(JUNK)))
        out.extend(event)
    return out


def _run(
    lines: list[str],
    *,
    bulk: bool,
    chunk: int,
    policy: bool,
    checkpoint: EventId | None,
    batch: int = 4096,
) -> tuple[list[tuple[AuditRecord, Origin | None]], object, dict[str | None, EventId]]:
    judge = None
    if policy:
        from seaudit.agent.policy import PolicyJudge
        from seaudit.policy import load_policy

        judge = PolicyJudge.of(load_policy(str(POLICY)))
    start = Checkpoint()
    if checkpoint is not None:
        start.update({checkpoint.node: checkpoint})
    sink = ListSink()
    rejects: list[str] = []
    pipeline = Pipeline(
        sink,
        node=None,
        source="t",
        policy=judge,
        checkpoint=start,
        on_reject=rejects.append,
        batch=batch,
    )
    stream = io.BytesIO("\n".join(lines).encode())
    if bulk:
        BulkReader(pipeline, chunk_bytes=chunk).read(stream, "s")
        pipeline.finish()
    else:
        read_text(pipeline, stream, "s", bulk=False)
    records = sink.take()
    g = pipeline.grouper
    tally = (pipeline.tally, g.duplicates, g.markers, rejects)
    return [(r, r.origin) for r in records], tally, dict(pipeline.checkpoint.marks)


@settings(max_examples=150, deadline=None)
@given(
    streams(),
    st.sampled_from([64, 700, 4096, 1 << 20]),
    st.booleans(),
    st.booleans(),
    st.sampled_from([1, 3, 4096]),
)
def test_bulk_equals_the_per_event_path(
    lines: list[str], chunk: int, policy: bool, resume: bool, batch: int
) -> None:
    """Both paths give the same records, tally and checkpoint, whatever the batch size:
    a flush while an event is still open neither drops it nor reports it lost."""
    checkpoint = None
    if resume and lines:
        m = STAMP.search(lines[len(lines) // 2])
        if m:
            node = (
                lines[len(lines) // 2].split(" ", 1)[0][5:]
                if lines[0].startswith("node=")
                else None
            )
            checkpoint = EventId(node, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    per_event = _run(lines, bulk=False, chunk=chunk, policy=policy, checkpoint=checkpoint)
    in_bulk = _run(lines, bulk=True, chunk=chunk, policy=policy, checkpoint=checkpoint, batch=batch)
    assert in_bulk == per_event
    batched = _run(
        lines, bulk=False, chunk=chunk, policy=policy, checkpoint=checkpoint, batch=batch
    )
    assert batched == per_event


@pytest.mark.parametrize("name", ["basic.log", "rotated.log.1"])
@pytest.mark.parametrize("bulk", [False, True])
def test_a_flush_while_an_event_is_open_loses_nothing(name: str, bulk: bool) -> None:
    """The recorded logs flushed after every record: the checkpoint moves past events still
    open (a CONFIG_CHANGE waiting for its timeout), and they must still be written, and not
    reported lost; the marks handed with a batch never pass an event still open."""
    lines = (CORPUS / name).read_text(errors="surrogateescape").splitlines()
    whole = _run(lines, bulk=bulk, chunk=1 << 20, policy=False, checkpoint=None)
    each = _run(lines, bulk=bulk, chunk=1 << 20, policy=False, checkpoint=None, batch=1)
    assert each[0] == whole[0] and whole[0]
    tally = each[1][0]
    assert tally.skipped == 0 and tally.lost == 0  # type: ignore[attr-defined]


def test_the_recorded_logs_replay_alike_in_bulk() -> None:
    for name in ("basic.log", "rotated.log"):
        runs = []
        for bulk in (False, True):
            sink = ListSink()
            pipeline = Pipeline(sink, node=None, source=name)
            replay(pipeline, [str(CORPUS / name)], bulk=bulk)
            runs.append(([(r, r.origin) for r in sink.take()], pipeline.tally))
        assert runs[0] == runs[1] and runs[0][0]


def _socket_events() -> dict[str, list[str]]:
    """The corpus's bind (port 0: nothing to remember; port 41845) and accept on one socket
    (pid 20300, fd 3), and the bind given port 22 instead."""
    found = {e[0].split("msg=audit(", 1)[1].split(")", 1)[0]: e for e in EVENTS}
    bind = found["1796016799.924:619"]
    return {
        "bind0": found["1796016799.924:618"],
        "bind": bind,
        "bind22": [t.replace("saddr=0200A375", "saddr=02000016") for t in bind],
        "accept": found["1796016799.928:621"],
    }


SOCKET_EVENTS = _socket_events()


def _socket_stream(names: list[str], second: int = 1_700_000_000) -> list[str]:
    """The named socket events in order, all in one second (one shape, node and second:
    the bulk path maps an accept's shape once a port it finds bound)."""
    out: list[str] = []
    for serial, name in enumerate(names, 1):
        out += _restamp(SOCKET_EVENTS[name], second, serial, serial, None)
    return out


def _services(records: list[tuple[AuditRecord, Origin | None]]) -> list[object]:
    return [r.get("service") for r, _ in records if r.get("service") is not None]


def test_an_accept_serves_the_port_its_socket_was_last_bound_to_in_bulk() -> None:
    """The bulk path carries the bound ports in order: the same accept, in the same second,
    serves no known port, then the bound one, then the one a later bind gave the socket."""
    lines = _socket_stream(["accept", "bind0", "accept", "bind", "accept", "bind22", "accept"])
    for chunk in (64, 1 << 20):
        per_event = _run(lines, bulk=False, chunk=chunk, policy=False, checkpoint=None)
        in_bulk = _run(lines, bulk=True, chunk=chunk, policy=False, checkpoint=None)
        assert in_bulk == per_event
        assert _services(in_bulk[0]) == ["unknown", "unknown", service_name(41845), "ssh"]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(SOCKET_EVENTS)), max_size=12),
    st.sampled_from([64, 700, 1 << 20]),
    st.booleans(),
)
def test_binds_and_accepts_in_any_order_replay_alike_in_bulk(
    names: list[str], chunk: int, policy: bool
) -> None:
    lines = _socket_stream(names)
    per_event = _run(lines, bulk=False, chunk=chunk, policy=policy, checkpoint=None)
    assert _run(lines, bulk=True, chunk=chunk, policy=policy, checkpoint=None) == per_event


class _MarkingSink(ListSink):
    """Each batch's records with the checkpoint marks handed with them."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[tuple[list[AuditRecord], dict[str | None, EventId]]] = []

    def __call__(self, items: list[Item], marks: dict[str | None, EventId]) -> None:
        self.batches.append((materialize(items), dict(marks)))


def _orders(records: list[AuditRecord]) -> list[tuple[int, int, int]]:
    """The (time, serial) of each record's event (a loss record has none)."""
    found = (STAMP.search(f"msg={r.origin.raw}") for r in records if r.origin is not None)
    return [(int(m.group(1)), int(m.group(2)), int(m.group(3))) for m in found if m]


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_runs_in_bulk_hand_the_checkpoint_no_event_before_its_records(batch: int) -> None:
    """The corpus events that end on their last line, in order, serials one by one (so most
    go in runs, ``Pipeline.bulk_run``), flushed every few records: the batches and their
    checkpoint marks are the per-event path's, and no mark reaches a record still to come
    (a mark may stay behind: an open serial gap holds it back)."""
    ending = [e for e in EVENTS if len(e) == 1 or "type=PROCTITLE" in e[-1]]  # none waits
    lines = []
    for serial, event in enumerate(ending * 3, 1):
        lines += _restamp(event, 1_700_000_000 + serial // 500, serial % 1000, serial, None)
    text = "\n".join(lines).encode()
    runs = []
    for bulk in (False, True):
        sink = _MarkingSink()
        pipeline = Pipeline(sink, node=None, source="t", batch=batch)
        if bulk:
            BulkReader(pipeline, chunk_bytes=1 << 20).read(io.BytesIO(text), "s")
            pipeline.finish()
        else:
            read_text(pipeline, io.BytesIO(text), "s", bulk=False)
        runs.append(sink.batches)
    assert runs[1] == runs[0]
    orders = [_orders(records) for records, _ in runs[1]]
    assert sum(map(len, orders)) > 100
    for i, (_, marks) in enumerate(runs[1]):
        mark = marks[None]
        at = (mark.seconds, mark.millis, mark.serial)
        assert all(o > at for later in orders[i + 1 :] for o in later)
