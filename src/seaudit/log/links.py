"""Chain data that leaves the machine: each record's link in the hash chain, so a collector
can check an endpoint's chain without its files.

A ``Link`` holds what ``chain.py`` needs to recompute one step: the hash before the record
(``prev``), its seq and payload bytes as written, and its chain hash. The first record of a
segment also carries the segment headers passed since the previous record (``segments``:
each header's ``prev_hash`` and anchored bytes), so the collector recomputes the anchor and
sees the chain run across rotations. A ``Link`` without payload stands for a run of records
``first..seq`` that a route did not select: the chain passes through it unchecked.

The two functions here are all a log format change has to touch: ``links_after`` (what the
files say) and ``check_link`` (what a chain step must satisfy).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from seaudit.errors import LogCorruptError
from seaudit.log.chain import Chain
from seaudit.log.config import LogConfig
from seaudit.log.frame import FLAG_KEYED, HEADER_SIZE, Scan, valid_frame_after
from seaudit.log.reader import mapped, read_header
from seaudit.log.rotate import first_seq_of, log_files


@dataclass(frozen=True, slots=True)
class SegmentStart:
    """A segment header as the chain uses it: the hash it follows, its anchored bytes and
    its anchor (the hash its first record follows)."""

    prev_hash: bytes
    anchored: bytes
    anchor: bytes

    @property
    def keyed(self) -> bool:
        return bool(int.from_bytes(self.anchored[10:12], "little") & FLAG_KEYED)


@dataclass(frozen=True, slots=True)
class Link:
    first: int
    seq: int
    prev: bytes
    hash: bytes
    payload: bytes | None
    segments: tuple[SegmentStart, ...] = ()
    keyed: bool = False

    @property
    def skipped(self) -> bool:
        return self.payload is None


def links_after(cfg: LogConfig, after: int = 0) -> Iterator[Link]:
    """The link of every record with seq > ``after``, oldest first (files opened before the
    first is read, as ``read_log`` does, so a rotation meanwhile skips nothing; files that
    hold only records up to ``after`` are not opened: a follower's cost is its tail)."""
    handles: list[tuple[Path, BinaryIO]] = []
    try:
        files = log_files(cfg)
        firsts = [first_seq_of(path) for path in files]
        for i, path in enumerate(files):
            if i + 1 < len(files) and firsts[i + 1] > 0 and firsts[i + 1] - 1 <= after:
                continue  # every record of this file is at or before ``after``
            with contextlib.suppress(FileNotFoundError):
                handles.append((path, path.open("rb")))
        pending: list[SegmentStart] = []
        for path, handle in handles:
            with mapped(handle) as data:
                header = read_header(path, data)
                pending.append(
                    SegmentStart(header.prev_hash, header.anchored_bytes(), header.anchor)
                )
                prev = header.anchor
                scan = Scan(data, start=HEADER_SIZE)
                for frame in scan:
                    if frame.seq > after:
                        yield Link(
                            frame.seq,
                            frame.seq,
                            prev,
                            frame.chain_hash,
                            frame.payload,
                            tuple(pending),
                            header.keyed,
                        )
                    pending = []
                    prev = frame.chain_hash
                if scan.stop != "eof" and not (
                    path == cfg.audit_log and valid_frame_after(data, scan.stop_offset) < 0
                ):
                    raise LogCorruptError(f"{path}: damaged frame at offset {scan.stop_offset}")
    finally:
        for _, handle in handles:
            handle.close()


@dataclass(frozen=True, slots=True)
class ChainState:
    """Where a node's chain stands at a collector: the last seq and hash received (no hash
    yet: the first link received is taken as it is)."""

    seq: int = 0
    hash: bytes = b""


def check_link(state: ChainState, link: Link, key: bytes | None = None) -> str | None:
    """Why ``link`` does not follow ``state`` (None when it does). Every link must join the
    one before; hashes are recomputed where the collector can: an unkeyed segment always,
    a keyed (HMAC) one only with the sender's ``key``."""
    expected = state.hash
    for segment in link.segments:
        if expected and segment.prev_hash != expected:
            return "segment header does not chain from the record before it"
        chain = _chain(segment.keyed, key)
        if chain is not None and chain.anchor(segment.prev_hash, segment.anchored) != (
            segment.anchor
        ):
            return "segment header altered (anchor mismatch)"
        expected = segment.anchor
    if expected and link.prev != expected:
        return "record does not chain from the one before it (edited, inserted or reordered)"
    chain = _chain(link.keyed, key)
    if (
        link.payload is not None
        and chain is not None
        and chain.link(link.prev, link.seq, link.payload) != link.hash
    ):
        return "chain hash mismatch (record edited)"
    return None


def _chain(keyed: bool, key: bytes | None) -> Chain | None:
    if not keyed:
        return Chain()
    return Chain(key) if key is not None else None


def skip_unselected(links: list[Link], selected: list[bool]) -> list[Link]:
    """``links`` with each run of unselected records folded into one payload-less link
    (first..seq, the hash before the run and after it): the chain still joins up at the
    collector, which does not see the records it was not sent. A run is cut where a segment
    starts, so every segment header still travels."""
    out: list[Link] = []
    run: Link | None = None
    for link, keep in zip(links, selected, strict=True):
        if keep:
            if run is not None:
                out.append(run)
                run = None
            out.append(link)
        elif run is None or link.segments:
            if run is not None:
                out.append(run)
            run = Link(link.first, link.seq, link.prev, link.hash, None, link.segments, link.keyed)
        else:
            run = Link(run.first, link.seq, run.prev, link.hash, None, run.segments, link.keyed)
    if run is not None:
        out.append(run)
    return out
