"""Arbitrary input through the reader and both parsers: nothing but ParseError escapes a
parser, the reader turns every line into a record or a reject, and no line is lost."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import ParseError
from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import parse_detailed
from seaudit.text.reader import Reject, decode, is_continuation, read_stream
from seaudit.text.short import parse_short, render_short
from tests.strategies import lines

SRC = Path(__file__).resolve().parents[2] / "src"


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A rendered record, then cut, spliced or sprinkled with bytes: close to real, often bad."""
    line = draw(lines(detailed=None)).text.encode("utf-8", "surrogateescape")
    op = draw(st.sampled_from(("keep", "cut", "insert", "replace", "swap")))
    at = draw(st.integers(0, len(line)))
    junk = draw(st.binary(max_size=12))
    if op == "cut":
        return line[:at]
    if op == "insert":
        return line[:at] + junk + line[at:]
    if op == "replace":
        return line[:at] + junk + line[at + len(junk) :]
    if op == "swap":
        words = line.split(b" ")
        i = draw(st.integers(0, len(words) - 1))
        words[i] = draw(
            st.sampled_from(
                (
                    b"31",
                    b"Feb",
                    b"99:99:99",
                    b"Q",
                    b"LOGIN",
                    b"TCP",
                    b"(OS",
                    b"user)",
                    b"Event type:",
                    b"",
                    b"x" * 300,
                )
            )
        )
        return b" ".join(words)
    return line


CHUNKS = st.one_of(
    mutated(),
    st.binary(max_size=200),
    st.text(max_size=120).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


def physical_lines(data: bytes) -> list[str]:
    """The lines the reader sees (split at LF only, CR before LF dropped)."""
    parts = data.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [decode(p.rstrip(b"\r")) for p in parts]


@given(chunks=st.lists(CHUNKS, max_size=12), sep=st.sampled_from((b"\n", b"\r\n", b"\n\n")))
def test_the_reader_loses_no_line(chunks: list[bytes], sep: bytes) -> None:
    data = sep.join(chunks)
    items = list(read_stream(io.BytesIO(data), source="fuzz"))
    starts = []
    for item in items:
        assert isinstance(item, (AuditRecord, Reject))
        if isinstance(item, Reject):
            assert item.source == "fuzz" and item.reason
            assert str(item) == f"fuzz:{item.line}: {item.reason}"
            assert not item.reason.startswith("internal parser error"), item
            starts.append(item.line)
        else:
            assert item.origin is not None
            starts.append(item.origin.line)
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    text = physical_lines(data)
    # every non-blank line starts an item, or is a label line of the record before it
    heads = [n for n, t in enumerate(text, 1) if t.strip() and not is_continuation(t)]
    assert set(heads) <= set(starts)
    assert set(starts) <= {n for n, t in enumerate(text, 1) if t.strip()}


@given(text=st.one_of(st.text(max_size=300), mutated().map(decode)))
def test_the_parsers_raise_nothing_but_parse_error(text: str) -> None:
    for parse in (parse_short, parse_detailed):
        for platform in (None, "unix", "windows"):
            try:
                record = parse(text, platform=platform)
            except ParseError as exc:
                assert exc.reason
                continue
            assert isinstance(record, AuditRecord)
            render_short(record, sessionid=True)  # what was read can be written


@given(data=st.binary(max_size=2000))
def test_binary_garbage(data: bytes) -> None:
    items = list(read_stream(io.BytesIO(data), source="bin"))
    assert all(isinstance(i, (AuditRecord, Reject)) for i in items)


ATHERIS_TARGET = textwrap.dedent("""
    import io, sys
    import atheris
    with atheris.instrument_imports():
        from seaudit.errors import ParseError
        from seaudit.text.detailed import parse_detailed
        from seaudit.text.reader import Reject, read_stream
        from seaudit.text.short import parse_short, render_short
        from seaudit.schema.record import AuditRecord

    SEED = (b"28 Oct 2008 12:15:01 P LOGIN root 49047159:0000034b 59 2 _CRONJOB_ SBIN_CRON "
            b"Event: Login event Status: Permitted UserName: root AuditFlags: AC database user\\n"
            b"05 Nov 2008 15:45:12 S UPDATE FILE DOMAIN\\\\computer 305 0 dfdok t cr file x\\n")

    def one(data: bytes) -> None:
        for item in read_stream(io.BytesIO(data), source="fuzz"):
            assert isinstance(item, (AuditRecord, Reject))
            if isinstance(item, Reject):
                assert not item.reason.startswith("internal"), item
        text = data.decode("utf-8", "surrogateescape")
        for parse in (parse_short, parse_detailed):
            try:
                render_short(parse(text))
            except ParseError:
                pass

    one(SEED)
    atheris.Setup(sys.argv, one)
    atheris.Fuzz()
""")


@pytest.mark.slow
def test_atheris_short_run(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    target = tmp_path / "fuzz_target.py"
    target.write_text(ATHERIS_TARGET)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "seed").write_bytes(
        b"18 Nov 2008 15:23:56 D FILE admabc 4922ae61:00000132 Read 69 3 "
        b"/tmp/one /usr/local/bin/tcsh localhost admabc\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [
            sys.executable,
            str(target),
            "-max_total_time=4",
            "-rss_limit_mb=1024",
            "-max_len=4096",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done" in done.stderr or "DONE" in done.stderr
