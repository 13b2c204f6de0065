"""A bulk batch's stored forms made column-wise equal the per-record ones: payload bytes
(and they decode back to the records), import keys, Parquet rows and partitions."""

from __future__ import annotations

import io

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.log.payload import decode_record, encode_record
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store.columns import dedup_key, to_table
from seaudit.store.frames import dedup_keys, frame_records, payloads, stored_rows, with_node
from seaudit.store.tree import day_of, node_dir, partition
from seaudit.text.bulk import parse_batches
from seaudit.text.short import render_short
from tests.strategies import lines

#: values that need JSON escapes, or that the line-reader JSON escapes and the log does not
ODD = st.sampled_from(
    [
        'say "hi"',
        "back\\slash",
        "tab\there",
        "bell\x07",
        "ls\u2028x",
        "nel\u0085",
        "ps\u2029",
        "\\u2028 as text",
        "caf\u00e9",
        "emoji \U0001f600",
    ]
)


def _odd_line(user: str, program: str) -> str:
    """A short line whose values hold characters the JSON encoders treat specially."""
    record = AuditRecord(
        event="login",
        timestamp="2024-05-15T09:00:00",
        status="D",
        event_name="LOGIN",
        user=user.replace(" ", "_"),
        stage=59,
        reason=2,
        terminal="tty1",
        program=program.replace(" ", "_"),
        audit_flags="",
    )
    return render_short(record)


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["line", "line", "odd", "junk", "blank"]))
        if kind == "line":
            parts.append(draw(lines(detailed=None)).text)
        elif kind == "odd":
            parts.append(_odd_line(draw(ODD), draw(ODD)))
        elif kind == "junk":
            parts.append(
                draw(
                    st.sampled_from(
                        ["not a record", "Status: Denied", "x y z", "15 May 2024 09:00:00 Q junk"]
                    )
                )
            )
        else:
            parts.append(draw(st.sampled_from(["", "  ", "\t"])))
    return "\n".join(parts) + "\n"


@settings(max_examples=40, deadline=None)
@given(texts(), st.sampled_from([None, "web01", 'db "01"']))
def test_columns_equal_the_per_record_forms(text: str, node: str | None) -> None:
    source = "in.txt"
    for batch in parse_batches(io.BytesIO(text.encode()), source=source, batch_bytes=256):
        frame = batch.frame
        records = frame_records(frame, source, node)
        made = payloads(frame, source, node)
        assert made == [encode_record(r) for r in records]
        for payload, record in zip(made, records, strict=True):
            back = decode_record(payload)
            assert back == record
            assert back.origin == record.origin
            assert back.warnings == record.warnings
        keys = dedup_keys(frame, node)
        assert keys.dtype == pl.Int64
        assert keys.to_list() == [
            dedup_key(node, r.origin.line, r.origin.raw) if r.origin else None for r in records
        ]
        seqs = pl.Series(range(7, 7 + frame.height), dtype=pl.Int64)
        table, parts = stored_rows(frame, seqs, source, node, keys)
        expected = to_table(list(zip(range(7, 7 + frame.height), records, strict=True)))
        assert table.equals(expected)
        assert parts.to_pylist() == [partition(day_of(r), node_dir(node)) for r in records]


def test_real_uid_digits_and_names_as_the_records_have_them() -> None:
    base = AuditRecord(event="login", timestamp="2024-05-15T09:00:00", status="D", user="bob")
    records = [
        base.replace(real_uid=7, origin=Origin("in.txt", 1, "a")),
        base.replace(real_uid="DOM\\bob", origin=Origin("in.txt", 2, "b")),
        base.replace(origin=Origin("in.txt", 3, "c"), warnings=('w "1"', "w2")),
    ]
    frame = pl.DataFrame(
        {
            "line": [1, 2, 3],
            "raw": ["a", "b", "c"],
            "warnings": [[], [], ['w "1"', "w2"]],
            **{
                k: [v for v in (r.to_dict().get(k) for r in records)]
                for k in ("event", "timestamp", "status", "user")
            },
        }
    )
    from seaudit.text.columns import SCHEMA

    full = pl.DataFrame(
        {k: frame[k] if k in frame.columns else [None] * 3 for k in SCHEMA},
        schema={**SCHEMA, "real_uid": pl.Utf8},
    ).with_columns(pl.Series("real_uid", ["0007", "DOM\\bob", None], pl.Utf8))
    expected = [with_node(r, "n1") for r in frame_records(full, "in.txt", None)]
    assert [r.real_uid for r in expected] == [7, "DOM\\bob", None]
    assert payloads(full, "in.txt", "n1") == [encode_record(r) for r in expected]
    table, _ = stored_rows(full, pl.Series([1, 2, 3]), "in.txt", "n1", dedup_keys(full, "n1"))
    assert table.equals(to_table(list(zip([1, 2, 3], expected, strict=True))))


def test_keys_of_rows_without_text_are_null() -> None:
    frame = pl.DataFrame({"line": [1, 2, 3], "raw": ["a", None, "c\u00e9"]})
    keys = dedup_keys(frame, "n1")
    assert keys.to_list() == [dedup_key("n1", 1, "a"), None, dedup_key("n1", 3, "c\u00e9")]
    assert dedup_keys(frame.head(0), None).to_list() == []
