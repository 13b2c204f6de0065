"""Editing a format 3 log as someone with its documentation can: a record of a block changed
and the block written again with a correct head CRC and its old link."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from seaudit.log.frame import BLOCK_HEAD_SIZE, Scan, block_body, seal_block


def edit_block(path: Path, seq: int, change: Callable[[bytes], bytes], recrc: bool = True) -> None:
    """Write the block holding ``seq`` again with that record changed, its head CRC right,
    its old link; its CRC recomputed too when ``recrc``."""
    data = path.read_bytes()
    block = next(b for b in Scan(data) if b.first_seq <= seq <= b.last_seq)
    payloads = block.payloads()
    at = seq - block.first_seq
    old_crcs = list(block.crcs())
    payloads[at] = change(payloads[at])
    body = bytearray(block_body(block.first_seq, payloads))
    if not recrc:
        crc_at = BLOCK_HEAD_SIZE + 4 * block.count + 4 * at
        body[crc_at : crc_at + 4] = old_crcs[at].to_bytes(4, "little")
    sealed = seal_block(bytes(body), block.count, block.link)
    path.write_bytes(data[: block.offset] + sealed + data[block.end :])
