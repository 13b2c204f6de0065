"""The on-disk layout: a 128-byte file header, then frames; each frame checksummed (CRC-32).

Header (little-endian)::

    0   8  magic b"SEAUDLOG"           48  32  prev_hash  (last chain hash of the previous segment)
    8   2  version (2)                 80  32  anchor     (chain hash of this header, see chain.py)
   10   2  flags (bit 0: HMAC keyed)  112  12  zero
   12   4  zero                       124   4  CRC-32 of bytes 0..123
   16   8  first_seq
   24   8  prev_first_seq (0: none)
   32   8  history_from (first seq the files should still hold)
   40   8  created_ns (Unix time, ns)

Frame::

    0  2  magic b"\\x1eR"   2  4  payload length n   6  8  seq
    14 n  payload (UTF-8 JSON)   14+n 32  chain hash   46+n 4  CRC-32 of bytes 0..45+n

The CRC catches torn and damaged bytes cheaply; the chain hash (chain.py) catches deliberate edits.
Versions differ only in the payload (payload.py): 2 writes a ``[mask, values...]`` array,
1 wrote a JSON object with key names. Both are read; a writer rotates a version 1 live log
on open, so a file never mixes the two.
"""

from __future__ import annotations

import mmap
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

MAGIC = b"SEAUDLOG"
VERSION = 2
#: versions read (frames are the same; payload.py reads both payload forms)
READABLE = frozenset({1, 2})
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
ZERO_HASH = bytes(HASH_SIZE)
_CRC = struct.Struct("<I")

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


@dataclass(slots=True)
class Scan:
    """Walk the frames of one file's bytes; after iteration ``stop`` is ``eof``, ``incomplete``
    or ``bad`` and ``stop_offset`` is where the walk ended.

    Frames with a seq up to ``after`` are stepped over by their head alone (no CRC, no copy,
    not yielded): reading a tail need not check what it does not return. A damaged head
    there still ends the walk as ``bad``: the next step lands on bytes that are not a frame.
    """

    data: Data
    start: int = HEADER_SIZE
    after: int = -1
    stop: str = ""
    stop_offset: int = 0

    def __iter__(self) -> Iterator[Frame]:
        pos, size, data, after = self.start, len(self.data), self.data, self.after
        head, head_size, magic_ok = FRAME_HEAD.unpack_from, FRAME_HEAD_SIZE, FRAME_MAGIC
        while after >= 0 and pos + head_size <= size:
            magic, length, seq = head(data, pos)
            end = pos + FRAME_OVERHEAD + length
            if magic != magic_ok or seq > after or end > size:
                break
            pos = end
        while pos < size:
            status, frame = parse_frame(self.data, pos)
            if frame is None:
                self.stop, self.stop_offset = status, pos
                return
            yield frame
            pos = frame.end
        self.stop, self.stop_offset = "eof", pos


def valid_frame_after(data: Data, pos: int) -> int:
    """Offset of the first well-formed frame starting after ``pos``, or -1: tells a torn tail
    (nothing valid follows) from damage in the middle (valid frames follow)."""
    raw = bytes(data[pos + 1 :])
    at = raw.find(FRAME_MAGIC)
    while at >= 0:
        status, _ = parse_frame(raw, at)
        if status == OK:
            return pos + 1 + at
        at = raw.find(FRAME_MAGIC, at + 1)
    return -1
