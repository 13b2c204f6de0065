"""The bulk path gives exactly the reference reader's records and rejects (origin, warnings and
order included), for any mix of renderings, junk, invalid UTF-8, blank and over-long lines,
wrong dates, and wherever the batch boundaries fall (its JSON lines: tests/export)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.schema.fields import KEYS
from seaudit.schema.record import AuditRecord
from seaudit.text.bulk import parse_batches, records_of
from seaudit.text.reader import Reject, read_stream
from tests.strategies import lines

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

JUNK = st.sampled_from(
    [
        b"",
        b"   ",
        b"junk",
        b"31 Feb 2009 10:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"29 Feb 2023 10:00:00 D FILE root Read 69 3 /tmp/x /bin/sh tty root",
        b"29 Feb 2024 10:00:00 D FILE root Read 69 3 /tmp/x /bin/sh tty root",
        b"01 Jan 2024 24:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"01 Jan 2024 10:00:60 P LOGIN root 59 2 tty1 /bin/login",
        b"29 Feb 1900 10:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"29 FEB 2000 10:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"01 Jan 0000 00:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"1 Jan 2024 10:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"01 jan 2024 10:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"31 Apr 2024 10:00:00 P LOGIN root 59 2 tty1 /bin/login",
        b"01 Jan 2024 10:00:00 Q LOGIN root 59 2 tty1 /bin/login",
        b"01 Jan 2024 10:00:00 C LOGIN root 59 2 tty1 /bin/login",
        b"01 Jan 2024 10:00:00 D TCP telnet root 408 2 host /usr/bin/telnet term",
        b"01 Jan 2024 10:00:00 P LOGIN r\xffot 59 2 tty1 /bin/login",
        b"\xff\xfe\x00 binary \x1b[31m",
        b"01 Jan 2024 10:00:00 P LOGIN root 59 2 tty1 /bin/login\r",
        b"  01 Jan 2024 10:00:00 P LOGIN root 59 2 tty1 /bin/login  ",
        b"01 Jan 2024 10:00:00 P LOGIN root (OS user) 59 2 tty1 /bin/login",
        b"01 Jan 2024 10:00:00 P LOGIN root 59 2 tty1 /bin/login (OS user) x",
        b"    Status: Denied",
        b"Class: FILE",
        b"Status: D\xffnied",
        b"  Event type: Login event",
        b"01 Jan 2024 10:00:00 P TRACE a b c d FILE /x 55 T \\x",
        b"01 Jan 2024 10:00:00 S UPDATE FILE a 305 0 obj term notselang x (OS user)",
        "01 Jan 2024 10:00:00 D FILE r\u00e9my Read 69 3 /tmp/\u2028x /bin/sh tty r".encode(),
        b'01 Jan 2024 10:00:00 D FILE "q\\" Read 69 3 /tmp/\tx /bin/sh tty r',
        b"x" * 300,
    ]
)


@st.composite
def files(draw: st.DrawFn) -> tuple[bytes, str | None]:
    platform = draw(st.sampled_from([None, "unix", "windows"]))
    parts: list[bytes] = []
    for _ in range(draw(st.integers(1, 14))):
        if draw(st.integers(0, 3)) == 0:
            parts.append(draw(JUNK))
        else:
            sample = draw(lines(platform=platform, detailed=None, early=True))
            parts.append(sample.text.encode("utf-8", "surrogateescape"))
    ending = draw(st.sampled_from([b"\n", b"", b"\r\n"]))
    return draw(st.sampled_from([b"\n", b"\r\n"])).join(parts) + ending, platform


def reference(
    data: bytes, platform: str | None, max_line: int, block_lines: int = 256
) -> list[object]:
    items = read_stream(
        io.BytesIO(data),
        source="f.txt",
        platform=platform,
        max_line_bytes=max_line,
        max_block_lines=block_lines,
    )
    return [_key(i) for i in items]


def bulk(
    data: bytes,
    platform: str | None,
    batch_bytes: int,
    max_line: int,
    chunk_lines: int = 1 << 18,
    block_lines: int = 256,
) -> list[object]:
    items: list[AuditRecord | Reject] = []
    last = 0
    for batch in parse_batches(
        io.BytesIO(data),
        source="f.txt",
        platform=platform,
        batch_bytes=batch_bytes,
        max_line_bytes=max_line,
        max_block_lines=block_lines,
        chunk_lines=chunk_lines,
    ):
        got: list[AuditRecord | Reject] = [*records_of(batch), *batch.rejects]
        got.sort(key=_line)
        assert not got or _line(got[0]) > last  # batches come in line order
        last = _line(got[-1]) if got else last
        items.extend(got)
    return [_key(i) for i in items]


def _line(item: AuditRecord | Reject) -> int:
    if isinstance(item, Reject):
        return item.line
    assert item.origin is not None
    return item.origin.line


def _key(item: object) -> object:
    if isinstance(item, Reject):
        return ("reject", item)
    assert isinstance(item, AuditRecord)
    return ("record", item, item.warnings, item.origin)


@settings(max_examples=30)
@given(
    files(),
    st.sampled_from([5, 64, 300, 1 << 20]),
    st.sampled_from([80, 1 << 20]),
    st.sampled_from([1, 3, 1 << 18]),
    st.sampled_from([2, 5, 256]),
)
def test_bulk_equals_reference(
    file: tuple[bytes, str | None],
    batch_bytes: int,
    max_line: int,
    chunk_lines: int,
    block_lines: int,
) -> None:
    """Any chunking (bytes and lines), any line and block caps: the same records and rejects."""
    data, platform = file
    got = bulk(data, platform, batch_bytes, max_line, chunk_lines, block_lines)
    assert got == reference(data, platform, max_line, block_lines)


@settings(max_examples=25)
@given(
    st.lists(
        st.builds(lambda s: s.text, lines(detailed=False, early=True)), min_size=1, max_size=30
    ),
    st.sampled_from([1, 100, 1 << 20]),
)
def test_non_detailed_files_equal_reference(texts: list[str], batch_bytes: int) -> None:
    data = "\n".join(texts).encode("utf-8", "surrogateescape") + b"\n"
    assert bulk(data, None, batch_bytes, 1 << 20) == reference(data, None, 1 << 20)


def test_over_long_line_without_newline_is_rejected_in_bounded_memory() -> None:
    data = b"01 Jan 2024 10:00:00 P LOGIN root 59 2 tty1 /bin/login\n" + b"y" * 5000
    data += b"\n" + b"z" * 5000
    got = bulk(data, None, 64, 1000)
    assert got == reference(data, None, 1000)
    assert [k[1].reason for k in got if k[0] == "reject"] == [  # type: ignore[index]
        "line longer than 1000 bytes; skipped"
    ] * 2


def test_corpus_files_equal_reference_and_frame_schema() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        data = path.read_bytes()
        for batch_bytes in (50, 1 << 20):
            assert bulk(data, None, batch_bytes, 1 << 20) == reference(data, None, 1 << 20), path
    batch = next(parse_batches(io.BytesIO((CORPUS / "unix_plain.txt").read_bytes()), source="x"))
    assert batch.frame.columns == ["line", *KEYS, "warnings", "raw"]
    assert batch.frame.schema["stage"] == pl.Int64
    assert batch.frame.schema["real_uid"] == pl.Utf8


def test_records_of_restores_real_uid_ints_and_origin() -> None:
    line = (
        b"10 Nov 2008 10:14:53 P TRACE MACHINE\\Administrator MACHINE\\john 0108 "
        b"WINSERVICE _default 1059 WINSERVICE > (C:\\x.exe) Result: 'P'"
    )
    for platform in ("windows", None):
        batch = next(parse_batches(io.BytesIO(line + b"\n"), source="w.txt", platform=platform))
        (rec,) = records_of(batch)
        (ref,) = read_stream(io.BytesIO(line), source="w.txt", platform=platform)
        assert rec == ref and rec.origin == ref.origin and rec.warnings == ref.warnings
    assert batch.frame["real_uid"].to_list() == ["MACHINE\\john"] or rec.real_uid is not None
