"""The bytes of a routed message: a batch of chain links of one node, in seq order.

Version 2 (written) is column-wise, so a batch is made and read with a few slices and
``array`` conversions rather than a ``struct`` call per record::

    b"SEAL" version(u8 = 2) count(u32) prev_seq(u64: the seq the sender read before the first)
    firsts(count x u64) seqs(count x u64) flags(count x u8: 1 payload, 2 keyed)
    segment counts(count x u8) payload lengths(count x u32)
    prevs(count x 32) hashes(count x 32)
    segments(each: prev_hash(32) anchored(48) anchor(32), in link order), then the payloads

Version 1 (read, so messages already in a stream are still taken after an upgrade) holds
the same facts link by link::

    b"SEAL" version(u8 = 1) count(u32) prev_seq(u64)
    per link: flags(u8) first(u64) seq(u64) prev(32) hash(32) payload length(u32)
              segments(u8), then each segment's prev_hash(32) anchored(48) anchor(32),
              then the payload

Binary, not JSON: the hashes are bytes.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

from seaudit.errors import SeauditError
from seaudit.log.frame import ANCHORED, HASH_SIZE, MAX_PAYLOAD
from seaudit.log.links import Link, LinkRun, SegmentStart

MAGIC = b"SEAL"
VERSION = 2
_HEAD = struct.Struct("<4sBIQ")
_LINK_V1 = struct.Struct(f"<BQQ{HASH_SIZE}s{HASH_SIZE}sIB")
_SEGMENT = struct.Struct(f"<{HASH_SIZE}s{ANCHORED}s{HASH_SIZE}s")
HAS_PAYLOAD, KEYED = 1, 2
_LITTLE = sys.byteorder == "little"


class WireError(SeauditError):
    """A routed message that is not a batch of links (damaged, or not from a router)."""


@dataclass(frozen=True, slots=True)
class Batch:
    """A message's links, column by column, and the seq its sender read just before them:
    a collector that has not yet stored that seq knows an earlier message is still on its
    way. ``segments`` holds the segment headers of the few links that carry any."""

    prev_seq: int
    firsts: Sequence[int] = ()
    seqs: Sequence[int] = ()
    prevs: Sequence[bytes] = ()
    hashes: Sequence[bytes] = ()
    payloads: Sequence[bytes | None] = ()
    keyed: Sequence[bool] = ()
    segments: dict[int, tuple[SegmentStart, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, prev_seq: int, links: Sequence[Link]) -> Batch:
        return cls(
            prev_seq,
            [k.first for k in links],
            [k.seq for k in links],
            [k.prev for k in links],
            [k.hash for k in links],
            [k.payload for k in links],
            [k.keyed for k in links],
            {i: k.segments for i, k in enumerate(links) if k.segments},
        )

    @classmethod
    def of_runs(cls, prev_seq: int, runs: Sequence[LinkRun]) -> Batch:
        """The links of ``runs``, one after the other, with no ``Link`` made."""
        seqs: list[int] = []
        prevs: list[bytes] = []
        hashes: list[bytes] = []
        payloads: list[bytes | None] = []
        keyed: list[bool] = []
        segments: dict[int, tuple[SegmentStart, ...]] = {}
        for run in runs:
            if run.segments:
                segments[len(seqs)] = run.segments
            seqs.extend(range(run.first_seq, run.last_seq + 1))
            prevs.extend(run.prevs)
            hashes.extend(run.hashes)
            payloads.extend(run.payloads)
            keyed.extend([run.keyed] * len(run))
        return cls(prev_seq, seqs, seqs, prevs, hashes, payloads, keyed, segments)

    def part(self, start: int, stop: int, prev_seq: int) -> Batch:
        """Links ``start`` to ``stop - 1``, sent after ``prev_seq``."""
        return Batch(
            prev_seq,
            self.firsts[start:stop],
            self.seqs[start:stop],
            self.prevs[start:stop],
            self.hashes[start:stop],
            self.payloads[start:stop],
            self.keyed[start:stop],
            {i - start: s for i, s in self.segments.items() if start <= i < stop},
        )

    def __len__(self) -> int:
        return len(self.seqs)

    def link(self, i: int) -> Link:
        return Link(
            self.firsts[i],
            self.seqs[i],
            self.prevs[i],
            self.hashes[i],
            self.payloads[i],
            self.segments.get(i, ()),
            self.keyed[i],
        )

    @property
    def links(self) -> list[Link]:
        return [self.link(i) for i in range(len(self))]


def encode_links(links: Sequence[Link], prev_seq: int) -> bytes:
    return encode(Batch.of(prev_seq, links))


def encode(batch: Batch) -> bytes:
    """The message holding ``batch`` (version 2), built column by column."""
    count = len(batch)
    payloads = batch.payloads
    whole = None not in payloads
    if whole and batch.keyed.count(batch.keyed[0] if count else False) == count:
        flags = bytes([HAS_PAYLOAD | (KEYED if count and batch.keyed[0] else 0)]) * count
    else:
        flags = bytes(
            (HAS_PAYLOAD if p is not None else 0) | (KEYED if k else 0)
            for p, k in zip(payloads, batch.keyed, strict=True)
        )
    nsegs = bytearray(count)
    for i, starts in batch.segments.items():
        nsegs[i] = len(starts)
    segments = [batch.segments[i] for i in sorted(batch.segments)]
    lengths = [0 if p is None else len(p) for p in payloads]
    return b"".join(
        (
            _HEAD.pack(MAGIC, VERSION, count, batch.prev_seq),
            _little(array("Q", batch.firsts)),
            _little(array("Q", batch.seqs)),
            flags,
            bytes(nsegs),
            _little(array("I", lengths)),
            b"".join(batch.prevs),
            b"".join(batch.hashes),
            b"".join(
                _SEGMENT.pack(s.prev_hash, s.anchored, s.anchor)
                for starts in segments
                for s in starts
            ),
            b"".join(p for p in payloads if p is not None),
        )
    )


def decode_links(data: bytes) -> Batch:
    """The batch a message holds; WireError says what is wrong with it."""
    if len(data) < _HEAD.size:
        raise WireError(f"message of {len(data)} bytes is shorter than its header")
    magic, version, count, prev_seq = _HEAD.unpack_from(data, 0)
    if magic != MAGIC or version not in (1, VERSION):
        raise WireError("not a seaudit link batch (bad magic or version)")
    if version == 1:
        return Batch.of(prev_seq, _links_v1(data, count))
    return _batch_v2(data, count, prev_seq)


def _batch_v2(data: bytes, count: int, prev_seq: int) -> Batch:
    fixed = count * (8 + 8 + 1 + 1 + 4 + 2 * HASH_SIZE)
    if _HEAD.size + fixed > len(data):
        raise WireError(f"a batch of {count} links is cut short")
    view = memoryview(data)
    pos = _HEAD.size
    firsts = _numbers("Q", view[pos : pos + 8 * count])
    seqs = _numbers("Q", view[pos + 8 * count : pos + 16 * count])
    pos += 16 * count
    flags = data[pos : pos + count]
    nsegs = data[pos + count : pos + 2 * count]
    pos += 2 * count
    lengths = _numbers("I", view[pos : pos + 4 * count])
    pos += 4 * count
    prevs = [data[p : p + HASH_SIZE] for p in range(pos, pos + HASH_SIZE * count, HASH_SIZE)]
    pos += HASH_SIZE * count
    hashes = [data[p : p + HASH_SIZE] for p in range(pos, pos + HASH_SIZE * count, HASH_SIZE)]
    pos += HASH_SIZE * count
    if (flags and max(flags) > 3) or any(map(int.__gt__, firsts, seqs)):
        raise WireError("a link is malformed")
    if any(n > MAX_PAYLOAD for n in lengths) or any(
        n and not f & HAS_PAYLOAD for n, f in zip(lengths, flags, strict=True)
    ):
        raise WireError("a link is malformed")
    segments: dict[int, tuple[SegmentStart, ...]] = {}
    if any(nsegs):
        end = pos + sum(nsegs) * _SEGMENT.size
        if end > len(data):
            raise WireError(f"a batch of {count} links is cut short")
        for i, n in enumerate(nsegs):
            if n:
                segments[i] = tuple(
                    SegmentStart(*_SEGMENT.unpack_from(data, pos + k * _SEGMENT.size))
                    for k in range(n)
                )
                pos += n * _SEGMENT.size
    ends = list(accumulate(lengths, initial=pos))
    if ends[-1] != len(data):
        raise WireError(
            f"{len(data) - ends[-1]} bytes after the last link"
            if ends[-1] < len(data)
            else f"a batch of {count} links is cut short"
        )
    payloads: list[bytes | None] = [
        data[a:b] if f & HAS_PAYLOAD else None
        for a, b, f in zip(ends, ends[1:], flags, strict=False)
    ]
    keyed = [bool(f & KEYED) for f in flags]
    return Batch(prev_seq, firsts, seqs, prevs, hashes, payloads, keyed, segments)


def _numbers(code: str, raw: memoryview) -> list[int]:
    values = array(code)
    values.frombytes(raw)
    if not _LITTLE:
        values.byteswap()
    return values.tolist()


def _little(values: array[int]) -> bytes:
    if not _LITTLE:
        values.byteswap()
    return values.tobytes()


def _links_v1(data: bytes, count: int) -> list[Link]:
    links: list[Link] = []
    pos = _HEAD.size
    for i in range(count):
        if pos + _LINK_V1.size > len(data):
            raise WireError(f"link {i} of {count} is cut short")
        flags, first, seq, prev, digest, length, nseg = _LINK_V1.unpack_from(data, pos)
        pos += _LINK_V1.size
        end = pos + nseg * _SEGMENT.size + length
        if length > MAX_PAYLOAD or end > len(data) or first > seq or flags > 3:
            raise WireError(f"link {i} of {count} is malformed")
        segments = tuple(
            SegmentStart(*_SEGMENT.unpack_from(data, pos + k * _SEGMENT.size)) for k in range(nseg)
        )
        pos += nseg * _SEGMENT.size
        payload = data[pos:end] if flags & HAS_PAYLOAD else None
        if payload is None and length:
            raise WireError(f"link {i} of {count} is malformed")
        links.append(Link(first, seq, prev, digest, payload, segments, bool(flags & KEYED)))
        pos = end
    if pos != len(data):
        raise WireError(f"{len(data) - pos} bytes after the last link")
    return links
