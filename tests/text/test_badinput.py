"""Bad input is treated one way by every verb: reported as it comes, one hint when a file
starts with rejects only, strict mode stopping at the first; the bulk path's batches and the
reference reader's items give the same reports (a property)."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.text.badinput import (
    HINT_AFTER,
    BadInput,
    checked_batches,
    checked_items,
    rejects_file,
)
from seaudit.text.bulk import parse_batches, records_of
from seaudit.text.reader import Reject, read_stream

GOOD = "28 Oct 2008 12:15:01 P LOGIN root 59 2 _CRONJOB_ SBIN_CRON"
BAD = "this is not a record"


def run_bulk(text: str, strict: bool, batch_bytes: int = 1 << 20) -> tuple[list[str], list[int]]:
    said: list[str] = []
    bad = BadInput(strict=strict, emit=said.append)
    bad.start()
    lines: list[int] = []
    data = io.BytesIO(text.encode())
    for batch in checked_batches(parse_batches(data, source="f", batch_bytes=batch_bytes), bad):
        lines += [r.origin.line for r in records_of(batch) if r.origin]
    return said, lines


def run_items(text: str, strict: bool) -> tuple[list[str], list[int]]:
    said: list[str] = []
    bad = BadInput(strict=strict, emit=said.append)
    bad.start()
    items = read_stream(io.BytesIO(text.encode()), source="f")
    lines = [r.origin.line for r in checked_items(items, bad) if r.origin]
    return said, lines


def test_a_hint_after_leading_rejects_only() -> None:
    said, _ = run_items("\n".join([BAD] * (HINT_AFTER + 5)) + "\n", strict=False)
    hints = [s for s in said if "hint:" in s]
    assert len(hints) == 1 and said.index(hints[0]) == HINT_AFTER
    said, _ = run_items("\n".join([GOOD] + [BAD] * (HINT_AFTER + 5)) + "\n", strict=False)
    assert not [s for s in said if "hint:" in s]


def test_strict_stops_at_the_first_reject_keeping_what_came_before() -> None:
    text = "\n".join([GOOD, GOOD, BAD, GOOD]) + "\n"
    for run in (run_items, run_bulk):
        said, lines = run(text, True)
        assert lines == [1, 2]
        assert said == [
            "f:3: too short for a seaudit record (expected 'DD Mon YYYY HH:MM:SS STATUS ...')"
        ]


def test_messages_are_escaped() -> None:
    said: list[str] = []
    BadInput(emit=said.append).reject(Reject("in\x1b[2J.txt", 3, "bad \x07 value", "raw"))
    assert said == ["in\\x1b[2J.txt:3: bad \\x07 value"]


@settings(max_examples=60)
@given(
    st.lists(st.sampled_from([GOOD, BAD, ""]), max_size=60),
    st.booleans(),
    st.sampled_from([7, 100, 1 << 20]),
)
def test_batches_and_items_report_the_same(lines: list[str], strict: bool, size: int) -> None:
    text = "\n".join(lines) + "\n"
    assert run_bulk(text, strict, size) == run_items(text, strict)


def test_the_rejects_file_keeps_the_bytes_as_read(tmp_path: Path) -> None:
    raw = b"bad \xff\xfe line \x1b[2J"
    (reject,) = read_stream(io.BytesIO(raw + b"\n"), source="f")
    assert isinstance(reject, Reject)
    path = tmp_path / "rejects.txt"
    with rejects_file(str(path)) as writer:
        assert writer is not None
        assert writer.write([reject, reject]) == 2
        writer.flush()
        assert path.read_bytes() == (raw + b"\n") * 2
    with rejects_file(None) as nothing:
        assert nothing is None
