"""The bytes of a routed message: a batch of chain links of one node, in seq order.

::

    b"SEAL" version(u8) count(u32) prev_seq(u64: the seq the sender read before the first)
    per link: flags(u8: 1 payload, 2 keyed) first(u64) seq(u64) prev(32) hash(32)
              payload length(u32) segments(u8), then each segment's prev_hash(32)
              anchored(48) anchor(32), then the payload

Binary, not JSON: the hashes are bytes, and a batch of 100 k records a second is decoded
with ``struct`` rather than parsed.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from seaudit.errors import SeauditError
from seaudit.log.frame import ANCHORED, HASH_SIZE, MAX_PAYLOAD
from seaudit.log.links import Link, SegmentStart

MAGIC = b"SEAL"
VERSION = 1
_HEAD = struct.Struct("<4sBIQ")
_LINK = struct.Struct(f"<BQQ{HASH_SIZE}s{HASH_SIZE}sIB")
_SEGMENT = struct.Struct(f"<{HASH_SIZE}s{ANCHORED}s{HASH_SIZE}s")
HAS_PAYLOAD, KEYED = 1, 2


class WireError(SeauditError):
    """A routed message that is not a batch of links (damaged, or not from a router)."""


@dataclass(frozen=True, slots=True)
class Batch:
    """A message's links and the seq its sender read just before them: a collector that
    has not yet stored that seq knows an earlier message is still on its way."""

    prev_seq: int
    links: list[Link]


def encode_links(links: Sequence[Link], prev_seq: int) -> bytes:
    parts = [_HEAD.pack(MAGIC, VERSION, len(links), prev_seq)]
    for link in links:
        payload = link.payload or b""
        flags = (HAS_PAYLOAD if link.payload is not None else 0) | (KEYED if link.keyed else 0)
        parts.append(
            _LINK.pack(
                flags, link.first, link.seq, link.prev, link.hash, len(payload), len(link.segments)
            )
        )
        parts.extend(_SEGMENT.pack(s.prev_hash, s.anchored, s.anchor) for s in link.segments)
        parts.append(payload)
    return b"".join(parts)


def decode_links(data: bytes) -> Batch:
    """The batch a message holds; WireError says what is wrong with it."""
    if len(data) < _HEAD.size:
        raise WireError(f"message of {len(data)} bytes is shorter than its header")
    magic, version, count, prev_seq = _HEAD.unpack_from(data, 0)
    if magic != MAGIC or version != VERSION:
        raise WireError("not a seaudit link batch (bad magic or version)")
    links: list[Link] = []
    pos = _HEAD.size
    for i in range(count):
        if pos + _LINK.size > len(data):
            raise WireError(f"link {i} of {count} is cut short")
        flags, first, seq, prev, digest, length, nseg = _LINK.unpack_from(data, pos)
        pos += _LINK.size
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
    return Batch(prev_seq, links)
