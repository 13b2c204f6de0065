"""Reading files and streams: mixed renderings, blocks, blank lines, bad lines reported as
``FILE:LINE: reason`` with the good lines around them kept, invalid UTF-8 kept, long lines."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from seaudit.schema.record import AuditRecord
from seaudit.text.reader import Reject, is_continuation, read_file, read_stream, records_only
from seaudit.text.short import render_short
from tests.strategies import Sample, lines

LOGIN = b"28 Oct 2008 12:15:01 P LOGIN root 59 2 tty1 /bin/login"
RESOURCE = b"18 Nov 2008 15:23:56 D FILE admabc Read 69 3 /tmp/one /bin/sh localhost admabc"


def read(data: bytes, **kw: object) -> list[AuditRecord | Reject]:
    return list(read_stream(io.BytesIO(data), source="audit.txt", **kw))  # type: ignore[arg-type]


def describe(items: list[AuditRecord | Reject]) -> list[tuple[str, int]]:
    out = []
    for item in items:
        if isinstance(item, Reject):
            out.append((str(item), item.line))
        else:
            assert item.origin is not None
            out.append((item.event, item.origin.line))
    return out


def test_mixed_short_detailed_and_blocks_with_bad_lines_between() -> None:
    data = b"\n".join(
        [
            LOGIN,
            b"",
            b"    Status: Denied",
            RESOURCE,
            b"    Event type: Resource access",
            b"    Status: Denied",
            b"    Details: No step that allowed access",
            b"31 Feb 2009 15:37:43 D TCP telnet root 408 2 h p t",
            b"\xff\xfe garbage \x00",
            RESOURCE + b" Event type: Resource access Audit flags: AC database user",
            b"21 Jan 2009 15:37:43 D WHATEVER x y z",
            LOGIN + b"\r",
            b"",
        ]
    )
    items = read(data)
    assert describe(items) == [
        ("login", 1),
        ("audit.txt:3: a detailed label line with no record before it", 3),
        ("resource_access", 4),
        ("audit.txt:8: not a valid date and time: '31 Feb 2009 15:37:43'", 8),
        (
            "audit.txt:9: too short for a seaudit record (expected 'DD Mon YYYY HH:MM:SS STATUS "
            "...')",
            9,
        ),
        ("resource_access", 10),
        (
            "audit.txt:11: no event layout fits status 'D' with 'WHATEVER' in the Event/Class"
            " column and 4 fields",
            11,
        ),
        ("login", 12),
    ]
    block = items[2]
    assert isinstance(block, AuditRecord)
    assert block.stage_message == "No step that allowed access"
    one_line = items[5]
    assert isinstance(one_line, AuditRecord) and one_line.audit_flags == "AC database user"
    assert items[1].raw == "    Status: Denied"  # type: ignore[union-attr]


def test_invalid_utf8_is_kept_not_dropped() -> None:
    items = read(LOGIN.replace(b"root", b"r\xffoot") + b"\n\xc3(\n")
    record, reject = items
    assert isinstance(record, AuditRecord) and isinstance(reject, Reject)
    assert record.user is not None
    assert record.user.encode("utf-8", "surrogateescape") == b"r\xffoot"
    assert reject.raw.encode("utf-8", "surrogateescape") == b"\xc3("
    line = render_short(record).encode("utf-8", "surrogateescape")
    assert line == LOGIN.replace(b"root", b"r\xffoot")


def test_an_overlong_line_is_rejected_and_the_lines_around_it_kept() -> None:
    data = LOGIN + b"\n" + b"x" * 5000 + b"\n" + RESOURCE + b"\n" + b"y" * 5000
    items = read(data, max_line_bytes=1000)
    assert describe(items) == [
        ("login", 1),
        ("audit.txt:2: line longer than 1000 bytes; skipped", 2),
        ("resource_access", 3),
        ("audit.txt:4: line longer than 1000 bytes; skipped", 4),
    ]
    assert len(items[1].raw) <= 1024  # type: ignore[union-attr]


def test_a_huge_line_without_newline_in_bounded_memory() -> None:
    data = LOGIN + b"\n" + b"z" * (3 << 20)
    items = read(data)
    assert describe(items) == [
        ("login", 1),
        ("audit.txt:2: line longer than 1048576 bytes; skipped", 2),
    ]


def test_read_file_on_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "seos.audit.txt"
    path.write_bytes(LOGIN + b"\r\n" + b"junk\r\n" + RESOURCE + b"\r\n")
    items = list(read_file(str(path)))
    assert describe(items) == [
        ("login", 1),
        (
            f"{path}:2: too short for a seaudit record"
            " (expected 'DD Mon YYYY HH:MM:SS STATUS ...')",
            2,
        ),
        ("resource_access", 3),
    ]
    assert [r.event for r in records_only(items)] == ["login", "resource_access"]


def test_continuation_lines() -> None:
    assert is_continuation("    Event type: Login event")
    assert is_continuation("Status:Denied")
    assert not is_continuation(LOGIN.decode())
    assert not is_continuation("Result: 'P'")


@given(
    samples=st.lists(lines(detailed=None), min_size=1, max_size=8),
    blank=st.sampled_from([b"\n", b"\n\n", b"\r\n"]),
)
def test_a_stream_of_rendered_records_reads_back(samples: list[Sample], blank: bytes) -> None:
    # the reader starts a new record at each line that is not a label line, so blocks follow
    # each other without blank lines; without a platform, the values must still come back
    # (the platform itself only where the line shows it) or the record says why not
    data = blank.join(s.text.encode("utf-8", "surrogateescape") for s in samples) + blank
    items = read(data)
    assert all(isinstance(i, AuditRecord) for i in items), [str(i) for i in items]
    for got, sample in zip(items, samples, strict=True):
        assert isinstance(got, AuditRecord)
        assert got.replace(platform=None) == sample.record.replace(platform=None) or got.warnings


def test_label_lines_under_a_non_detailed_line_are_not_its_values() -> None:
    # bug: "    Status: Denied" under a non-detailed line was joined to it, and its words were
    # read as the record's last values (terminal 'Status:', effective user 'Denied'), silently
    items = read(RESOURCE + b"\n    Status: Denied\n    Terminal: x\n" + LOGIN + b"\n")
    assert describe(items) == [
        ("resource_access", 1),
        ("audit.txt:2: a detailed label line under a record without an 'Event type:' label", 2),
        ("audit.txt:3: a detailed label line under a record without an 'Event type:' label", 3),
        ("login", 4),
    ]
    record = items[0]
    assert isinstance(record, AuditRecord)
    assert (record.terminal, record.effective_user) == ("localhost", "admabc")
    assert items[1].raw == "    Status: Denied"  # type: ignore[union-attr]


def test_an_endless_detailed_block_is_rejected_whole_and_reading_goes_on() -> None:
    head = (
        "18 Nov 2008 15:23:56 D FILE admabc Read 69 3 /tmp/one /usr/local/bin/tcsh localhost "
        "admabc Event type: Resource access Status: Denied"
    )
    after = "28 Oct 2008 12:15:01 P LOGIN root 59 2 _CRONJOB_ SBIN_CRON"
    data = (head + "\n" + "    Details: x\n" * 5000 + after + "\n").encode()
    items = list(read_stream(io.BytesIO(data), source="big.txt"))
    assert len(items) == 2
    reject, record = items
    assert isinstance(reject, Reject) and reject.line == 1
    assert "lines 1-5001" in reject.reason and "256 lines" in reject.reason
    assert len(reject.raw) <= 1024
    assert isinstance(record, AuditRecord) and record.user == "root"


def test_a_block_is_bounded_in_bytes_too() -> None:
    head = "28 Oct 2008 12:15:01 P LOGIN root 59 2 _CRONJOB_ SBIN_CRON Event: Login event"
    data = (head + "\n" + ("    Details: " + "y" * 900 + "\n") * 40).encode()
    (item,) = read_stream(io.BytesIO(data), source="b", max_block_bytes=10_000)
    assert isinstance(item, Reject) and "10000 bytes" in item.reason
    (kept,) = read_stream(io.BytesIO(data), source="b", max_block_bytes=1 << 20)
    assert isinstance(kept, AuditRecord) and kept.user == "root"
