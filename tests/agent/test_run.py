from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seaudit.agent.pipeline import Pipeline
from seaudit.agent.run import ListSink, StoreSink, read_text, stream_records

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd" / "basic.log"


def test_streamed_records_are_those_of_a_plain_run() -> None:
    plain = ListSink()
    read_text(Pipeline(plain, node=None, source="s"), io.BytesIO(CORPUS.read_bytes()))
    expected = plain.take()
    sink = ListSink()
    pipeline = Pipeline(sink, node=None, source="s", batch=3)
    got = list(
        stream_records(pipeline, sink, lambda p: read_text(p, io.BytesIO(CORPUS.read_bytes())))
    )
    assert got == expected and len(got) > 10


def test_the_store_sink_leaves_out_what_is_stored_until_a_batch_is_all_new(
    tmp_path: Path,
) -> None:
    from seaudit.store import Store

    records = ListSink()
    read_text(Pipeline(records, node=None, source="s"), io.BytesIO(CORPUS.read_bytes()))
    batch = records.take()
    store = Store(tmp_path)
    with store.open_log() as log:
        StoreSink(store, log, dedup=False)(batch[:10], {})
        sink = StoreSink(store, log, dedup=True)
        sink(batch[:20], {})  # the first 10 are stored already
        assert sink.dedup  # it found some: the next batch is checked too
        sink(batch[20:], {})
        assert not sink.dedup  # that one was all new: no more checks
    assert store.last_seq() == len(batch)


RECORDED = sorted((CORPUS.parent).glob("*.expected.jsonl"))


@pytest.mark.parametrize("expected", RECORDED, ids=lambda p: p.name.split(".")[0])
def test_a_recorded_log_replays_to_its_expected_records(expected: Path) -> None:
    """``seaudit agent --from-log NAME.log --to jsonl`` as a process (times in UTC): the
    records kept beside the log (rotated siblings ``NAME.log.N`` are read first)."""
    log = expected.with_name(expected.name.replace(".expected.jsonl", ".log"))
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "agent", "--from-log", str(log), "--to", "jsonl"],
        capture_output=True,
        timeout=120,
        env={**os.environ, "TZ": "UTC"},
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stdout.decode().splitlines() == expected.read_text().splitlines()
    assert b" 0 rejected, 0 duplicate" in done.stderr


def test_the_recorded_logs_are_there() -> None:
    assert {p.name for p in RECORDED} >= {"basic.expected.jsonl", "rotated.expected.jsonl"}
    assert (CORPUS.parent / "rotated.log.1").is_file()


LOGIN = (
    "type=USER_LOGIN msg=audit({t}:{s}): pid=20300 uid=0 auid=3729602 ses=14 msg='op=login "
    'acct="seaudit-test" exe="/usr/sbin/sshd" hostname=localhost addr=127.0.0.1 '
    "terminal=ssh res=success'\n"
)
#: auditd's own events: mapped to nothing and outside the serial watch, so a flood of them
#: makes no record that would fill a batch (and flush it) by itself
ROTATE = "type=DAEMON_ROTATE msg=audit({t}:{s}): op=rotate-logs auid=0 pid=1 res=success\n"


def test_under_sustained_load_the_plugin_writes_records_within_seconds(tmp_path: Path) -> None:
    """``seaudit agent --plugin`` fed faster than it can read (its queue never empties): a
    login sent early is in the store while the flood still goes on, and at the end every
    line sent was either read or reported dropped in a product-error record."""
    from seaudit.agent.loss import AGENT_USER
    from seaudit.query.spec import Filter
    from seaudit.query.where import parse_where
    from seaudit.store import Store

    store = tmp_path / "store"
    proc = subprocess.Popen(
        [sys.executable, "-m", "seaudit", "agent", "--plugin", "--store", str(store)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stderr is not None
    block = "".join(ROTATE.format(t="1700000000.000", s=n) for n in range(2000)).encode()
    sent = 2000
    proc.stdin.write(block + LOGIN.format(t="1700000001.000", s=1).encode())
    sent += 1
    started = time.monotonic()
    seen_at = None
    try:
        while time.monotonic() - started < 20 and seen_at is None:
            for _ in range(20):  # about 0.1 s of flood between two looks at the store
                proc.stdin.write(block)
                sent += 2000
            if (store / "seos.audit").exists():
                flt = Filter(parse_where("event = login"))
                if any(r.user == "seaudit-test" for _, r in Store(store).select(flt)):
                    seen_at = time.monotonic() - started
        proc.stdin.close()
        proc.wait(120)
    finally:
        proc.kill()
        proc.wait()
    assert seen_at is not None and seen_at < 5, "the login waited behind the flood"
    summary = proc.stderr.read().decode()
    assert proc.returncode == 0, summary
    read = int(re.search(r"agent: (\d+) lines", summary).group(1))  # type: ignore[union-attr]
    flt = Filter(parse_where(f"status = C and user = '{AGENT_USER}'"))
    dropped = sum(
        int((r.trace or "").split(" ")[0])
        for _, r in Store(store).select(flt)
        if r.resource == "agent.queue"
    )
    assert read + dropped == sent  # drops depend on the machine: none is silent
