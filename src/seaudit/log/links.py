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

Version 3 logs chain blocks, not records (``chain.py``), and a collector that is sent some
records of a block cannot recompute the block's link. So the router checks each block's link
as it reads it (one hash per block, with the log's key when keyed) and sends a chain per
record made the version 2 way, ``h = F(h_prev, seq, payload)``, that starts at each segment's
anchor: a collector checks it record by record as before. A record the router finds wrong
(the block's link does not match; the records' CRCs say which) goes with a zero hash, so
the collector reports the break at its seq, and a segment whose header does not chain from
the file before it goes with a zero anchor. A version 3 segment's header is not required to
chain from the collector's last hash (the per-record chain restarts at its anchor; the router
checked the files' own join). Reading from the middle of a segment hashes the segment's
records up to there once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from seaudit.errors import LogCorruptError, LogKeyError
from seaudit.log.chain import Chain
from seaudit.log.config import LogConfig
from seaudit.log.frame import (
    FLAG_KEYED,
    FRAMED,
    HEADER_SIZE,
    ZERO_HASH,
    Data,
    Header,
    Scan,
    valid_frame_after,
)
from seaudit.log.reader import mapped, read_header
from seaudit.log.rotate import first_seq_of, log_files
from seaudit.log.verify import first_wrong_record


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

    @property
    def blocks(self) -> bool:
        """A version 3 segment: its records' chain restarts at its anchor."""
        return int.from_bytes(self.anchored[8:10], "little") not in FRAMED


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


@dataclass(frozen=True, slots=True)
class LinkRun:
    """The links of consecutive records from ``first_seq`` on, all with their payloads,
    column by column (a block's, or one record's of a version 1/2 file): what
    ``links_after`` yields one ``Link`` at a time, for a reader that wants columns (the
    router). ``segments``: the headers passed just before the first record."""

    first_seq: int
    payloads: list[bytes]
    prevs: list[bytes]
    hashes: list[bytes]
    segments: tuple[SegmentStart, ...] = ()
    keyed: bool = False

    def __len__(self) -> int:
        return len(self.payloads)

    @property
    def last_seq(self) -> int:
        return self.first_seq + len(self.payloads) - 1

    def links(self) -> Iterator[Link]:
        segments, keyed = self.segments, self.keyed
        seqs = range(self.first_seq, self.last_seq + 1)
        for seq, payload, prev, digest in zip(
            seqs, self.payloads, self.prevs, self.hashes, strict=True
        ):
            yield Link(seq, seq, prev, digest, payload, segments, keyed)
            segments = ()

    def split(self, count: int) -> tuple[LinkRun, LinkRun]:
        """The first ``count`` links and the rest (which carries no segment headers)."""
        head = LinkRun(
            self.first_seq,
            self.payloads[:count],
            self.prevs[:count],
            self.hashes[:count],
            self.segments,
            self.keyed,
        )
        rest = LinkRun(
            self.first_seq + count,
            self.payloads[count:],
            self.prevs[count:],
            self.hashes[count:],
            (),
            self.keyed,
        )
        return head, rest


def links_after(cfg: LogConfig, after: int = 0) -> Iterator[Link]:
    """The link of every record with seq > ``after``, oldest first (``link_runs_after``
    one link at a time)."""
    runs = link_runs_after(cfg, after)
    try:
        for run in runs:
            yield from run.links()
    finally:
        runs.close()


def link_runs_after(cfg: LogConfig, after: int = 0) -> Generator[LinkRun]:
    """The links of every record with seq > ``after``, oldest first, a run at a time (files
    opened before the first is read, as ``read_log`` does, so a rotation meanwhile skips
    nothing; files that hold only records up to ``after`` are not opened: a follower's cost
    is its tail). A segment's headers go with the first record after them that is sent."""
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
        joined: bytes | None = None  # the last link of the file before, when read
        for path, handle in handles:
            with mapped(handle) as data:
                header = read_header(path, data)
                anchor = header.anchor
                if joined is not None and header.prev_hash != joined:
                    anchor = ZERO_HASH  # the collector reports the header as altered
                pending.append(SegmentStart(header.prev_hash, header.anchored_bytes(), anchor))
                if header.version in FRAMED:
                    scan = Scan(data, start=HEADER_SIZE)
                    steps = _frame_steps(scan, header.anchor)
                else:
                    resume = _resume_point(header, after)
                    scan = Scan(data, start=resume.offset, records=False)
                    steps = _block_steps(path, scan, data, resume, _route_chain(cfg, header))
                    if resume.offset > HEADER_SIZE:
                        pending = []  # the segment's start lies before ``after``
                try:
                    for first, payloads, prevs, hashes in steps:
                        run = LinkRun(first, payloads, prevs, hashes, tuple(pending), header.keyed)
                        pending = []
                        if run.last_seq > after:
                            yield run if first > after else run.split(after - first + 1)[1]
                finally:
                    steps.close()  # a walk closed inside the file lets go of the map first
                if scan.stop != "eof" and not (
                    path == cfg.audit_log and valid_frame_after(data, scan.stop_offset) < 0
                ):
                    raise LogCorruptError(f"{path}: damaged frame at offset {scan.stop_offset}")
                joined = scan.last_link
    finally:
        for _, handle in handles:
            handle.close()


Step = tuple[int, list[bytes], list[bytes], list[bytes]]  # first seq, payloads, the hashes
# sent before each and for each


def _frame_steps(scan: Scan, anchor: bytes) -> Generator[Step]:
    """A version 1/2 file: each record with the chain hash its frame holds."""
    prev = anchor
    for block in scan:
        yield block.first_seq, block.payloads(), [prev], [block.link]
        prev = block.link


@dataclass(frozen=True, slots=True)
class _Resume:
    """Where a walk of a version 3 segment can start: a block's offset and first seq, the
    segment's link before it and the per-record chain's hash before it."""

    anchor: bytes
    offset: int
    seq: int
    link: bytes
    route: bytes


#: the furthest point walked in recent segments, by anchor: a router reads on from its last
#: seq many times over (each time the files run out), and the per-record chain is not
#: hashed again from the segment's start each time
_RESUME: dict[bytes, _Resume] = {}
_RESUME_KEPT = 64


def _resume_point(header: Header, after: int) -> _Resume:
    start = _Resume(header.anchor, HEADER_SIZE, header.first_seq, header.anchor, header.anchor)
    known = _RESUME.get(header.anchor)
    return known if known is not None and known.seq - 1 <= after else start


def _remember(point: _Resume) -> None:
    _RESUME.pop(point.anchor, None)
    _RESUME[point.anchor] = point
    while len(_RESUME) > _RESUME_KEPT:
        del _RESUME[next(iter(_RESUME))]


def _route_chain(cfg: LogConfig, header: Header) -> Chain:
    if not header.keyed:
        return Chain()
    key = cfg.key()
    if key is None:
        raise LogKeyError(f"{cfg.audit_log} is keyed (HMAC): the configuration gives no key")
    return Chain(key)


def _block_steps(
    path: Path, scan: Scan, data: Data, start: _Resume, chain: Chain
) -> Generator[Step]:
    """A version 3 file from ``start``: each block's link checked, its records chained one by
    one (from the segment's anchor); the first wrong record of a block that does not check
    gets a zero hash."""
    with memoryview(data) as view:
        yield from _checked_blocks(path, scan, view, start, chain)


def _checked_blocks(
    path: Path, scan: Scan, view: memoryview, start: _Resume, chain: Chain
) -> Iterator[Step]:
    real, route, expected = start.link, start.route, start.seq
    for block in scan:
        broken = -1
        if block.first_seq != expected:
            broken = block.first_seq
        elif chain.block_link(real, view[block.offset : block.linked_end]) != block.link:
            broken = first_wrong_record(path, block, []).seq or block.first_seq
        real, expected = block.link, block.last_seq + 1
        payloads = block.payloads()
        if broken < 0:
            routes = chain.run(route, block.first_seq, payloads)
        else:
            routes, last = [], route
            for seq, payload in enumerate(payloads, block.first_seq):
                last = ZERO_HASH if seq == broken else chain.link(last, seq, payload)
                routes.append(last)
        yield block.first_seq, payloads, [route, *routes[:-1]], routes
        route = routes[-1]
        if broken < 0:
            _remember(_Resume(start.anchor, block.end, expected, real, route))


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
        if expected and segment.prev_hash != expected and not segment.blocks:
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
