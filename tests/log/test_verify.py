"""Each kind of tampering, done to real files, is found and located by verify_log.

The logs are format 3: a file is its header and blocks of records (``frame.py``). A test
edits a file the way someone with the format's documentation would: records of a block
(each a payload and the CRC written for it) changed, added, removed or moved, and the block
written again with its old link and a correct head CRC, so only the chain can tell.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from seaudit.errors import LogKeyError
from seaudit.log import AuditLog, LogConfig, log_files, read_log, verify_log
from seaudit.log.chain import Chain
from seaudit.log.frame import (
    BLOCK_HEAD,
    BLOCK_MAGIC,
    HEADER_SIZE,
    Scan,
    block_body,
    decode_header,
    encode_header,
    record_crc,
    seal_block,
)
from seaudit.log.frame import Header as H

from .conftest import make_record

Cfg = Callable[..., LogConfig]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "old"


def _build(
    log_cfg: Cfg, key: Path | None = None, n: int = 600, batch: int | None = None
) -> LogConfig:
    """A log of several files; one ``append_batch`` (a block per file) unless ``batch``."""
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0, hmac_key_file=key)
    records = [make_record(i, pad=600) for i in range(n)]
    step = batch or n
    with AuditLog(cfg) as log:
        for at in range(0, n, step):
            log.append_batch(records[at : at + step])
    assert len(log_files(cfg)) >= 4
    assert verify_log(cfg).ok
    return cfg


@dataclass
class Block:
    """A block as an editor sees it: its first seq, its records (payload, CRC), its link."""

    first: int
    records: list[tuple[bytes, int]]
    link: bytes
    offsets: list[int]  # where each payload starts in the file

    @property
    def seqs(self) -> list[int]:
        return list(range(self.first, self.first + len(self.records)))


def _blocks(path: Path) -> tuple[bytes, list[Block]]:
    data = path.read_bytes()
    blocks = [
        Block(
            b.first_seq,
            list(zip(b.payloads(), b.crcs(), strict=True)),
            b.link,
            [b.record_offset(i) for i in range(b.count)],
        )
        for b in Scan(data)
    ]
    return data[:HEADER_SIZE], blocks


def _block(path: Path) -> tuple[bytes, Block]:
    head, blocks = _blocks(path)
    assert len(blocks) == 1
    return head, blocks[0]


def _encode(block: Block) -> bytes:
    """The block's bytes with its records as they are now, its old link, a correct head CRC."""
    payloads = [p for p, _ in block.records]
    lengths = b"".join(len(p).to_bytes(4, "little") for p in payloads)
    crcs = b"".join(c.to_bytes(4, "little") for _, c in block.records)
    head = BLOCK_HEAD.pack(BLOCK_MAGIC, len(payloads), block.first, sum(map(len, payloads)))
    return seal_block(head + lengths + crcs + b"".join(payloads), len(payloads), block.link)


def _write(path: Path, head: bytes, blocks: list[Block]) -> None:
    path.write_bytes(head + b"".join(_encode(b) for b in blocks))


def _problem(cfg: LogConfig, key: bytes | None = None) -> tuple[str, Path, int | None, int]:
    report = verify_log(cfg, key)
    assert not report.ok and report.first_problem is not None
    p = report.first_problem
    return p.what, p.file, p.seq, p.offset


def test_intact_log_is_ok(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    report = verify_log(cfg)
    assert report.ok and report.records_checked == 600 and report.earlier_history_kept


def test_edited_payload_with_its_old_crc(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[1]
    head, b = _block(path)
    payload, crc = b.records[5]
    b.records[5] = (payload.replace(b'"P"', b'"D"').replace(b'"D"', b'"F"'), crc)
    _write(path, head, [b])
    assert _problem(cfg) == ("edited", path, b.seqs[5], b.offsets[5])


def test_edited_payload_with_its_crc_recomputed_names_the_block(log_cfg: Cfg) -> None:
    """The record's own CRC made right again: the link still disagrees, and the finding
    names the block's first record."""
    cfg = _build(log_cfg)
    path = log_files(cfg)[1]
    head, b = _block(path)
    edited = b.records[5][0].replace(b"2026", b"2027")
    b.records[5] = (edited, record_crc(b.seqs[5], edited))
    _write(path, head, [b])
    what, file, seq, _ = _problem(cfg)
    assert (what, file, seq) == ("edited", path, b.first)


def test_flipped_byte_without_crc_fix(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[0]
    data = bytearray(path.read_bytes())
    _, b = _block(path)
    data[b.offsets[3] + 20] ^= 0x20
    path.write_bytes(bytes(data))
    assert _problem(cfg)[:3] == ("edited", path, b.seqs[3])
    data[b.offsets[3] + 20] ^= 0x20
    data[HEADER_SIZE + 20] ^= 0x01  # a block's length table: its head CRC
    path.write_bytes(bytes(data))
    assert _problem(cfg)[:3] == ("truncated", path, b.first)  # nothing whole after it


def test_inserted_duplicate_and_inserted_forgery(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[2]
    head, b = _block(path)
    original = list(b.records)
    b.records = [*original[:4], original[1], *original[4:]]
    _write(path, head, [b])
    what, file, seq, _ = _problem(cfg)
    assert (what, file, seq) == ("inserted", path, b.seqs[1])
    forged = b'[7,"login","x","P"]'
    b.records = [*original[:4], (forged, record_crc(b.seqs[4], b"other")), *original[4:]]
    _write(path, head, [b])
    assert _problem(cfg)[:3] == ("inserted", path, b.seqs[4])


def test_deleted_record(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = log_files(cfg)[1]
    head, b = _block(path)
    seqs = b.seqs
    del b.records[7]
    _write(path, head, [b])
    assert _problem(cfg)[:3] == ("deleted", path, seqs[7])


def test_deleted_block(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg, batch=10)
    path = log_files(cfg)[1]
    head, blocks = _blocks(path)
    _write(path, head, blocks[:2] + blocks[3:])
    assert _problem(cfg)[:3] == ("deleted", path, blocks[2].first)


def test_reordered_records(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    path = cfg.audit_log
    head, b = _block(path)
    seqs = b.seqs
    b.records[2], b.records[3] = b.records[3], b.records[2]
    _write(path, head, [b])
    assert _problem(cfg)[:3] == ("reordered", path, seqs[2])


def test_reordered_blocks(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg, batch=10)
    path = log_files(cfg)[1]
    head, blocks = _blocks(path)
    blocks[1], blocks[2] = blocks[2], blocks[1]
    _write(path, head, blocks)
    assert _problem(cfg)[:3] == ("reordered", path, blocks[2].first)


def test_backup_truncated_at_a_block_boundary_or_inside_one(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg, batch=10)
    path = log_files(cfg)[1]
    head, blocks = _blocks(path)
    original = path.read_bytes()
    _write(path, head, blocks[:-3])
    assert _problem(cfg)[:3] == ("truncated", path, blocks[-3].first)
    path.write_bytes(original[:-10])
    assert _problem(cfg)[:3] == ("truncated", path, blocks[-1].first)
    path.write_bytes(original[:60])
    assert _problem(cfg)[:2] == ("truncated", path)


def test_backup_removed_from_the_middle(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    files = log_files(cfg)
    _, b = _block(files[1])
    files[1].unlink()
    assert _problem(cfg)[:3] == ("missing backup", files[2], b.first)


def test_oldest_backup_removed_while_all_are_kept(log_cfg: Cfg) -> None:
    cfg = _build(log_cfg)
    files = log_files(cfg)
    files[0].unlink()
    assert _problem(cfg)[:3] == ("missing backup", files[1], 1)


def test_pruned_backups_are_history_not_tampering(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=2)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=600) for i in range(600))
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


def _rechained(chain: Chain, prev: bytes, blocks: list[Block], edit_seq: int) -> bytes:
    """The blocks with the record ``edit_seq`` edited and every CRC and link recomputed by
    ``chain`` from ``prev`` (what the format's documentation lets anyone do); the last link."""
    for b in blocks:
        payloads = [
            p.replace(b"bob", b"eve") if seq == edit_seq else p
            for seq, (p, _) in zip(b.seqs, b.records, strict=True)
        ]
        body = block_body(b.first, payloads)
        b.link = prev = chain.block_link(prev, body)
        b.records = [(p, record_crc(s, p)) for s, p in zip(b.seqs, payloads, strict=True)]
    return prev


def _rechain(cfg: LogConfig, chain: Chain, edit_seq: int, keyed: bool) -> None:
    """What an attacker without the key can do: edit, then recompute everything."""
    prev = bytes(32)
    for path in log_files(cfg):
        head, blocks = _blocks(path)
        h = decode_header(head)
        h = H(h.first_seq, h.prev_first_seq, h.history_from, h.created_ns, prev, keyed=keyed)
        anchor = chain.anchor(prev, h.anchored_bytes())
        h = H(h.first_seq, h.prev_first_seq, h.history_from, h.created_ns, prev, anchor, keyed)
        prev = _rechained(chain, anchor, blocks, edit_seq)
        _write(path, encode_header(h), blocks)


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
        log.append_batch(make_record(i, pad=600) for i in range(300))
    keyed = plain.with_(hmac_key_file=key_file)
    with AuditLog(keyed) as log:
        log.append_batch(make_record(i, pad=600) for i in range(300, 400))
    report = verify_log(keyed)
    assert report.ok and report.records_checked == 400 and "SHA-256 only" in report.notes[0]
    # an unkeyed attacker rewrites the unkeyed part consistently: the keyed header catches it
    files = log_files(keyed)
    first_keyed = next(i for i, p in enumerate(files) if decode_header(p.read_bytes()).keyed)
    prev = bytes(32)
    chain = Chain()
    for path in files[:first_keyed]:
        head, blocks = _blocks(path)
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
        prev = _rechained(chain, h.anchor, blocks, edit_seq=2)
        _write(path, encode_header(h), blocks)
    assert _problem(keyed, key)[:2] == ("edited", files[first_keyed])


@pytest.mark.parametrize("name", ["store", "v2-keyed", "v1"])
def test_logs_written_before_format_3_still_verify_and_read(name: str, tmp_path: Path) -> None:
    """The fixtures written by the code before format 3 (tests/fixtures/build_old_formats.py):
    each verifies, reads back whole, and a writer continues it in a format 3 segment that
    chains on from the old one."""
    folder = tmp_path / name
    shutil.copytree(FIXTURES / name, folder)
    key_file = folder / "key"
    key = key_file.read_bytes() if key_file.exists() else None
    cfg = LogConfig(
        audit_log=folder / "seos.audit",
        audit_size=50,
        backup_date="yes",
        audit_max_files=0,
        hmac_key_file=key_file if key else None,
    )
    old = list(read_log(cfg))
    report = verify_log(cfg)
    assert report.ok and report.records_checked == len(old) > 0
    versions = {decode_header(p.read_bytes()).version for p in log_files(cfg)}
    assert versions == {1 if name == "v1" else 2}
    with AuditLog(cfg) as log:
        assert log.last_seq == len(old)
        log.append_batch(make_record(i) for i in range(5))
    assert [decode_header(p.read_bytes()).version for p in log_files(cfg)][-1] == 3
    assert [e.record for e in read_log(cfg)][: len(old)] == [e.record for e in old]
    report = verify_log(cfg)
    assert report.ok and report.records_checked == len(old) + 5
    if key:  # the old keyed segments are checked with the key, and a wrong key fails them
        assert not verify_log(cfg, b"not the key at all, 32 bytes..").ok


def test_a_block_of_garbage_is_reported_at_its_first_record(log_cfg: Cfg) -> None:
    """Every payload of a big block overwritten: the first record is named, and looking for
    where records moved stays bounded (``verify.NEAR``), whatever the block's size."""
    cfg = log_cfg(audit_size=4096)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i) for i in range(8000))
    head, b = _block(cfg.audit_log)
    b.records = [(bytes(len(p)), crc) for p, crc in b.records]
    _write(cfg.audit_log, head, [b])
    assert _problem(cfg) == ("edited", cfg.audit_log, 1, b.offsets[0])
