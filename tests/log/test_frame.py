from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from seaudit.log.frame import (
    BAD,
    HEADER_SIZE,
    INCOMPLETE,
    OK,
    Header,
    Scan,
    decode_header,
    encode_frame,
    encode_header,
    parse_frame,
    valid_frame_after,
)

HASH = bytes(range(32))


@given(st.integers(0, 2**63), st.binary(max_size=300))
def test_frame_round_trip(seq: int, payload: bytes) -> None:
    data = encode_frame(seq, payload, HASH)
    status, frame = parse_frame(data, 0)
    assert status == OK and frame is not None
    assert (frame.seq, frame.payload, frame.chain_hash, frame.end) == (
        seq,
        payload,
        HASH,
        len(data),
    )


@given(st.binary(min_size=1, max_size=100), st.data())
def test_any_prefix_is_incomplete_and_any_flip_is_bad(payload: bytes, data: st.DataObject) -> None:
    frame = encode_frame(7, payload, HASH)
    cut = data.draw(st.integers(1, len(frame) - 1))
    assert parse_frame(frame[:cut], 0)[0] == INCOMPLETE
    at = data.draw(st.integers(0, len(frame) - 1))
    flipped = bytearray(frame)
    flipped[at] ^= data.draw(st.integers(1, 255))
    assert parse_frame(bytes(flipped), 0)[0] in (BAD, INCOMPLETE)
    assert parse_frame(bytes(flipped), 0)[1] is None


def test_header_round_trip_and_checks() -> None:
    h = Header(5, 1, 1, 123456789, HASH, bytes(32)[::-1], keyed=True)
    raw = encode_header(h)
    assert len(raw) == HEADER_SIZE == 128 and raw[:8] == b"SEAUDLOG"
    assert decode_header(raw) == h
    assert zlib.crc32(raw[:124]) == int.from_bytes(raw[124:], "little")
    for bad, why in [
        (raw[:100], "shorter"),
        (b"X" + raw[1:], "magic"),
        (raw[:20] + b"\x09" + raw[21:], "checksum"),
    ]:
        try:
            decode_header(bad)
        except ValueError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(why)


def test_scan_stops_at_a_torn_tail_and_resync_finds_later_frames() -> None:
    head = encode_header(Header(1, 0, 1, 0, bytes(32)))
    frames = [encode_frame(i, b"x" * i, HASH) for i in range(1, 5)]
    whole = head + b"".join(frames)
    scan = Scan(whole)
    assert [f.seq for f in scan] == [1, 2, 3, 4] and scan.stop == "eof"
    torn = whole[:-3]
    scan = Scan(torn)
    assert [f.seq for f in scan] == [1, 2, 3] and scan.stop == INCOMPLETE
    assert valid_frame_after(torn, scan.stop_offset) == -1
    damaged = bytearray(whole)
    second = HEADER_SIZE + len(frames[0])
    damaged[second + 15] ^= 1
    scan = Scan(bytes(damaged))
    assert [f.seq for f in scan] == [1] and scan.stop == BAD
    assert valid_frame_after(bytes(damaged), scan.stop_offset) == second + len(frames[1])
