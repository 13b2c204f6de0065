"""The routed message bytes: decode(encode(batch)) is the batch; damaged bytes are a clear
WireError, never a crash or a wrong batch; messages of version 1 (still in a stream after an
upgrade) are read as they were."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.log.links import Link, SegmentStart
from seaudit.route.wire import Batch, WireError, decode_links, encode_links

hashes = st.binary(min_size=32, max_size=32)
segments = st.builds(SegmentStart, hashes, st.binary(min_size=48, max_size=48), hashes)


@st.composite
def links(draw: st.DrawFn) -> Link:
    first = draw(st.integers(1, 2**40))
    seq = draw(st.integers(first, first + 1000))
    payload = draw(st.none() | st.binary(max_size=300))
    if payload is not None:
        first = seq
    return Link(
        first,
        seq,
        draw(hashes),
        draw(hashes),
        payload,
        tuple(draw(st.lists(segments, max_size=3))),
        draw(st.booleans()),
    )


@settings(max_examples=200)
@given(st.lists(links(), max_size=20), st.integers(0, 2**63))
def test_round_trip(batch: list[Link], prev: int) -> None:
    got = decode_links(encode_links(batch, prev))
    assert got.prev_seq == prev and got.links == batch
    assert got == Batch.of(prev, batch)


def encode_v1(links: list[Link], prev_seq: int) -> bytes:
    """Version 1 as routers wrote it: link after link."""
    parts = [struct.pack("<4sBIQ", b"SEAL", 1, len(links), prev_seq)]
    for link in links:
        payload = link.payload or b""
        flags = (1 if link.payload is not None else 0) | (2 if link.keyed else 0)
        parts.append(
            struct.pack(
                "<BQQ32s32sIB",
                flags,
                link.first,
                link.seq,
                link.prev,
                link.hash,
                len(payload),
                len(link.segments),
            )
        )
        parts.extend(s.prev_hash + s.anchored + s.anchor for s in link.segments)
        parts.append(payload)
    return b"".join(parts)


@settings(max_examples=100)
@given(st.lists(links(), max_size=20), st.integers(0, 2**63))
def test_version_1_is_still_read(batch: list[Link], prev: int) -> None:
    assert decode_links(encode_v1(batch, prev)) == Batch.of(prev, batch)


@settings(max_examples=200)
@given(st.lists(links(), min_size=1, max_size=5), st.data())
def test_cut_or_padded_bytes_are_refused(batch: list[Link], data: st.DataObject) -> None:
    raw = data.draw(st.sampled_from([encode_links(batch, 0), encode_v1(batch, 0)]))
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(WireError):
        decode_links(raw[:cut])
    with pytest.raises(WireError):
        decode_links(raw + b"x")


@pytest.mark.parametrize("raw", [b"", b"SEAL", b"JUNK" + bytes(20), b"\x00" * 64])
def test_garbage_is_refused(raw: bytes) -> None:
    with pytest.raises(WireError):
        decode_links(raw)
