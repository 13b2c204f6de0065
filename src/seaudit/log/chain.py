"""The hash chain: SHA-256, or HMAC-SHA256 when a key is configured.

    anchor_k = F(prev_hash_k || header_k[0:48])       one per file; prev_hash_k is the last
                                                      chain hash of the previous segment
    L_1      = F(anchor_k || block_1)                 version 3: one link per block, over
    L_j      = F(L_{j-1} || block_j)                  the block's head, lengths, payload
                                                      CRCs and payloads (frame.block_body)

    h_1      = F(anchor_k || seq_1 (u64 LE) || payload_1)      versions 1 and 2 (read only):
    h_i      = F(h_{i-1} || seq_i || payload_i)               one link per record

A block's link is one hash over bytes that lie together in the file, so checking a chain
costs one pass of SHA-256 over the log rather than a hash call per record; the block holds
its first seq and its record count, so a record moved, added or removed changes the link.
With a key the link is an HMAC keyed by the log's key for each block.

A file's last hash (its last record's, or its anchor when empty) is the next file's prev_hash,
so the chain runs unbroken across rotations and backups. Without a key, the chain catches edits
by anyone who does not recompute it; with a key, nobody without the key can recompute it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from collections.abc import Sequence
from dataclasses import dataclass

_SEQ = struct.Struct("<Q")


@dataclass(frozen=True, slots=True)
class Chain:
    key: bytes | None = None

    @property
    def keyed(self) -> bool:
        return self.key is not None

    def digest(self, message: bytes) -> bytes:
        if self.key is None:
            return hashlib.sha256(message).digest()
        return hmac.digest(self.key, message, "sha256")

    def anchor(self, prev_hash: bytes, anchored_header: bytes) -> bytes:
        return self.digest(prev_hash + anchored_header)

    def block_link(self, prev: bytes, body: bytes | memoryview) -> bytes:
        """The link of a version 3 block whose bytes up to the link are ``body``."""
        if self.key is None:
            plain = hashlib.sha256(prev)
            plain.update(body)
            return plain.digest()
        keyed = hmac.new(self.key, prev, "sha256")
        keyed.update(body)
        return keyed.digest()

    def link(self, prev: bytes, seq: int, payload: bytes) -> bytes:
        """The link of one record of a version 1 or 2 log."""
        return self.digest(prev + _SEQ.pack(seq) + payload)

    def links(
        self, prevs: Sequence[bytes], seqs: Sequence[int], payloads: Sequence[bytes]
    ) -> list[bytes]:
        """``link`` of each (prev, seq, payload), in one comprehension: a collector checks a
        whole message's links with no Python frame per record."""
        pack = _SEQ.pack
        if self.key is None:
            sha256 = hashlib.sha256
            return [
                sha256(p + pack(s) + x).digest()
                for p, s, x in zip(prevs, seqs, payloads, strict=True)
            ]
        key, keyed = self.key, hmac.digest
        return [
            keyed(key, p + pack(s) + x, "sha256")
            for p, s, x in zip(prevs, seqs, payloads, strict=True)
        ]

    def run(self, prev: bytes, first_seq: int, payloads: Sequence[bytes]) -> list[bytes]:
        """The links of consecutive records from ``first_seq`` on, each chained from the one
        before (the first from ``prev``), in one loop: how a router makes a block's
        per-record chain."""
        out: list[bytes] = []
        pack, key = _SEQ.pack, self.key
        if key is None:
            sha256 = hashlib.sha256
            for seq, payload in enumerate(payloads, first_seq):
                prev = sha256(prev + pack(seq) + payload).digest()
                out.append(prev)
        else:
            keyed = hmac.digest
            for seq, payload in enumerate(payloads, first_seq):
                prev = keyed(key, prev + pack(seq) + payload, "sha256")
                out.append(prev)
        return out
