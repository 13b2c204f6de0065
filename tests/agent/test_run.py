from __future__ import annotations

import io
import os
import subprocess
import sys
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
