"""Each kind of tampering, done to real files, is found and located by verify_log."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from seaudit.errors import LogKeyError
from seaudit.log import AuditLog, LogConfig, log_files, verify_log
from seaudit.log.chain import Chain
from seaudit.log.frame import (
    HEADER_SIZE,
    Frame,
    Scan,
    decode_header,
    encode_frame,
    encode_header,
)
from seaudit.log.frame import Header as H

from .conftest import make_record

Cfg = Callable[..., LogConfig]


def _build(log_cfg: Cfg, key: Path | None = None, n: int = 600) -> LogConfig:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0, hmac_key_file=key)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(n))
    assert len(log_files(cfg)) >= 4
    assert verify_log(cfg).ok
    return cfg


def _frames(path: Path) -> tuple[bytes, list[Frame]]:
    data = path.read_bytes()
    return data[:HEADER_SIZE], list(Scan(data))


def _write(path: Path, head: bytes, frames: list[Frame]) -> None:
    path.write_bytes(head + b"".join(encode_frame(f.seq, f.payload, f.chain_hash) for f in frames))


def _problem(cfg: LogConfig, key: bytes | None = None) -> tuple[str, Path, int | None, int]:
    report = verify_log(cfg, key)
    assert not report.ok and report.first_problem is not None
    p = report.first_problem
    return p.what, p.file, p.seq, p.offset


def test_intact_log_is_ok(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    report = verify_log(cfg)
    assert report.ok and report.records_checked == 600 and report.earlier_history_kept


def test_edited_payload_with_fixed_crc(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[1]
    head, frames = _frames(path)
    f = frames[5]
    frames[5] = Frame(
        f.offset, f.seq, f.payload.replace(b'"P"', b'"D"').replace(b'"D"', b'"F"'), f.chain_hash
    )
    _write(path, head, frames)
    assert _problem(cfg) == ("edited", path, f.seq, f.offset)


def test_flipped_byte_without_crc_fix(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[0]
    data = bytearray(path.read_bytes())
    _, frames = _frames(path)
    data[frames[3].offset + 20] ^= 0x20
    path.write_bytes(bytes(data))
    assert _problem(cfg)[:3] == ("edited", path, frames[3].seq)


def test_inserted_duplicate_and_inserted_forgery(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[2]
    head, frames = _frames(path)
    _write(path, head, [*frames[:4], frames[1], *frames[4:]])
    what, file, seq, _ = _problem(cfg)
    assert (what, file, seq) == ("inserted", path, frames[1].seq)
    forged = Frame(0, frames[4].seq, b'{"event":"login","timestamp":"x","status":"P"}', bytes(32))
    _write(path, head, [*frames[:4], forged, *frames[4:]])
    assert _problem(cfg)[:3] == ("inserted", path, frames[4].seq)


def test_deleted_record(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[1]
    head, frames = _frames(path)
    _write(path, head, frames[:7] + frames[8:])
    assert _problem(cfg)[:3] == ("deleted", path, frames[7].seq)


def test_reordered_records(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = cfg.audit_log
    head, frames = _frames(path)
    frames[2], frames[3] = frames[3], frames[2]
    _write(path, head, frames)
    assert _problem(cfg)[:3] == ("reordered", path, frames[3].seq)


def test_backup_truncated_at_a_record_boundary_or_inside_one(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[1]
    head, frames = _frames(path)
    original = path.read_bytes()
    _write(path, head, frames[:-3])
    assert _problem(cfg)[:3] == ("truncated", path, frames[-3].seq)
    path.write_bytes(original[:-10])
    assert _problem(cfg)[:3] == ("truncated", path, frames[-1].seq)
    path.write_bytes(original[:60])
    assert _problem(cfg)[:2] == ("truncated", path)


def test_backup_removed_from_the_middle(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    files = log_files(cfg)
    _, frames = _frames(files[1])
    files[1].unlink()
    assert _problem(cfg)[:3] == ("missing backup", files[2], frames[0].seq)


def test_oldest_backup_removed_while_all_are_kept(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    files = log_files(cfg)
    files[0].unlink()
    assert _problem(cfg)[:3] == ("missing backup", files[1], 1)


def test_pruned_backups_are_history_not_tampering(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=2)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(600))
    report = verify_log(cfg)
    assert report.ok and report.history_start > 1 and not report.earlier_history_kept
    log_files(cfg)[0].unlink()  # one more than the product prunes
    assert _problem(cfg)[0] == "missing backup"


def test_single_backup_removed(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="none")
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(600))
    assert verify_log(cfg).ok
    cfg.audit_back.unlink()
    assert _problem(cfg)[:2] == ("missing backup", cfg.audit_log)


def test_live_log_removed(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    cfg.audit_log.unlink()
    assert _problem(cfg)[0] == "missing log"


def test_torn_live_tail_is_reported_as_truncated(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    data = cfg.audit_log.read_bytes()
    cfg.audit_log.write_bytes(data[:-5])
    assert _problem(cfg)[:2] == ("truncated", cfg.audit_log)


def test_header_edited(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[1]
    data = path.read_bytes()
    h = decode_header(data)
    forged = H(
        h.first_seq,
        h.prev_first_seq,
        h.history_from,
        h.created_ns + 10**9,
        h.prev_hash,
        h.anchor,
        h.keyed,
    )
    path.write_bytes(encode_header(forged) + data[HEADER_SIZE:])
    assert _problem(cfg)[:3] == ("edited", path, h.first_seq)


def _rechain(cfg: LogConfig, chain: Chain, edit_seq: int, keyed: bool) -> None:
    """What an attacker without the key can do: edit, then recompute everything."""
    prev = bytes(32)
    for path in log_files(cfg):
        head, frames = _frames(path)
        h = decode_header(head)
        h = H(h.first_seq, h.prev_first_seq, h.history_from, h.created_ns, prev, keyed=keyed)
        anchor = chain.anchor(prev, h.anchored_bytes())
        h = H(h.first_seq, h.prev_first_seq, h.history_from, h.created_ns, prev, anchor, keyed)
        out, last = [], anchor
        for f in frames:
            payload = f.payload.replace(b"bob", b"eve") if f.seq == edit_seq else f.payload
            last = chain.link(last, f.seq, payload)
            out.append(Frame(f.offset, f.seq, payload, last))
        _write(path, encode_header(h), out)
        prev = last


def test_keyed_log_resists_recomputation_without_the_key(log_cfg: Cfg, tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key = os.urandom(32).hex().encode()  # key files are stripped of surrounding whitespace
    key_file.write_bytes(key)
    cfg = _build(log_cfg, key_file)
    assert verify_log(cfg).keyed
    with pytest.raises(LogKeyError):
        verify_log(cfg.with_(hmac_key_file=None))
    _rechain(cfg, Chain(os.urandom(32)), edit_seq=2, keyed=True)  # a guessed key
    assert _problem(cfg)[0] == "edited"
    _rechain(cfg, Chain(), edit_seq=2, keyed=False)  # downgraded to plain SHA-256
    assert _problem(cfg, key)[:2] == ("edited", cfg.audit_log)
    _rechain(cfg, Chain(key), edit_seq=2, keyed=True)  # only the key holder can do this
    assert verify_log(cfg).ok


def test_unkeyed_chain_can_be_recomputed_which_is_why_keys_exist(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    _rechain(cfg, Chain(), edit_seq=2, keyed=False)
    assert verify_log(cfg).ok  # documented limit of the unkeyed chain


def test_key_added_later_protects_the_earlier_unkeyed_segments(
    log_cfg: Cfg, tmp_path: Path
) -> None:
    key_file = tmp_path / "key"
    key = os.urandom(32).hex().encode()  # key files are stripped of surrounding whitespace
    key_file.write_bytes(key)
    plain = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0)
    with AuditLog(plain) as log:
        log.append_batch(make_record(i, pad=400) for i in range(300))
    keyed = plain.with_(hmac_key_file=key_file)
    with AuditLog(keyed) as log:
        log.append_batch(make_record(i, pad=400) for i in range(300, 400))
    report = verify_log(keyed)
    assert report.ok and report.records_checked == 400 and "SHA-256 only" in report.notes[0]
    # an unkeyed attacker rewrites the unkeyed part consistently: the keyed header catches it
    files = log_files(keyed)
    first_keyed = next(i for i, p in enumerate(files) if decode_header(p.read_bytes()).keyed)
    prev = bytes(32)
    chain = Chain()
    for path in files[:first_keyed]:
        head, frames = _frames(path)
        h = decode_header(head)
        h = H(h.first_seq, h.prev_first_seq, h.history_from, h.created_ns, prev)
        h = H(
            h.first_seq,
            h.prev_first_seq,
            h.history_from,
            h.created_ns,
            prev,
            chain.anchor(prev, h.anchored_bytes()),
        )
        out, last = [], h.anchor
        for f in frames:
            payload = f.payload.replace(b"bob", b"eve") if f.seq == 2 else f.payload
            last = chain.link(last, f.seq, payload)
            out.append(Frame(f.offset, f.seq, payload, last))
        _write(path, encode_header(h), out)
        prev = last
    assert _problem(keyed, key)[:2] == ("edited", files[first_keyed])
