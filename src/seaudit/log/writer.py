"""The one writer of a log: append framed, chained records; rotate; recover a torn tail.

Durability: each append hands its frames to the kernel with one ``write`` before returning, so
a killed process never loses an acknowledged record; the flush policy says when they are also
forced to the disk (``fdatasync``), which bounds what a power cut or OS crash can lose.
A failed write is truncated back to the last whole frame, so the file never holds a partial
record written by a live process. Only one ``AuditLog`` may hold a log (``<log>.lock``, flock).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from types import TracebackType

from seaudit.errors import LogCorruptError, LogFullError, LogKeyError, LogWriteError
from seaudit.log.chain import Chain
from seaudit.log.config import LogConfig
from seaudit.log.frame import (
    BLOCK_OVERHEAD,
    BLOCK_RECORDS,
    HEADER_SIZE,
    PER_RECORD,
    VERSION,
    ZERO_HASH,
    Header,
    Scan,
    block_body,
    decode_header,
    encode_header,
    seal_block,
    valid_frame_after,
)
from seaudit.log.lock import acquire
from seaudit.log.payload import encode_record
from seaudit.log.rotate import (
    backup_path,
    backups,
    first_seq_of,
    next_boundary,
    timestamped_backups,
    timestamped_names,
)
from seaudit.schema.record import AuditRecord

_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


@dataclass(frozen=True, slots=True)
class Recovery:
    """A torn tail found on open and cut off: where it started and how many bytes went."""

    path: Path
    offset: int
    bytes_cut: int


class _Full(Exception):
    def __init__(self, exc: OSError, written: int = 0) -> None:
        super().__init__(exc.strerror)
        self.exc = exc
        self.written = written  # bytes that did fit before the error (then truncated away)


class AuditLog:
    """Append records to the log ``cfg`` describes; use as a context manager."""

    def __init__(self, cfg: LogConfig, *, clock: Callable[[], int] = time.time_ns) -> None:
        """``clock`` gives Unix time in ns (headers, backup names, date-triggered rotation)."""
        self.cfg = cfg
        self.clock = clock
        self.chain = Chain(cfg.key())
        self.recovery: Recovery | None = None
        #: called with each new backup's path, inside the rotation (before a single backup can
        #: be overwritten again); it must not append to this log. Its errors propagate, after
        #: the rotation is complete (``last_seq`` says what was written).
        self.on_rotate: Callable[[Path], object] | None = None
        self._lock = threading.RLock()
        self._fd = -1
        self._lock_fd = -1
        self._header: Header | None = None
        self._size = 0
        self._limit = cfg.size_bytes  # this segment's size limit (lower once a limit was hit)
        self._seq = 0
        self._durable = 0
        self._hash = ZERO_HASH
        self._deadline: float | None = None
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        self._first_seqs: dict[str, int] = {}  # sealed timestamped backups' first seqs, by name
        self._notices: list[bytes] = []  # records about dropped held backups, to append
        self._open()

    # ---- public API -------------------------------------------------------------------------

    @property
    def last_seq(self) -> int:
        """Sequence number of the last record written (0 for an empty history)."""
        return self._seq

    @property
    def durable_seq(self) -> int:
        """Sequence number of the last record forced to disk by the flush policy."""
        return self._durable

    def append(self, record: AuditRecord) -> int:
        """Write one record; returns its sequence number."""
        return self.append_batch((record,))

    def append_batch(self, records: Iterable[AuditRecord]) -> int:
        """Write records in order (few system calls); returns the last sequence number."""
        return self.append_payloads([encode_record(r) for r in records])

    def append_payloads(self, payloads: Sequence[bytes]) -> int:
        """Write records already encoded as payloads (``encode_record``'s bytes, e.g. made
        column-wise by a bulk import), in order; returns the last sequence number. Framing,
        chaining, rotation, flush policy and ``on_full`` are those of ``append_batch``.
        (A record saying a held backup was dropped for room, ``route.holds``, follows the
        batch; the number returned is still the batch's last.)"""
        with self._lock:
            self._check_open()
            last = self._seq
            if payloads:
                self._write_payloads(payloads)
                last = self._seq
                while self._notices:
                    self._write_payloads([self._notices.pop(0)])
                self._after_write()
            return last

    def flush(self) -> None:
        """Force everything written so far to disk."""
        with self._lock:
            self._check_open()
            self._sync()

    def rotate(self) -> Path | None:
        """Rotate now (if the live log holds records); returns the backup's path."""
        with self._lock:
            self._check_open()
            return self._rotate() if self._seq >= self._first_seq else None

    def close(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
            self._timer = None
        with self._lock:
            if self._fd >= 0:
                with contextlib.suppress(OSError):
                    self._sync()
                os.close(self._fd)
                self._fd = -1
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ---- opening ----------------------------------------------------------------------------

    @property
    def _first_seq(self) -> int:
        assert self._header is not None
        return self._header.first_seq

    def _open(self) -> None:
        live = self.cfg.audit_log
        self._lock_fd = acquire(live)
        try:
            self.cfg.audit_back.parent.mkdir(parents=True, exist_ok=True)
            Path(f"{live}.tmp").unlink(missing_ok=True)
            if live.exists():
                self._open_live(live)
            else:
                self._start_after_backups()
        except BaseException:
            self.close()
            raise
        if self.cfg.flush.kind == "ms":
            self._timer = threading.Thread(
                target=self._flusher, name="seaudit-log-flush", daemon=True
            )
            self._timer.start()

    def _open_live(self, live: Path) -> None:
        try:
            fd = os.open(live, os.O_RDWR | os.O_APPEND)
        except OSError as exc:
            raise LogWriteError(f"cannot open {live} for writing: {exc.strerror}") from None
        self._fd = fd
        with open(live, "rb") as handle:
            data = handle.read()
        try:
            header = decode_header(data)
        except ValueError as exc:
            raise LogCorruptError(f"{live}: {exc}") from None
        self._check_anchor(live, header)
        self._header = header
        self._seq, self._hash = header.first_seq - 1, header.anchor
        scan = Scan(data)
        for block in scan:
            self._seq, self._hash = block.last_seq, block.link
        self._size = scan.stop_offset
        if scan.stop != "eof":
            if valid_frame_after(data, scan.stop_offset) >= 0:
                raise LogCorruptError(
                    f"{live}: damaged frame at offset {scan.stop_offset} "
                    "with whole records after it; nothing was cut"
                )
            os.ftruncate(fd, scan.stop_offset)
            os.fsync(fd)
            self.recovery = Recovery(live, scan.stop_offset, len(data) - scan.stop_offset)
        os.fsync(fd)  # what a killed writer left in the page cache is made durable now
        self._durable = self._seq
        self._deadline = next_boundary(self.cfg.backup_date, header.created_ns)
        if header.keyed != self.chain.keyed or header.version != VERSION:
            self._rotate()  # a new keying or format version starts a new segment

    def _check_anchor(self, path: Path, header: Header) -> None:
        if header.keyed and not self.chain.keyed:
            raise LogKeyError(f"{path} is keyed (HMAC); the configuration gives no key")
        chain = self.chain if header.keyed else Chain()
        if chain.anchor(header.prev_hash, header.anchored_bytes()) != header.anchor:
            if header.keyed:
                raise LogKeyError(f"{path}: the HMAC key does not match this log")
            raise LogCorruptError(f"{path}: header was altered (anchor hash mismatch)")

    def _start_after_backups(self) -> None:
        """No live log: continue the chain from the newest backup (or start it)."""
        olds = backups(self.cfg)
        first, prev_first, prev_hash = 1, 0, ZERO_HASH
        if olds:
            newest = olds[-1]
            data = newest.read_bytes()
            try:
                header = decode_header(data)
            except ValueError as exc:
                raise LogCorruptError(f"{newest}: {exc}") from None
            seq, last = header.first_seq - 1, header.anchor
            scan = Scan(data)
            for block in scan:
                seq, last = block.last_seq, block.link
            if scan.stop != "eof":
                raise LogCorruptError(f"{newest}: damaged frame at offset {scan.stop_offset}")
            first, prev_first, prev_hash = seq + 1, header.first_seq, last
        header = self._new_segment(first, prev_first, prev_hash, self._history_from(first, []))
        os.replace(f"{self.cfg.audit_log}.tmp", self.cfg.audit_log)
        _sync_dir(self.cfg.audit_log.parent)
        self._switch_to(header)

    # ---- writing ----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._fd < 0:
            raise LogWriteError(f"{self.cfg.audit_log}: the log is closed")

    def _write_payloads(self, payloads: Sequence[bytes]) -> None:
        i = 0
        while i < len(payloads):
            if self._deadline is not None and self.clock() / 1e9 >= self._deadline:
                if self._seq >= self._first_seq:
                    self._rotate()
                else:
                    self._deadline = next_boundary(self.cfg.backup_date, self.clock())
            room = self._limit - self._size
            force = self._seq < self._first_seq  # an empty segment takes one record anyway
            frames, count, seq, chained, used = _block(
                self.chain, payloads, i, self._seq, self._hash, room, force
            )
            if not count:
                self._rotate()
                continue
            try:
                self._write(frames)
            except _Full as full:
                reached = self._size + full.written  # the file size the limit allowed
                if self.cfg.on_full == "rotate" and count > 1:
                    self._limit = reached  # retry with the frames that fit, then rotate
                    continue
                self._on_full(full.exc)
                if full.exc.errno == errno.EFBIG:  # a per-file limit: every segment has it
                    self._limit = min(self._limit, reached)
                continue
            self._seq, self._hash, self._size = seq, chained, self._size + used
            i += count

    def _write(self, data: bytes) -> None:
        """Write all of ``data`` or nothing: a short or failed write is truncated away."""
        view = memoryview(data)
        try:
            while view:
                done = os.write(self._fd, view)
                view = view[done:]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            if exc.errno in _FULL:
                raise _Full(exc, len(data) - len(view)) from None
            raise LogWriteError(
                f"cannot write {self.cfg.audit_log}: {exc.strerror}; "
                f"records after seq {self._seq} were not written"
            ) from None

    def _on_full(self, exc: OSError) -> None:
        """The disk or file-size limit is reached: refuse, or rotate and drop old backups."""
        what = (
            f"{self.cfg.audit_log}: {exc.strerror}; records after seq {self._seq} "
            "were not written, the log is intact"
        )
        if self.cfg.on_full == "refuse":
            raise LogFullError(what)
        if self._seq >= self._first_seq:
            self._rotate()
            return
        if exc.errno == errno.EFBIG:
            raise LogFullError(what + " (the record alone exceeds the file-size limit)")
        if not self._drop_oldest_backup():
            raise LogFullError(what + " (no backup left to drop)")
        self._restart_segment()

    def _after_write(self) -> None:
        policy = self.cfg.flush
        if policy.kind == "record" or (
            policy.kind == "every" and self._seq - self._durable >= policy.value
        ):
            self._sync()

    def _sync(self) -> None:
        if self._durable < self._seq:
            try:
                os.fdatasync(self._fd)
            except OSError as exc:
                raise LogWriteError(f"cannot sync {self.cfg.audit_log}: {exc.strerror}") from None
            self._durable = self._seq

    def _flusher(self) -> None:
        interval = self.cfg.flush.value / 1000
        while not self._stop.wait(interval):
            with self._lock:
                if self._fd >= 0:
                    with contextlib.suppress(LogWriteError):
                        self._sync()

    # ---- rotation ---------------------------------------------------------------------------

    def _first_seq_of(self, path: Path) -> int:
        """``first_seq_of``, remembered for timestamped backups: sealed, their header never
        changes, and reading every one at each rotation made rotation cost grow with the
        number of backups kept."""
        if str(path) in (str(self.cfg.audit_log), str(self.cfg.audit_back)):
            return first_seq_of(path)
        return self._backup_seq(path.name)

    def _backup_seq(self, name: str) -> int:
        """The first seq of the timestamped backup ``name`` (all live in ``audit_back``'s
        folder), remembered by name: no path objects per backup and rotation."""
        seq = self._first_seqs.get(name)
        if seq is None:
            seq = first_seq_of(self.cfg.audit_back.parent / name)
            if seq >= 0:
                self._first_seqs[name] = seq
        return seq

    def _history_from(self, first_seq: int, extra: list[Path]) -> int:
        """The first seq the files will hold once ``extra`` backups join and pruning ran."""
        if not self.cfg.timestamped:
            kept = extra or [p for p in backups(self.cfg) if p == self.cfg.audit_back]
            seqs = [self._first_seq_of(p) for p in kept]
        else:  # names, oldest first as ``backups`` orders them, then ``extra``
            names = timestamped_names(self.cfg)
            if self.cfg.audit_max_files:
                names.sort(key=lambda n: (self._backup_seq(n), n))
            seqs = [self._backup_seq(n) for n in names] + [self._first_seq_of(p) for p in extra]
            if self.cfg.audit_max_files:
                seqs = seqs[-self.cfg.audit_max_files :]
        seqs = [s for s in seqs if s > 0]
        return min(seqs) if seqs else first_seq

    def _rotate(self) -> Path:
        """Seal the live segment as a backup and start the next one, without a moment where
        a crash leaves a half-written header: the new segment is written to ``<log>.tmp``
        and renamed into place."""
        assert self._header is not None
        live = self.cfg.audit_log
        self._sync()  # fdatasync: the data and the size, all a reader of the backup needs
        target = backup_path(self.cfg, dt.datetime.fromtimestamp(self.clock() / 1e9))
        self._first_seqs.pop(target.name, None)  # a name freed by pruning may come back
        history = self._history_from(self._seq + 1, [live])
        while True:
            try:
                header = self._new_segment(
                    self._seq + 1, self._header.first_seq, self._hash, history
                )
                break
            except _Full as full:
                if self.cfg.on_full == "refuse" or not self._drop_oldest_backup():
                    raise LogFullError(
                        f"{live}: {full.exc.strerror}: cannot start a new "
                        "segment; the log is intact"
                    ) from None
                history = self._history_from(self._seq + 1, [live])
        try:
            os.replace(live, target)
            os.replace(f"{live}.tmp", live)
        except OSError as exc:
            raise LogWriteError(f"cannot rotate {live} to {target}: {exc.strerror}") from None
        _sync_dir(live.parent)
        if target.parent != live.parent:
            _sync_dir(target.parent)
        self._switch_to(header)
        self._prune()
        if self.on_rotate is not None:
            self.on_rotate(target)
        return target

    def _prune(self) -> None:
        from seaudit.route.holds import released  # never a backup a route still owes

        if self.cfg.timestamped and self.cfg.audit_max_files:
            olds = timestamped_backups(self.cfg, self._first_seq_of)
            for path in released(self.cfg, olds[: max(0, len(olds) - self.cfg.audit_max_files)]):
                path.unlink(missing_ok=True)
                self._first_seqs.pop(path.name, None)

    def _drop_oldest_backup(self) -> bool:
        from seaudit.route.holds import held_full, released

        olds = backups(self.cfg)
        if not olds:
            return False
        if not released(self.cfg, olds[:1]):
            held = held_full(self.cfg, olds[0])
            if held.choice == "stop":
                self._sync()
                os.close(self._fd)
                self._fd = -1
            if held.choice != "drop":
                raise LogFullError(held.message)
            self._notices.append(encode_record(held.notice))
        olds[0].unlink(missing_ok=True)
        self._first_seqs.pop(olds[0].name, None)
        return True

    def _restart_segment(self) -> None:
        """Rewrite the (empty) live segment's header after backups were dropped."""
        assert self._header is not None
        h = self._header
        while True:
            try:
                header = self._new_segment(
                    h.first_seq, h.prev_first_seq, h.prev_hash, self._history_from(h.first_seq, [])
                )
                break
            except _Full as full:
                if not self._drop_oldest_backup():
                    raise LogFullError(f"{self.cfg.audit_log}: {full.exc.strerror}") from None
        os.replace(f"{self.cfg.audit_log}.tmp", self.cfg.audit_log)
        _sync_dir(self.cfg.audit_log.parent)
        self._switch_to(header)

    def _new_segment(self, first: int, prev_first: int, prev_hash: bytes, history: int) -> Header:
        """Write ``<log>.tmp`` holding just a header, synced; the caller renames it."""
        header = Header(first, prev_first, history, self.clock(), prev_hash, keyed=self.chain.keyed)
        anchor = self.chain.anchor(prev_hash, header.anchored_bytes())
        header = Header(
            first, prev_first, history, header.created_ns, prev_hash, anchor, header.keyed
        )
        tmp = f"{self.cfg.audit_log}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        except OSError as exc:
            raise LogWriteError(f"cannot create {tmp}: {exc.strerror}") from None
        try:
            os.write(fd, encode_header(header))
            os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            Path(tmp).unlink(missing_ok=True)
            if exc.errno in _FULL:
                raise _Full(exc) from None
            raise LogWriteError(f"cannot write {tmp}: {exc.strerror}") from None
        os.close(fd)
        return header

    def _switch_to(self, header: Header) -> None:
        try:
            fd = os.open(self.cfg.audit_log, os.O_RDWR | os.O_APPEND)
        except OSError as exc:
            raise LogWriteError(f"cannot open {self.cfg.audit_log}: {exc.strerror}") from None
        if self._fd >= 0:
            os.close(self._fd)
        self._fd, self._header, self._size = fd, header, HEADER_SIZE
        self._limit = self.cfg.size_bytes
        self._seq, self._hash = header.first_seq - 1, header.anchor
        self._durable = self._seq
        self._deadline = next_boundary(self.cfg.backup_date, header.created_ns)


def _block(
    chain: Chain,
    payloads: Sequence[bytes],
    start: int,
    seq: int,
    chained: bytes,
    room: int,
    force: bool,
) -> tuple[bytes, int, int, bytes, int]:
    """One block of ``payloads[start:]``, as many as fit in ``room`` bytes (at least one when
    ``force``; at most ``BLOCK_RECORDS``): (block bytes, how many, last seq, its link, bytes
    used). No Python runs per record: how many fit is found by bisection over the running
    sizes, lengths and CRCs are ``map``s, the link is one hash over the block."""
    most = min(BLOCK_RECORDS, max(1, (room - BLOCK_OVERHEAD) // PER_RECORD + 1))
    chosen = payloads[start : start + most]  # a slice: ``islice`` would walk from 0 each time
    ends = list(accumulate(map(len, chosen)))
    count = len(ends)
    if ends[-1] + PER_RECORD * count + BLOCK_OVERHEAD > room:
        count = bisect_right(
            range(count), room, key=lambda k: ends[k] + PER_RECORD * (k + 1) + BLOCK_OVERHEAD
        )
        if not count and force:
            count = 1
    if not count:
        return b"", 0, seq, chained, 0
    body = block_body(seq + 1, chosen[:count])
    link = chain.block_link(chained, body)
    block = seal_block(body, count, link)
    return block, count, seq + count, link, len(block)


def _sync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
