from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

from seaudit.agent.intake import PluginReader, lines_of, with_rotated
from seaudit.agent.parse import MAX_LINE


def test_rotated_siblings_come_first_highest_number_first(tmp_path: Path) -> None:
    for name in ("audit.log", "audit.log.1", "audit.log.2", "audit.log.10", "audit.log.old"):
        (tmp_path / name).write_text("")
    got = [p.name for p in with_rotated([str(tmp_path / "audit.log")])]
    assert got == ["audit.log.10", "audit.log.2", "audit.log.1", "audit.log"]
    again = with_rotated([str(tmp_path / "audit.log.1"), str(tmp_path / "audit.log")])
    assert [p.name for p in again] == ["audit.log.1", "audit.log.10", "audit.log.2", "audit.log"]


def test_an_endless_line_is_cut_not_held_in_memory() -> None:
    data = b"x" * (MAX_LINE * 2 + 5) + b"\nshort\n"
    pieces = list(lines_of(io.BytesIO(data)))
    assert max(len(p) for p in pieces) <= MAX_LINE + 1
    assert pieces[-1] == "short\n"
    assert sum(len(p) for p in pieces) == len(data)


def test_the_plugin_reader_never_blocks_and_counts_what_it_drops() -> None:
    read_end, write_end = os.pipe()
    reader = PluginReader(os.fdopen(read_end, "rb"), maxsize=10).start()
    with os.fdopen(write_end, "wb") as w:
        w.write(b"".join(b"type=X msg=audit(1.000:%d): a=1\n" % n for n in range(100)))
    deadline = time.monotonic() + 10
    while reader.queue.qsize() + reader.dropped < 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert reader.dropped == 90  # it read to the end although nobody consumed
    queued = []
    while (item := reader.queue.get(timeout=5)) is not None:
        queued.append(item)
    assert len(queued) + reader.take_dropped() == 100
    reader.thread.join(10)
    assert reader.take_dropped() == 0


def test_the_end_of_stream_gets_through_a_full_queue() -> None:
    reader = PluginReader(io.BytesIO(b"a\nb\nc\n"), maxsize=2)
    done = threading.Event()

    def consume() -> None:
        while reader.queue.get(timeout=5) is not None:
            pass
        done.set()

    reader.start()
    threading.Thread(target=consume, daemon=True).start()
    assert done.wait(10)
