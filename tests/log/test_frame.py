from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from seaudit.log.chain import Chain
from seaudit.log.frame import (
    BAD,
    HEADER_SIZE,
    INCOMPLETE,
    OK,
    Header,
    Scan,
    block_body,
    decode_header,
    encode_frame,
    encode_header,
    parse_block,
    parse_frame,
    record_crc,
    seal_block,
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
    head = encode_header(Header(1, 0, 1, 0, bytes(32), version=2))
    frames = [encode_frame(i, b"x" * i, HASH) for i in range(1, 5)]
    whole = head + b"".join(frames)
    scan = Scan(whole)
    assert [f.first_seq for f in scan] == [1, 2, 3, 4] and scan.stop == "eof"
    torn = whole[:-3]
    scan = Scan(torn)
    assert [f.first_seq for f in scan] == [1, 2, 3] and scan.stop == INCOMPLETE
    assert valid_frame_after(torn, scan.stop_offset) == -1
    damaged = bytearray(whole)
    second = HEADER_SIZE + len(frames[0])
    damaged[second + 15] ^= 1
    scan = Scan(bytes(damaged))
    assert [f.first_seq for f in scan] == [1] and scan.stop == BAD
    assert valid_frame_after(bytes(damaged), scan.stop_offset) == second + len(frames[1])


def _block(first: int, payloads: list[bytes]) -> bytes:
    body = block_body(first, payloads)
    return seal_block(body, len(payloads), Chain().block_link(HASH, body))


@given(st.integers(0, 2**40), st.lists(st.binary(max_size=200), min_size=1, max_size=40))
def test_block_round_trip(first: int, payloads: list[bytes]) -> None:
    data = _block(first, payloads)
    status, block = parse_block(data, 0)
    assert status == OK and block is not None
    assert (block.first_seq, block.count, block.end) == (first, len(payloads), len(data))
    assert block.payloads() == payloads and block.first_damaged() == -1
    assert block.link == Chain().block_link(HASH, data[: block.linked_end])
    assert list(block.crcs()) == [record_crc(first + i, p) for i, p in enumerate(payloads)]


@given(st.lists(st.binary(min_size=1, max_size=60), min_size=1, max_size=8), st.data())
def test_any_block_prefix_is_incomplete_and_any_flip_is_found(
    payloads: list[bytes], data: st.DataObject
) -> None:
    """A cut block is incomplete; a flipped byte breaks its head CRC, a payload's CRC, or
    (its CRC table) both: the walk or the payload check sees each."""
    block = _block(3, payloads)
    cut = data.draw(st.integers(1, len(block) - 1))
    assert parse_block(block[:cut], 0)[0] == INCOMPLETE
    at = data.draw(st.integers(0, len(block) - 1))
    flipped = bytearray(block)
    flipped[at] ^= data.draw(st.integers(1, 255))
    _, parsed = parse_block(bytes(flipped), 0)
    assert parsed is None or parsed.first_damaged() >= 0


def test_scan_walks_blocks_and_steps_over_them_by_head() -> None:
    head = encode_header(Header(1, 0, 1, 0, bytes(32)))
    blocks = [_block(1, [b"a", b"bb"]), _block(3, [b"c"]), _block(4, [b"d" * 9, b"", b"e"])]
    whole = head + b"".join(blocks)
    scan = Scan(whole)
    assert [(b.first_seq, b.last_seq) for b in scan] == [(1, 2), (3, 3), (4, 6)]
    last = parse_block(blocks[2], 0)[1]
    assert scan.stop == "eof" and last is not None and scan.last_link == last.link
    assert [b.first_seq for b in Scan(whole, after=3)] == [4]
    torn = whole[:-3]
    scan = Scan(torn)
    assert [b.first_seq for b in scan] == [1, 3] and scan.stop == INCOMPLETE
    assert valid_frame_after(torn, scan.stop_offset) == -1
    damaged = bytearray(whole)
    damaged[HEADER_SIZE + len(blocks[0]) + 26] ^= 1  # block 2's payload
    scan = Scan(bytes(damaged))
    assert [b.first_seq for b in scan] == [1] and scan.stop == BAD
    second = HEADER_SIZE + len(blocks[0])
    assert valid_frame_after(bytes(damaged), scan.stop_offset) == second + len(blocks[1])
    assert [b.first_seq for b in Scan(bytes(damaged), records=False)] == [1, 3, 4]
