from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from seaudit.errors import LogCorruptError, LogKeyError, LogLockedError, LogWriteError
from seaudit.log import AuditLog, LogConfig, log_files, read_log, read_segment, verify_log
from seaudit.log.frame import HEADER_SIZE, Scan, decode_header

from .conftest import make_record

Cfg = Callable[..., LogConfig]


def test_append_returns_increasing_seqs_and_reads_back_in_order(log_cfg: Cfg) -> None:
    cfg = log_cfg()
    records = [make_record(i) for i in range(50)]
    with AuditLog(cfg) as log:
        seqs = [log.append(r) for r in records[:20]]
        last = log.append_batch(records[20:])
        assert log.durable_seq == last == 50
    assert seqs == list(range(1, 21))
    entries = list(read_log(cfg))
    assert [e.seq for e in entries] == list(range(1, 51))
    assert [e.record for e in entries] == records
    assert [e.record.origin for e in entries] == [r.origin for r in records]


def test_sequence_continues_across_reopen(log_cfg: Cfg) -> None:
    cfg = log_cfg()
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i) for i in range(3))
    with AuditLog(cfg) as log:
        assert log.recovery is None and log.last_seq == 3
        assert log.append(make_record(3)) == 4
    assert verify_log(cfg).ok


def test_single_backup_is_overwritten_and_chain_still_verifies(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="none")
    rotated: list[Path] = []
    firsts: list[int] = []
    with AuditLog(cfg) as log:
        log.on_rotate = lambda p: rotated.append(p) or firsts.append(next(read_segment(p)).seq)
        log.append_batch(make_record(i, pad=600) for i in range(600))
    assert len(rotated) >= 3 and set(rotated) == {cfg.audit_back}
    assert firsts == sorted(set(firsts)) and firsts[0] == 1  # each segment seen before overwrite
    assert log_files(cfg) == [cfg.audit_back, cfg.audit_log]
    assert cfg.audit_log.stat().st_size <= 50 * 1024
    entries = list(read_log(cfg))
    assert entries[-1].seq == 600 and entries[0].seq > 1
    report = verify_log(cfg)
    assert report.ok and not report.earlier_history_kept
    assert report.history_start == entries[0].seq
    assert "earlier history not kept" in report.notes[0]


def test_timestamped_backups_are_named_like_the_product_and_pruned(log_cfg: Cfg) -> None:
    when = dt.datetime(2007, 2, 6, 14, 43, 30).timestamp()
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=3)
    with AuditLog(cfg, clock=lambda: int(when * 1e9)) as log:
        log.append_batch(make_record(i, pad=600) for i in range(600))
    backups = log_files(cfg)[:-1]
    names = [p.name for p in backups]
    assert names[0] == "seos.audit.bak.06-Feb-2007.144330" or names[0].startswith(
        "seos.audit.bak.06-Feb-2007.144330."
    )
    assert len(backups) == 3  # audit_max_files
    firsts = [decode_header(p.read_bytes()[:HEADER_SIZE]).first_seq for p in log_files(cfg)]
    assert firsts == sorted(firsts)
    assert verify_log(cfg).ok


def test_keep_all_backups_with_zero_max(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(900))
    assert len(log_files(cfg)) >= 5
    entries = list(read_log(cfg))
    assert [e.seq for e in entries] == list(range(1, 901))
    report = verify_log(cfg)
    assert report.ok and report.earlier_history_kept


@pytest.mark.parametrize(
    "mode, later",
    [
        ("daily", dt.datetime(2026, 3, 11, 0, 0, 1)),
        ("weekly", dt.datetime(2026, 3, 16, 0, 0, 1)),  # the next Monday
        ("monthly", dt.datetime(2026, 4, 1, 0, 0, 1)),
    ],
)
def test_date_modes_also_rotate_at_the_period_boundary(
    log_cfg: Cfg, mode: str, later: dt.datetime
) -> None:
    now = [dt.datetime(2026, 3, 10, 23, 59, 0)]  # a Tuesday
    cfg = log_cfg(backup_date=mode)
    with AuditLog(cfg, clock=lambda: int(now[0].timestamp() * 1e9)) as log:
        log.append(make_record(0))
        now[0] = later - dt.timedelta(seconds=2)
        log.append(make_record(1))
        assert len(log_files(cfg)) == 1  # still inside the period
        now[0] = later
        log.append(make_record(2))
    files = log_files(cfg)
    assert len(files) == 2
    assert files[0].name.startswith("seos.audit.bak." + later.strftime("%d-%b-%Y"))
    assert [e.seq for e in read_log(cfg)] == [1, 2, 3]
    assert verify_log(cfg).ok


def test_size_only_mode_ignores_dates(log_cfg: Cfg) -> None:
    now = [dt.datetime(2026, 3, 10, 23, 59, 0)]
    cfg = log_cfg(backup_date="yes")
    with AuditLog(cfg, clock=lambda: int(now[0].timestamp() * 1e9)) as log:
        log.append(make_record(0))
        now[0] = dt.datetime(2026, 5, 1)
        log.append(make_record(1))
    assert len(log_files(cfg)) == 1


def test_explicit_rotate_and_callback(log_cfg: Cfg) -> None:
    cfg = log_cfg(backup_date="yes")
    seen: list[Path] = []
    with AuditLog(cfg) as log:
        log.on_rotate = seen.append
        assert log.rotate() is None  # nothing to rotate
        log.append(make_record(0))
        path = log.rotate()
        assert path is not None and seen == [path] and path.exists()
        log.append(make_record(1))
    assert [e.seq for e in read_log(cfg)] == [1, 2]


def test_second_writer_is_refused(log_cfg: Cfg) -> None:
    cfg = log_cfg()
    with AuditLog(cfg), pytest.raises(LogLockedError):
        AuditLog(cfg)


def test_torn_tail_is_cut_and_reported(log_cfg: Cfg) -> None:
    cfg = log_cfg()
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i) for i in range(10))
    size = cfg.audit_log.stat().st_size
    with AuditLog(cfg) as log:
        log.append(make_record(10))
    whole = cfg.audit_log.read_bytes()
    cfg.audit_log.write_bytes(whole[: size + 20])  # record 11 torn after 20 bytes
    with AuditLog(cfg) as log:
        assert log.recovery is not None
        assert (log.recovery.offset, log.recovery.bytes_cut) == (size, 20)
        assert log.last_seq == 10
        assert log.append(make_record(10)) == 11
    assert [e.record for e in read_log(cfg)] == [make_record(i) for i in range(11)]
    assert verify_log(cfg).ok


def test_damage_in_the_middle_is_not_cut(log_cfg: Cfg) -> None:
    cfg = log_cfg()
    with AuditLog(cfg) as log:
        for i in range(10):
            log.append(make_record(i))  # a block each
    data = bytearray(cfg.audit_log.read_bytes())
    data[HEADER_SIZE + 30] ^= 0xFF
    cfg.audit_log.write_bytes(bytes(data))
    with pytest.raises(LogCorruptError, match="nothing was cut"):
        AuditLog(cfg)
    assert cfg.audit_log.read_bytes() == bytes(data)


def test_crash_during_rotation_is_recovered(log_cfg: Cfg) -> None:
    """Crash after the rename to backup, before the new segment took its place."""
    cfg = log_cfg(backup_date="yes")
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i) for i in range(5))
    os.replace(cfg.audit_log, cfg.audit_back.with_name("seos.audit.bak.01-Jan-2026.000000"))
    Path(f"{cfg.audit_log}.tmp").write_bytes(b"half a header")
    with AuditLog(cfg) as log:
        assert log.append(make_record(5)) == 6
    assert not Path(f"{cfg.audit_log}.tmp").exists()
    assert [e.seq for e in read_log(cfg)] == [1, 2, 3, 4, 5, 6]
    assert verify_log(cfg).ok


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(LogWriteError, match="cannot open the log"):
        AuditLog(LogConfig(audit_log=blocker / "seos.audit"))


def test_read_only_file_system_is_a_clear_error(log_cfg: Cfg, tmpfs: Callable[[str], Path]) -> None:
    import subprocess

    point = tmpfs("1m")
    cfg = LogConfig(audit_log=point / "seos.audit")
    with AuditLog(cfg) as log:
        log.append(make_record(0))
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    with pytest.raises(LogWriteError, match="Read-only file system"):
        AuditLog(cfg)
    assert [e.seq for e in read_log(cfg)] == [1]


def test_adding_a_key_starts_a_keyed_segment_and_removing_it_is_refused(
    log_cfg: Cfg, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    key.write_bytes(os.urandom(32))
    plain = log_cfg(backup_date="yes")
    with AuditLog(plain) as log:
        log.append(make_record(0))
    keyed = plain.with_(hmac_key_file=key)
    with AuditLog(keyed) as log:
        log.append(make_record(1))
    assert len(log_files(keyed)) == 2
    with pytest.raises(LogKeyError):
        AuditLog(plain)
    other = tmp_path / "other"
    other.write_bytes(os.urandom(32))
    with pytest.raises(LogKeyError, match="does not match"):
        AuditLog(plain.with_(hmac_key_file=other))


@pytest.mark.parametrize("flush", ["record", "every:7", "ms:20"])
def test_flush_policies_make_records_durable(log_cfg: Cfg, flush: str) -> None:
    import time

    cfg = log_cfg(flush=flush)
    with AuditLog(cfg) as log:
        for i in range(20):
            log.append(make_record(i))
        if flush == "every:7":
            assert log.durable_seq == 14
        elif flush == "ms:20":
            deadline = time.monotonic() + 2
            while log.durable_seq < 20 and time.monotonic() < deadline:
                time.sleep(0.005)
        assert log.durable_seq == 20 or flush == "every:7"
        log.flush()
        assert log.durable_seq == 20


def test_a_cut_at_any_byte_of_the_last_records_is_recovered(log_cfg: Cfg) -> None:
    """What a crash inside a multi-page write(2) or a power cut can leave: any prefix."""
    cfg = log_cfg(flush="every:1000")
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i) for i in range(5))
    keep = cfg.audit_log.stat().st_size
    with AuditLog(cfg) as log:
        log.append(make_record(5))
        log.append(make_record(6))
    whole = cfg.audit_log.read_bytes()
    boundary = next(b.end for b in Scan(whole) if b.last_seq == 6)
    for cut in range(keep + 1, len(whole)):
        cfg.audit_log.write_bytes(whole[:cut])
        with AuditLog(cfg) as log:
            if cut == boundary:
                assert log.recovery is None and log.last_seq == 6
            else:
                assert log.recovery is not None
                assert log.recovery.offset + log.recovery.bytes_cut == cut
                assert log.last_seq == (5 if cut < boundary else 6)
        assert verify_log(cfg).ok
        assert [e.record for e in read_log(cfg)] == [make_record(i) for i in range(log.last_seq)]
    cfg.audit_log.write_bytes(whole + bytes(4096))  # zero blocks after a power cut
    with AuditLog(cfg) as log:
        assert log.recovery is not None and log.recovery.offset == len(whole)
        assert log.last_seq == 7


@pytest.mark.parametrize("keyed", [False, True])
def test_append_payloads_writes_the_bytes_append_batch_writes(
    log_cfg: Cfg, tmp_path: Path, keyed: bool
) -> None:
    """Payloads already encoded give byte-identical files (frames, chain, rotation points
    inside the batch, backups), and the chain verifies."""
    from seaudit.log.payload import encode_record

    key = tmp_path / "key"
    key.write_bytes(b"k" * 32)
    records = [make_record(i, pad=500) for i in range(700)]
    files: list[list[bytes]] = []
    for name, write in (
        ("a", lambda log: log.append_batch(records)),
        ("b", lambda log: log.append_payloads([encode_record(r) for r in records])),
    ):
        cfg = log_cfg(
            audit_log=tmp_path / name / "seos.audit",
            audit_size=50,
            backup_date="yes",
            audit_max_files=0,
            hmac_key_file=key if keyed else None,
        )
        ticks = iter(range(10**9))
        with AuditLog(cfg, clock=lambda t=ticks: 1_700_000_000 * 10**9 + next(t)) as log:
            assert write(log) == 700
        assert len(log_files(cfg)) > 3
        assert verify_log(cfg).ok
        assert [e.record for e in read_log(cfg)] == records
        files.append([p.read_bytes() for p in log_files(cfg)])
    assert files[0] == files[1]


@pytest.mark.parametrize("keyed", [False, True])
def test_blocks_are_the_documented_layout_and_chain(
    log_cfg: Cfg, tmp_path: Path, keyed: bool
) -> None:
    """Every file is its header then blocks, each ``seal_block(body, n, block_link(prev,
    body))`` with ``body = block_body(first, payloads)``, the chain running on from each
    header's anchor; a batch goes in as few blocks as fit, one ``append`` is one block."""
    from seaudit.log.chain import Chain
    from seaudit.log.frame import block_body, seal_block

    key = tmp_path / "key"
    key.write_bytes(b"q" * 32)
    cfg = log_cfg(
        audit_size=40, backup_date="yes", audit_max_files=0, hmac_key_file=key if keyed else None
    )
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=i % 500) for i in range(300))
        log.append(make_record(300))
    chain = Chain(b"q" * 32 if keyed else None)
    seqs, sizes = [], []
    for path in log_files(cfg):
        data = path.read_bytes()
        header = decode_header(data)
        rebuilt, last = [data[:HEADER_SIZE]], header.anchor
        for block in Scan(data):
            body = block_body(block.first_seq, block.payloads())
            last = chain.block_link(last, body)
            rebuilt.append(seal_block(body, block.count, last))
            seqs.extend(range(block.first_seq, block.last_seq + 1))
            sizes.append(block.count)
        assert b"".join(rebuilt) == data
    assert seqs == list(range(1, 302))
    assert sizes[-1] == 1 and len(sizes) == len(log_files(cfg)) + 1


def test_blocks_take_exactly_what_fits_in_the_room() -> None:
    """How many records a block takes: all that fit in the room, at least one when forced."""
    import random

    from seaudit.log.chain import Chain
    from seaudit.log.frame import BLOCK_OVERHEAD, PER_RECORD, ZERO_HASH
    from seaudit.log.writer import _block

    rng = random.Random(5)
    for _ in range(300):
        payloads = [b"p" * rng.randrange(0, 90) for _ in range(rng.randrange(1, 30))]
        start = rng.randrange(len(payloads))
        room = rng.randrange(-60, 2000)
        force = rng.random() < 0.5
        expected, used = 0, BLOCK_OVERHEAD
        for payload in payloads[start:]:
            need = PER_RECORD + len(payload)
            if used + need > room and (expected or not force):
                break
            expected, used = expected + 1, used + need
        used = used if expected else 0
        data, count, seq, _, took = _block(Chain(), payloads, start, 10, ZERO_HASH, room, force)
        assert (count, seq, took, len(data)) == (expected, 10 + expected, used, used)


def test_a_format_1_log_is_read_and_continued_in_a_new_segment(log_cfg: Cfg) -> None:
    """A live log written by format 1 (JSON object payloads) is read as it is; the next
    writer rotates it and appends format 3 blocks after it, one chain throughout."""
    import orjson

    from seaudit.log.chain import Chain
    from seaudit.log.frame import Header, encode_frame, encode_header

    cfg = log_cfg(backup_date="yes", audit_max_files=0)
    chain = Chain()
    header = Header(1, 0, 1, 1_700_000_000 * 10**9, bytes(32), version=1)
    header = Header(
        1,
        0,
        1,
        header.created_ns,
        bytes(32),
        chain.anchor(bytes(32), header.anchored_bytes()),
        version=1,
    )
    old = [make_record(i) for i in range(5)]
    parts, last = [encode_header(header)], header.anchor
    for seq, record in enumerate(old, 1):
        data = record.to_dict()
        if record.origin is not None:
            o = record.origin
            data.update(source=o.source, line=o.line, node=o.node, raw=o.raw)
        payload = orjson.dumps(data)
        last = chain.link(last, seq, payload)
        parts.append(encode_frame(seq, payload, last))
    cfg.audit_log.parent.mkdir(parents=True)
    cfg.audit_log.write_bytes(b"".join(parts))
    assert [e.record for e in read_log(cfg)] == old
    assert [e.record.origin for e in read_log(cfg)] == [r.origin for r in old]
    new = [make_record(i) for i in range(5, 9)]
    with AuditLog(cfg) as log:
        assert log.last_seq == 5
        log.append_batch(new)
    files = log_files(cfg)
    assert [decode_header(p.read_bytes()).version for p in files] == [1, 3]
    assert [e.record for e in read_log(cfg)] == old + new
    assert [e.seq for e in read_log(cfg)] == list(range(1, 10))
    assert verify_log(cfg).ok
