"""Walk the log and its backups along the hash chain and report the first break.

What each finding means (``Problem.what``):

- ``edited``: a frame's or block's bytes or chain hash do not match (CRC or hash), or a header
  was altered;
- ``inserted``: a frame that does not belong (a repeated sequence number, or a frame the next
  one does not chain from);
- ``deleted``: sequence numbers are missing inside a file;
- ``reordered``: a frame appears before one with a lower sequence number;
- ``truncated``: a file ends early (a torn tail on the live log, or a backup whose successor's
  header says it held more);
- ``missing backup``: a whole segment is gone from the middle, or older backups the live log's
  header still counts on (``history_from``) were removed;
- ``missing log``: backups exist but the live log does not.

In a version 3 block whose link does not match, each record's CRC (over its seq and payload)
tells which record changed or moved; when an editor also recomputed that CRC, the finding
names the block's first record ("edited", the link alone disagrees). Checking an intact
block costs one hash over its bytes (``Chain.block_link``), not a call per record.

History the product itself discards (an overwritten single backup, backups pruned beyond
``audit_max_files``) is not tampering: the report's ``history_start`` says where the chain
begins, and ``earlier_history_kept`` is False when it starts after seq 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seaudit.errors import LogKeyError, UsageError
from seaudit.log.chain import Chain
from seaudit.log.config import LogConfig
from seaudit.log.frame import (
    FRAMED,
    HEADER_SIZE,
    Block,
    Frame,
    Header,
    Scan,
    decode_header,
    record_crc,
    valid_frame_after,
)
from seaudit.log.rotate import log_files


@dataclass(frozen=True, slots=True)
class Problem:
    file: Path
    offset: int
    seq: int | None
    what: str
    detail: str = ""

    def __str__(self) -> str:
        seq = f" seq {self.seq}" if self.seq is not None else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.file}: offset {self.offset}{seq}: {self.what}{detail}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    first_problem: Problem | None
    records_checked: int
    files: tuple[Path, ...] = ()
    history_start: int = 1
    keyed: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.first_problem is None

    @property
    def earlier_history_kept(self) -> bool:
        return self.history_start <= 1


class _Found(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


@dataclass(slots=True)
class _Walk:
    chain: Chain
    key_given: bool
    checked: int = 0
    prev: tuple[Path, Header, int, bytes, int] | None = None  # file, header, last seq, hash, end
    seen_keyed: bool = False
    unkeyed_before: int = 0  # with a key: the last unkeyed segment's first seq (0: none)

    def file(self, path: Path, data: bytes, last: bool) -> None:
        try:
            header = decode_header(data)
        except ValueError as exc:
            what = "truncated" if len(data) < HEADER_SIZE else "edited"
            raise _Found(Problem(path, 0, None, what, f"header: {exc}")) from None
        if header.keyed and not self.key_given:
            raise LogKeyError(f"{path} is keyed (HMAC): give the key to verify it")
        chain = self.chain
        if self.key_given and not header.keyed:
            # Segments written before a key was configured: checked with SHA-256, and held by
            # the keyed segment after them (its HMAC covers the last hash they lead to).
            if self.seen_keyed or last:
                raise _Found(
                    Problem(
                        path,
                        0,
                        header.first_seq,
                        "edited",
                        "segment is not keyed although a key was given",
                    )
                )
            chain = Chain()
            self.unkeyed_before = header.first_seq
        self.seen_keyed |= header.keyed
        if chain.anchor(header.prev_hash, header.anchored_bytes()) != header.anchor:
            raise _Found(
                Problem(
                    path,
                    0,
                    header.first_seq,
                    "edited",
                    "header altered (anchor mismatch; or a wrong key)",
                )
            )
        self._link(path, header)
        if header.version in FRAMED:
            self._frames(path, header, data, chain)
        else:
            self._blocks(path, header, data, chain)

    def _link(self, path: Path, header: Header) -> None:
        if self.prev is None:
            return
        ppath, pheader, plast, phash, pend = self.prev
        if header.first_seq == plast + 1 and header.prev_hash == phash:
            return
        if header.prev_first_seq == pheader.first_seq and header.first_seq > plast + 1:
            raise _Found(
                Problem(
                    ppath,
                    pend,
                    plast + 1,
                    "truncated",
                    f"ends at seq {plast}; the next file starts at {header.first_seq}",
                )
            )
        if header.first_seq > plast + 1:
            raise _Found(
                Problem(
                    path,
                    0,
                    plast + 1,
                    "missing backup",
                    f"seq {plast + 1}..{header.first_seq - 1} are in no file",
                )
            )
        if header.first_seq <= plast:
            raise _Found(
                Problem(
                    path,
                    0,
                    header.first_seq,
                    "inserted",
                    f"file repeats seq {header.first_seq}..{plast}",
                )
            )
        raise _Found(
            Problem(
                path, 0, header.first_seq, "edited", "header does not chain from the previous file"
            )
        )

    def _blocks(self, path: Path, header: Header, data: bytes, chain: Chain) -> None:
        scan = Scan(data, records=False)
        blocks = list(scan)
        view = memoryview(data)
        expected, prev = header.first_seq, header.anchor
        for i, b in enumerate(blocks):
            if b.first_seq == expected:
                link = chain.block_link(prev, view[b.offset : b.linked_end])
                if link != b.link:
                    raise _Found(first_wrong_record(path, b, blocks[i + 1 :]))
                prev, expected = link, b.last_seq + 1
                self.checked += b.count
            elif b.first_seq > expected:
                later = any(g.first_seq <= expected <= g.last_seq for g in blocks[i + 1 :])
                raise _Found(
                    Problem(
                        path,
                        b.offset,
                        expected,
                        "reordered" if later else "deleted",
                        f"found seq {b.first_seq} where seq {expected} belongs",
                    )
                )
            else:
                raise _Found(
                    Problem(
                        path,
                        b.offset,
                        b.first_seq,
                        "inserted",
                        f"seq {b.first_seq} again after seq {expected - 1}",
                    )
                )
        self._end(path, header, data, scan, expected, prev)

    def _frames(self, path: Path, header: Header, data: bytes, chain: Chain) -> None:
        scan = Scan(data)
        frames = [block.frame() for block in scan]
        expected, prev = header.first_seq, header.anchor
        for i, f in enumerate(frames):
            if f.seq == expected:
                h = chain.link(prev, f.seq, f.payload)
                if h != f.chain_hash:
                    nxt = self._chains(chain, frames, i + 1, prev, expected)
                    what = "inserted" if nxt else "edited"
                    raise _Found(Problem(path, f.offset, f.seq, what, "chain hash mismatch"))
                prev, expected = h, expected + 1
                self.checked += 1
            elif f.seq > expected:
                later = any(g.seq == expected for g in frames[i + 1 :])
                raise _Found(
                    Problem(
                        path,
                        f.offset,
                        expected,
                        "reordered" if later else "deleted",
                        f"found seq {f.seq} where seq {expected} belongs",
                    )
                )
            else:
                raise _Found(
                    Problem(
                        path,
                        f.offset,
                        f.seq,
                        "inserted",
                        f"seq {f.seq} again after seq {expected - 1}",
                    )
                )
        self._end(path, header, data, scan, expected, prev)

    def _end(
        self, path: Path, header: Header, data: bytes, scan: Scan, expected: int, prev: bytes
    ) -> None:
        if scan.stop != "eof":
            damaged = valid_frame_after(data, scan.stop_offset) >= 0
            raise _Found(
                Problem(
                    path,
                    scan.stop_offset,
                    expected,
                    "edited" if damaged else "truncated",
                    "damaged frame bytes" if damaged else "file ends inside a frame",
                )
            )
        self.prev = (path, header, expected - 1, prev, scan.stop_offset)

    @staticmethod
    def _chains(chain: Chain, frames: list[Frame], i: int, prev: bytes, seq: int) -> bool:
        if i >= len(frames) or frames[i].seq != seq:
            return False
        return chain.link(prev, seq, frames[i].payload) == frames[i].chain_hash


#: how far (in seqs) a record moved inside a block is looked for: a bound on the work a
#: damaged block costs (a block of garbage costs ``NEAR`` squared CRCs, not its size squared)
NEAR = 64


def first_wrong_record(path: Path, block: Block, after: list[Block]) -> Problem:
    """The first wrong record of a version 3 block whose link does not match, found by the
    records' CRCs: each says which seq its record was written as, so the walk is the one
    over version 2 frames (``_Walk._frames``), by the seqs the records claim (a record
    moved further than ``NEAR`` seqs is reported as edited)."""
    payloads = block.payloads()
    crcs = block.crcs()
    first = block.first_seq

    def claimed(p: int) -> int | None:
        """The seq the record at ``p`` was written as, looked for within ``NEAR`` seqs."""
        if p >= len(payloads):
            return None
        want, seq = crcs[p], first + p
        if record_crc(seq, payloads[p]) == want:
            return seq
        near = range(max(0, seq - NEAR), seq + NEAR + 1)
        return next((s for s in near if record_crc(s, payloads[p]) == want), None)

    at = block.record_offset
    expected = first
    for p in range(len(payloads)):
        seq = claimed(p)
        if seq == expected:
            expected += 1
            continue
        if seq is None:
            what = "inserted" if claimed(p + 1) == expected else "edited"
            return Problem(path, at(p), expected, what, f"record {p + 1} of the block changed")
        if seq > expected:
            ahead = range(p + 1, min(len(payloads), p + 1 + NEAR))
            later = any(claimed(q) == expected for q in ahead)
            later = later or any(g.first_seq <= expected <= g.last_seq for g in after)
            return Problem(
                path,
                at(p),
                expected,
                "reordered" if later else "deleted",
                f"found seq {seq} where seq {expected} belongs",
            )
        return Problem(path, at(p), seq, "inserted", f"seq {seq} again after seq {expected - 1}")
    if after and after[0].first_seq > expected:
        return Problem(
            path,
            after[0].offset,
            expected,
            "deleted",
            f"found seq {after[0].first_seq} where seq {expected} belongs",
        )
    return Problem(
        path,
        block.offset,
        first,
        "edited",
        f"block of seq {first}..{block.last_seq} does not match its chain link "
        "(its records' CRCs do, so they were recomputed, or the link itself was changed)",
    )


def verify_log(cfg: LogConfig, key: bytes | None = None) -> VerifyReport:
    """Check every file of the log; ``key`` overrides ``cfg.hmac_key_file``."""
    if key is None:
        key = cfg.key()
    files = log_files(cfg)
    if not files:
        raise UsageError(f"no audit log at {cfg.audit_log} and no backup {cfg.audit_back.name}[.*]")
    walk = _Walk(Chain(key), key is not None)
    history_start = _first(_head(files[0]))
    notes: list[str] = []
    problem: Problem | None = None
    try:
        live = cfg.audit_log in files
        if not live:
            raise _Found(
                Problem(
                    cfg.audit_log, 0, None, "missing log", "backups exist but the live log does not"
                )
            )
        _check_history(files, _head(files[-1]), history_start)
        for i, path in enumerate(files):  # one file in memory at a time
            walk.file(path, path.read_bytes(), last=i == len(files) - 1)
    except _Found as found:
        problem = found.problem
    if walk.unkeyed_before and problem is None:
        notes.append(
            "records before the first keyed segment are chained with SHA-256 only "
            "(written before the key was set); the keyed segments after them "
            "protect them"
        )
    if history_start > 1:
        notes.append(f"earlier history not kept: the chain starts at seq {history_start}")
    return VerifyReport(
        problem, walk.checked, tuple(files), max(history_start, 1), key is not None, tuple(notes)
    )


def _first(data: bytes) -> int:
    try:
        return decode_header(data).first_seq
    except ValueError:
        return 1


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(HEADER_SIZE)


def _check_history(files: list[Path], live_head: bytes, oldest: int) -> None:
    """The live header names the first seq the files must still hold; older files gone is
    a removal, not rotation."""
    try:
        live = decode_header(live_head)
    except ValueError:
        return  # reported as an edited header by the walk
    if oldest > live.history_from:
        raise _Found(
            Problem(
                files[0],
                0,
                live.history_from,
                "missing backup",
                f"seq {live.history_from}..{oldest - 1} were removed "
                "(the live log's header still counts them)",
            )
        )
