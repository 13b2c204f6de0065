"""The on-disk layout: a 128-byte file header, then frames (version 1, 2) or blocks (3).

Header (little-endian)::

    0   8  magic b"SEAUDLOG"           48  32  prev_hash  (last chain hash of the previous segment)
    8   2  version (3)                 80  32  anchor     (chain hash of this header, see chain.py)
   10   2  flags (bit 0: HMAC keyed)  112  12  zero
   12   4  zero                       124   4  CRC-32 of bytes 0..123
   16   8  first_seq
   24   8  prev_first_seq (0: none)
   32   8  history_from (first seq the files should still hold)
   40   8  created_ns (Unix time, ns)

Block (version 3), ``n`` records with seqs ``first_seq .. first_seq + n - 1``::

    0   2  magic b"\x1eB"      6  8  first_seq         18     4n  payload lengths (u32)
    2   4  n (records)         14  4  m (payload bytes)  18+4n  4n  CRC-32 of each payload,
                                                                    started from its seq
    18+8n      m   the payloads, one after another
    18+8n+m   32   chain link (chain.py: over the previous link and bytes 0..18+8n+m)
    50+8n+m    4   CRC-32 of the block's head and tables (bytes 0..18+8n) and its link

The head CRC finds a block's bounds cheaply; each record's CRC tells torn or damaged bytes
and, when the link does not match, which record was changed, moved, added or removed (a
record moved with its CRC still says which seq it was written as); the link catches
deliberate edits. One block is written with one ``write``, so a killed writer leaves whole
blocks and at most one torn one.

Frame (versions 1 and 2, read only), one record::

    0  2  magic b"\x1eR"   2  4  payload length n   6  8  seq
    14 n  payload (UTF-8 JSON)   14+n 32  chain hash   46+n 4  CRC-32 of bytes 0..45+n

Version 2 writes a ``[mask, values...]`` payload, 1 a JSON object with key names; 3 keeps
version 2's payload (payload.py). All are read; a writer rotates an older live log on open,
so a file never mixes versions. ``Scan`` walks either kind as ``Block``s (a frame is a block
of one record).
"""

from __future__ import annotations

import mmap
import struct
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

MAGIC = b"SEAUDLOG"
VERSION = 3
#: versions read: 1 and 2 hold frames, 3 blocks (payload.py reads both payload forms)
READABLE = frozenset({1, 2, 3})
FRAMED = frozenset({1, 2})
FLAG_KEYED = 1
HEADER = struct.Struct("<8sHHIQQQQ32s32s12sI")
HEADER_SIZE = HEADER.size  # 128
ANCHORED = 48  # header bytes 0..47 enter the anchor hash
FRAME_MAGIC = b"\x1eR"
FRAME_HEAD = struct.Struct("<2sIQ")
FRAME_HEAD_SIZE = FRAME_HEAD.size  # 14
HASH_SIZE = 32
FRAME_OVERHEAD = FRAME_HEAD_SIZE + HASH_SIZE + 4  # 50
MAX_PAYLOAD = 64 * 1024 * 1024
BLOCK_MAGIC = b"\x1eB"
BLOCK_HEAD = struct.Struct("<2sIQI")
BLOCK_HEAD_SIZE = BLOCK_HEAD.size  # 18
BLOCK_OVERHEAD = BLOCK_HEAD_SIZE + 32 + 4  # 54, plus 8 bytes per record
PER_RECORD = 8  # its length and its CRC
#: most records in one block (a block is read whole; more gains no speed)
BLOCK_RECORDS = 8192
#: most payload bytes in one block
MAX_BLOCK = 256 * 1024 * 1024
ZERO_HASH = bytes(HASH_SIZE)
_CRC = struct.Struct("<I")
_SEQ = struct.Struct("<Q")
_BIG_ENDIAN = struct.pack("=I", 1) != struct.pack("<I", 1)

#: what the frame functions read from: file bytes or a read-only map of the file
Data = bytes | memoryview | mmap.mmap


@dataclass(frozen=True, slots=True)
class Header:
    first_seq: int
    prev_first_seq: int
    history_from: int
    created_ns: int
    prev_hash: bytes
    anchor: bytes = ZERO_HASH
    keyed: bool = False
    version: int = VERSION

    def anchored_bytes(self) -> bytes:
        """The header bytes the anchor hash covers (everything but the hashes and CRC)."""
        return encode_header(self)[:ANCHORED]


def encode_header(h: Header) -> bytes:
    body = HEADER.pack(
        MAGIC,
        h.version,
        FLAG_KEYED if h.keyed else 0,
        0,
        h.first_seq,
        h.prev_first_seq,
        h.history_from,
        h.created_ns,
        h.prev_hash,
        h.anchor,
        bytes(12),
        0,
    )
    return body[:-4] + _CRC.pack(zlib.crc32(body[:-4]))


def decode_header(data: Data) -> Header:
    """The header at the start of ``data``; ValueError says what is wrong with it."""
    if len(data) < HEADER_SIZE:
        raise ValueError("file shorter than the 128-byte header")
    (magic, version, flags, _, first, prev_first, history, created, prev_hash, anchor, _, crc) = (
        HEADER.unpack_from(data, 0)
    )
    if magic != MAGIC:
        raise ValueError("not a seaudit log (bad magic)")
    if version not in READABLE:
        raise ValueError(f"log format version {version} is not supported")
    if zlib.crc32(data[: HEADER_SIZE - 4]) != crc:
        raise ValueError("header checksum mismatch")
    return Header(
        first,
        prev_first,
        history,
        created,
        bytes(prev_hash),
        bytes(anchor),
        bool(flags & FLAG_KEYED),
        version,
    )


def encode_frame(seq: int, payload: bytes, chain_hash: bytes) -> bytes:
    body = FRAME_HEAD.pack(FRAME_MAGIC, len(payload), seq) + payload + chain_hash
    return body + _CRC.pack(zlib.crc32(body))


@dataclass(frozen=True, slots=True)
class Frame:
    offset: int
    seq: int
    payload: bytes
    chain_hash: bytes

    @property
    def end(self) -> int:
        return self.offset + FRAME_OVERHEAD + len(self.payload)


OK, INCOMPLETE, BAD = "ok", "incomplete", "bad"


def parse_frame(data: Data, pos: int) -> tuple[str, Frame | None]:
    """The frame at ``pos``: (OK, frame), (INCOMPLETE, None) if the data ends inside it, or
    (BAD, None) if its bytes are wrong (magic, length or CRC)."""
    size = len(data)
    if pos + FRAME_HEAD_SIZE > size:
        head = bytes(data[pos : min(size, pos + len(FRAME_MAGIC))])
        return (INCOMPLETE if FRAME_MAGIC.startswith(head) else BAD), None
    magic, length, seq = FRAME_HEAD.unpack_from(data, pos)
    if magic != FRAME_MAGIC or length > MAX_PAYLOAD:
        return BAD, None
    end = pos + FRAME_OVERHEAD + length
    if end > size:
        return INCOMPLETE, None
    (crc,) = _CRC.unpack_from(data, end - 4)
    if zlib.crc32(data[pos : end - 4]) != crc:
        return BAD, None
    body = FRAME_HEAD_SIZE + pos
    return OK, Frame(
        pos, seq, bytes(data[body : body + length]), bytes(data[body + length : end - 4])
    )


def block_body(first_seq: int, payloads: Sequence[bytes]) -> bytes:
    """A block's bytes up to its link (what the link covers): head, lengths, CRCs, payloads.
    Lengths and CRCs are made with ``map`` over the payloads (C loops, no Python per record)."""
    lengths = array("I", map(len, payloads))
    crcs = record_crcs(first_seq, payloads)
    if _BIG_ENDIAN:
        lengths.byteswap()
        crcs.byteswap()
    body = b"".join(payloads)
    head = BLOCK_HEAD.pack(BLOCK_MAGIC, len(payloads), first_seq, len(body))
    return b"".join((head, lengths.tobytes(), crcs.tobytes(), body))


def record_crcs(first_seq: int, payloads: Sequence[bytes]) -> array[int]:
    """Each record's CRC-32 of its payload, started from its seq (its low 32 bits): a record
    moved with its CRC still tells which seq it was written as. One ``map``: one C call per
    record, no Python (zlib takes the start value modulo 2**32)."""
    return array("I", map(zlib.crc32, payloads, range(first_seq, first_seq + len(payloads))))


def record_crc(seq: int, payload: bytes) -> int:
    return zlib.crc32(payload, seq)


def seal_block(body: bytes, count: int, link: bytes) -> bytes:
    """The whole block: ``body`` (``block_body``), its chain link, the CRC of its head,
    tables and link."""
    tables = BLOCK_HEAD_SIZE + PER_RECORD * count
    return b"".join((body, link, _CRC.pack(zlib.crc32(link, zlib.crc32(body[:tables])))))


def _u32s(data: Data, start: int, count: int) -> array[int]:
    values = array("I")
    values.frombytes(data[start : start + 4 * count])
    if _BIG_ENDIAN:
        values.byteswap()
    return values


@dataclass(frozen=True, slots=True)
class Block:
    """Records ``first_seq .. last_seq`` and the chain hash after them (``link``): a version
    3 block, or a version 1/2 frame (a block of one record). ``data`` is the file's bytes
    (or map) the block lies in; read the payloads while it is open."""

    data: Data
    offset: int
    end: int
    first_seq: int
    count: int
    link: bytes
    framed: bool = False

    @property
    def last_seq(self) -> int:
        return self.first_seq + self.count - 1

    @property
    def linked_end(self) -> int:
        """Where the bytes the link covers end (version 3)."""
        return self.end - HASH_SIZE - 4

    def lengths(self) -> array[int]:
        if self.framed:
            return array("I", [self.end - self.offset - FRAME_OVERHEAD])
        return _u32s(self.data, self.offset + BLOCK_HEAD_SIZE, self.count)

    def crcs(self) -> array[int]:
        """The CRC written for each record (``record_crcs``; version 3 only)."""
        return _u32s(self.data, self.offset + BLOCK_HEAD_SIZE + 4 * self.count, self.count)

    def payloads(self) -> list[bytes]:
        if self.framed:
            start = self.offset + FRAME_HEAD_SIZE
            return [bytes(self.data[start : self.end - HASH_SIZE - 4])]
        pos = self.offset + BLOCK_HEAD_SIZE + PER_RECORD * self.count
        data = bytes(self.data[pos : self.linked_end])
        ends = list(accumulate(self.lengths()))
        return list(map(data.__getitem__, map(slice, [0, *ends[:-1]], ends)))

    def record_offset(self, index: int) -> int:
        """Where the payload of the block's ``index``-th record starts in the file."""
        if self.framed:
            return self.offset
        before = sum(self.lengths()[:index])
        return self.offset + BLOCK_HEAD_SIZE + PER_RECORD * self.count + before

    def first_damaged(self, payloads: list[bytes] | None = None) -> int:
        """Index of the first payload whose CRC does not match (-1: none)."""
        if self.framed:
            return -1
        got = record_crcs(self.first_seq, self.payloads() if payloads is None else payloads)
        want = self.crcs()
        if got == want:
            return -1
        return next(i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b)

    def frame(self) -> Frame:
        """A version 1/2 frame's record as a ``Frame``."""
        return Frame(self.offset, self.first_seq, self.payloads()[0], self.link)


def _block_of(data: Data, frame: Frame) -> Block:
    return Block(data, frame.offset, frame.end, frame.seq, 1, frame.chain_hash, framed=True)


def parse_block(data: Data, pos: int) -> tuple[str, Block | None]:
    """The version 3 block at ``pos``: (OK, block), (INCOMPLETE, None) if the data ends inside
    it, or (BAD, None) if its head, tables or link are wrong (magic, sizes or head CRC).
    Payload bytes are not checked here (``Block.first_damaged``, or the chain link)."""
    size = len(data)
    if pos + BLOCK_HEAD_SIZE > size:
        head = bytes(data[pos : min(size, pos + len(BLOCK_MAGIC))])
        return (INCOMPLETE if BLOCK_MAGIC.startswith(head) else BAD), None
    magic, count, first, length = BLOCK_HEAD.unpack_from(data, pos)
    if magic != BLOCK_MAGIC or not 0 < count <= BLOCK_RECORDS or length > MAX_BLOCK:
        return BAD, None
    tables = pos + BLOCK_HEAD_SIZE + PER_RECORD * count
    end = tables + length + HASH_SIZE + 4
    if end > size:
        return INCOMPLETE, None
    link = bytes(data[end - 4 - HASH_SIZE : end - 4])
    (crc,) = _CRC.unpack_from(data, end - 4)
    if zlib.crc32(link, zlib.crc32(data[pos:tables])) != crc:
        return BAD, None
    if sum(_u32s(data, pos + BLOCK_HEAD_SIZE, count)) != length:
        return BAD, None
    return OK, Block(data, pos, end, first, count, link)


@dataclass(slots=True)
class Scan:
    """Walk the frames or blocks of one file's bytes (the header says which), as ``Block``s;
    after iteration ``stop`` is ``eof``, ``incomplete`` or ``bad`` and ``stop_offset`` is
    where the walk ended.

    Blocks whose records all come up to ``after`` are stepped over by their head alone (no
    CRC, no copy, not yielded): reading a tail need not check what it does not return. A
    damaged head there still ends the walk as ``bad``: the next step lands on bytes that are
    not a block. With ``records``, each block's payload CRCs are checked too (a damaged
    payload ends the walk as ``bad``); ``verify`` leaves them to the chain link.
    """

    data: Data
    start: int = HEADER_SIZE
    after: int = -1
    records: bool = True
    stop: str = ""
    stop_offset: int = 0
    last_link: bytes | None = None  # the link of the last block yielded

    def __iter__(self) -> Iterator[Block]:
        version = HEADER.unpack_from(self.data, 0)[1] if len(self.data) >= HEADER_SIZE else 0
        if version in FRAMED:
            yield from self._frames()
        else:
            yield from self._blocks()

    def _blocks(self) -> Iterator[Block]:
        pos, size, data, after = self.start, len(self.data), self.data, self.after
        head, head_size = BLOCK_HEAD.unpack_from, BLOCK_HEAD_SIZE
        while after >= 0 and pos + head_size <= size:
            magic, count, first, length = head(data, pos)
            end = pos + head_size + PER_RECORD * count + length + HASH_SIZE + 4
            if magic != BLOCK_MAGIC or first + count - 1 > after or end > size:
                break
            pos = end
        while pos < size:
            status, block = parse_block(data, pos)
            if block is None or (self.records and block.first_damaged() >= 0):
                self.stop, self.stop_offset = status if block is None else BAD, pos
                return
            self.last_link = block.link
            yield block
            pos = block.end
        self.stop, self.stop_offset = "eof", pos

    def _frames(self) -> Iterator[Block]:
        pos, size, data, after = self.start, len(self.data), self.data, self.after
        head, head_size, magic_ok = FRAME_HEAD.unpack_from, FRAME_HEAD_SIZE, FRAME_MAGIC
        while after >= 0 and pos + head_size <= size:
            magic, length, seq = head(data, pos)
            end = pos + FRAME_OVERHEAD + length
            if magic != magic_ok or seq > after or end > size:
                break
            pos = end
        while pos < size:
            status, frame = parse_frame(data, pos)
            if frame is None:
                self.stop, self.stop_offset = status, pos
                return
            self.last_link = frame.chain_hash
            yield _block_of(data, frame)
            pos = frame.end
        self.stop, self.stop_offset = "eof", pos


def valid_frame_after(data: Data, pos: int) -> int:
    """Offset of the first well-formed frame or block starting after ``pos``, or -1: tells a
    torn tail (nothing valid follows) from damage in the middle (valid blocks follow)."""
    raw = bytes(data[pos + 1 :])
    at = raw.find(b"\x1e")
    while at >= 0:
        kind = raw[at : at + 2]
        if kind == FRAME_MAGIC and parse_frame(raw, at)[0] == OK:
            return pos + 1 + at
        if kind == BLOCK_MAGIC:
            _, block = parse_block(raw, at)
            if block is not None and block.first_damaged() < 0:
                return pos + 1 + at
        at = raw.find(b"\x1e", at + 1)
    return -1
