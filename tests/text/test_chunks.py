"""Chunking: bounded in bytes and lines, losing nothing, line numbers right."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.text.chunks import segments


@settings(max_examples=60)
@given(
    st.lists(st.sampled_from([b"x", b"", b"    Details: y", b"z" * 30]), max_size=60),
    st.sampled_from([1, 2, 7, 1 << 18]),
    st.sampled_from([3, 50, 1 << 20]),
)
def test_chunks_are_bounded_in_lines_and_lose_nothing(
    lines_: list[bytes], max_lines: int, batch_bytes: int
) -> None:
    """A file of tiny lines cannot put millions of lines in one chunk (each becomes Python
    objects on the slow path): every chunk holds at most ``max_lines`` lines, and the chunks
    are the input, in order, with the right first line numbers."""
    data = b"\n".join(lines_) + b"\n"
    got = b""
    expected_line = 1
    for kind, first, chunk, _ in segments(io.BytesIO(data), batch_bytes, 1 << 20, max_lines):
        assert kind == "lines" and first == expected_line
        assert chunk.count(b"\n") <= max_lines
        got += chunk
        expected_line += chunk.count(b"\n")
    assert got == data
