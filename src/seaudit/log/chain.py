"""The hash chain: SHA-256, or HMAC-SHA256 when a key is configured.

    anchor_k = F(prev_hash_k || header_k[0:48])       one per file; prev_hash_k is the last
                                                      chain hash of the previous segment
    h_1      = F(anchor_k || seq_1 (u64 LE) || payload_1)
    h_i      = F(h_{i-1} || seq_i || payload_i)

A file's last hash (its last record's, or its anchor when empty) is the next file's prev_hash,
so the chain runs unbroken across rotations and backups. Without a key, the chain catches edits
by anyone who does not recompute it; with a key, nobody without the key can recompute it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
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

    def link(self, prev: bytes, seq: int, payload: bytes) -> bytes:
        return self.digest(prev + _SEQ.pack(seq) + payload)
