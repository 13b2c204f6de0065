from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seaudit.errors import LogCorruptError
from seaudit.log import AuditLog, LogConfig, log_files, read_log, read_segment
from seaudit.log.frame import HEADER_SIZE
from seaudit.schema.record import AuditRecord, Origin

from .conftest import make_record

Cfg = Callable[..., LogConfig]

_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def records(draw: st.DrawFn) -> AuditRecord:
    origin = draw(
        st.none()
        | st.builds(
            Origin,
            source=_text,
            line=st.integers(0, 10**9),
            raw=st.none() | _text,
            node=st.none() | _text,
        )
    )
    return AuditRecord(
        event=draw(st.sampled_from(["login", "trace", "resource_access"])),
        timestamp="2026-02-06T14:43:30",
        status=draw(st.sampled_from("PDWFS")),
        user=draw(st.none() | _text),
        resource=draw(st.none() | _text),
        stage=draw(st.none() | st.integers(0, 2**40)),
        origin=origin,
        warnings=tuple(draw(st.lists(_text, max_size=2))),
    )


@settings(
    max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(st.lists(records(), min_size=1, max_size=20))
def test_any_records_read_back_equal_with_origin_and_warnings(
    tmp_path_factory: pytest.TempPathFactory, batch: list[AuditRecord]
) -> None:
    cfg = LogConfig(audit_log=tmp_path_factory.mktemp("h") / "seos.audit", flush="every:100")
    with AuditLog(cfg) as log:
        log.append_batch(batch)
    back = [e.record for e in read_log(cfg)]
    assert back == batch
    assert [(r.origin, r.warnings) for r in back] == [(r.origin, r.warnings) for r in batch]


def test_after_skips_whole_files_and_records(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(500))
    assert [e.seq for e in read_log(cfg, after=321)] == list(range(322, 501))
    assert list(read_log(cfg, after=500)) == []


def test_read_segment_reads_one_backup(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes")
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(300))
    files = log_files(cfg)
    per_file = [[e.seq for e in read_segment(p)] for p in files]
    assert [s for seqs in per_file for s in seqs] == list(range(1, 301))
    assert all(per_file)


def test_a_torn_live_tail_ends_the_walk_quietly(log_cfg: Cfg) -> None:
    cfg = log_cfg()
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i) for i in range(5))
    with cfg.audit_log.open("ab") as handle:
        handle.write(b"\x1eR\x10\x00")  # a writer died here
    assert [e.seq for e in read_log(cfg)] == [1, 2, 3, 4, 5]


def test_damage_raises_rather_than_skipping(log_cfg: Cfg) -> None:
    cfg = log_cfg()
    with AuditLog(cfg) as log:
        for i in range(5):
            log.append(make_record(i))  # a block each
    data = bytearray(cfg.audit_log.read_bytes())
    data[HEADER_SIZE + 40] ^= 1  # inside record 1's payload: its CRC no longer holds
    cfg.audit_log.write_bytes(bytes(data))
    with pytest.raises(LogCorruptError, match=f"offset {HEADER_SIZE}"):
        list(read_log(cfg))


def test_reading_after_a_seq_steps_over_earlier_frames_by_their_heads(log_cfg: Cfg) -> None:
    """A tail read checks what it returns; a damaged head before it still stops the walk."""
    cfg = log_cfg()
    with AuditLog(cfg) as log:
        for i in range(5):
            log.append(make_record(i))  # a block each
    clean = cfg.audit_log.read_bytes()
    payload_byte = bytearray(clean)
    payload_byte[HEADER_SIZE + 40] ^= 1  # inside record 1's payload: its CRC no longer holds
    cfg.audit_log.write_bytes(bytes(payload_byte))
    assert [e.seq for e in read_segment(cfg.audit_log, after=2)] == [3, 4, 5]
    with pytest.raises(LogCorruptError):
        list(read_segment(cfg.audit_log, after=0))  # record 1 is returned, so checked
    head = bytearray(clean)
    head[HEADER_SIZE + 14] ^= 0x40  # block 1's payload bytes: the next step lands mid-block
    cfg.audit_log.write_bytes(bytes(head))
    with pytest.raises(LogCorruptError, match="damaged frame"):
        list(read_segment(cfg.audit_log, after=2))


def test_reading_during_a_rotation_sees_each_record_once(log_cfg: Cfg) -> None:
    cfg = log_cfg(audit_size=50, backup_date="none")
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(200))
        reader = read_log(cfg)
        first = next(reader)  # files are opened now
        log.append_batch(make_record(i, pad=400) for i in range(200, 600))  # overwrites backup
        rest = [e.seq for e in reader]
    assert [first.seq, *rest] == list(range(first.seq, first.seq + 1 + len(rest)))
    assert rest[-1] >= 200


def test_payload_holds_exactly_to_dict_plus_provenance() -> None:
    import orjson

    from seaudit.log.payload import SLOTS, encode_record

    for i in range(6):
        r = make_record(i).with_warning(f"w{i}")
        mask, *values = orjson.loads(encode_record(r))
        names = [name for bit, name in enumerate(SLOTS) if mask >> bit & 1]
        data = dict(zip(names, values, strict=True))
        prov = {k: data.pop(k) for k in ("source", "line", "node", "raw") if k in data}
        assert data.pop("warnings") == [f"w{i}"]
        assert data == r.to_dict()
        if r.origin is not None:
            assert prov == {
                "source": r.origin.source,
                "line": r.origin.line,
                "node": r.origin.node,
                "raw": r.origin.raw,
            }


def test_payload_slots_are_pinned_by_the_log_version() -> None:
    """The slot table is on disk, declared (not derived from FIELDS) and the same for format
    versions 2 and 3; every field of the record model has a slot of its kind, so none is
    lost (a new field means a new slot in a new version, and reading the old table)."""
    from seaudit.log.frame import VERSION
    from seaudit.log.payload import NUMBERS, SLOTS, TEXTS
    from seaudit.schema.fields import FIELDS, INT_KEYS, INT_OR_STR

    assert VERSION == 3
    for f in FIELDS:
        assert f.key in (NUMBERS if f.key in INT_KEYS else TEXTS), f.key
        assert f.key not in INT_OR_STR or f.key in NUMBERS
    assert SLOTS == (
        "stage",
        "reason",
        "effective_uid",
        "real_uid",
        "line",
        "event",
        "timestamp",
        "status",
        "event_name",
        "class",
        "user",
        "session_id",
        "access",
        "stage_message",
        "resource",
        "object",
        "program",
        "terminal",
        "host",
        "service",
        "effective_user",
        "real_user",
        "real_uid",
        "audit_flags",
        "command",
        "command_type",
        "trace",
        "module",
        "message_id",
        "file",
        "platform",
        "source",
        "node",
        "raw",
        "warnings",
    )


@pytest.mark.parametrize("uid", [7, "7", "0007", "DOM\\bob", 10**30, ""])
def test_real_uid_keeps_its_kind(uid: int | str) -> None:
    from seaudit.log.payload import decode_record, encode_record

    record = AuditRecord(
        event="trace",
        timestamp="2026-02-06T14:43:30",
        status="P",
        real_uid=uid,
        stage=3,
        origin=Origin("s", 1, "r", "n"),
    )
    back = decode_record(encode_record(record))
    assert back == record and type(back.real_uid) is type(uid)
    assert encode_record(back) == encode_record(record)


def test_format_1_payloads_are_still_read() -> None:
    from seaudit.log.payload import decode_record

    old = (
        b'{"event":"login","timestamp":"2026-01-02T10:01:00","status":"P","user":"bob",'
        b'"stage":59,"source":"a.txt","line":3,"raw":"x \\udcff","warnings":["w"]}'
    )
    record = decode_record(old)
    assert record == AuditRecord(
        event="login", timestamp="2026-01-02T10:01:00", status="P", user="bob", stage=59
    )
    assert record.origin == Origin("a.txt", 3, "x \udcff", None)
    assert record.warnings == ("w",)


@pytest.mark.parametrize(
    "payload",
    [
        b"[]",
        b"{}",
        b"[1]",
        b'["x"]',
        b"[-1]",
        b'[224,"login","t"]',
        b'[224,"login","t","P","x"]',
        b'[224,"login",null,"P"]',
        b'[%d,"login","t","P"]' % (224 | 1 << 40),
        b'[true,"a","b","c"]',
        b'[224,"login","t",5]',
        b"[224,",
        b'"text"',
        b'[232,"x","login","t","P"]',
        b'[4194528,"login","t","P",5]',
        b'[%d,5,"login","t","P","6"]' % (8 | 224 | 1 << 22),
        b'[%d,"login","t","P",5]' % (1 << 34 | 224),
        b'[225,1.5,"login","t","P"]',
    ],
)
def test_a_payload_that_is_no_record_raises_value_error(payload: bytes) -> None:
    from seaudit.log.payload import decode_record

    with pytest.raises(ValueError):
        decode_record(payload)


_any_text = st.text(
    st.characters(codec="utf-8") | st.sampled_from('\udcff\udc80"\\\n\x00\u2028'), max_size=12
)


@st.composite
def any_records(draw: st.DrawFn) -> AuditRecord:
    """Every field may be set (right types; real_uid a number or a text), texts may hold
    escapes and undecodable bytes (lone surrogates)."""
    from seaudit.schema.fields import FIELDS, INT_KEYS, INT_OR_STR

    values: dict[str, object] = {}
    for f in FIELDS:
        if f.key in INT_OR_STR:
            kind = st.integers(0, 2**70) | _any_text
        elif f.key in INT_KEYS:
            kind = st.integers(-(2**70), 2**70)
        else:
            kind = _any_text
        if f.key in ("event", "timestamp", "status"):
            values[f.attr] = draw(kind)
        else:
            values[f.attr] = draw(st.none() | kind)
    origin = draw(
        st.none()
        | st.builds(
            Origin,
            source=_any_text,
            line=st.integers(0, 2**64),
            raw=st.none() | _any_text,
            node=st.none() | _any_text,
        )
    )
    return AuditRecord(
        **values,
        origin=origin,  # type: ignore[arg-type]
        warnings=tuple(draw(st.lists(_any_text, max_size=3))),
    )


@settings(max_examples=300, deadline=None)
@given(any_records())
def test_payloads_round_trip_exactly(record: AuditRecord) -> None:
    from seaudit.log.payload import decode_record, encode_record

    payload = encode_record(record)
    back = decode_record(payload)
    assert back == record
    assert (back.origin, back.warnings) == (record.origin, record.warnings)
    assert all(type(back.get(k)) is type(record.get(k)) for k in record.to_dict())
    assert encode_record(back) == payload
