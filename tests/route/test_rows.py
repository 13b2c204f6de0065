"""The collector's column-wise way (``rows``) is the per-record way: for any records and any
sender, the payloads it keeps are ``with_node``'s, its rows are ``to_table``'s of the decoded
records, its partitions are the tree's, and a payload that holds no record is refused with
``with_node``'s reason."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.log.payload import decode_record, encode_record, with_node
from seaudit.route.rows import partitions, stored_rows, table_of
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store.columns import node_of, to_table
from seaudit.store.tree import day_of, node_dir, partition

_text = st.text(st.characters(codec="utf-8"), max_size=20)  # lone surrogates too
_names = st.sampled_from(["ep1", "db-01", "web.example.com", "x y"])


@st.composite
def records(draw: st.DrawFn) -> AuditRecord:
    origin = draw(
        st.none()
        | st.builds(
            Origin,
            source=_text,
            line=st.integers(0, 2**63 - 1),  # what a stored int64 column holds
            raw=st.none() | _text,
            node=st.none() | _names,
        )
    )
    return AuditRecord(
        event=draw(st.sampled_from(["login", "trace", "resource_access"])),
        timestamp=draw(st.sampled_from(["2026-02-06T14:43:30", "Feb 6 14:43", "2025-12-31"])),
        status=draw(st.sampled_from("PDWFS")),
        user=draw(st.none() | _text),
        resource=draw(st.none() | _text),
        stage=draw(st.none() | st.integers(0, 2**40)),
        real_uid=draw(st.none() | st.integers(0, 70000) | _text),
        origin=origin,
        warnings=tuple(draw(st.lists(_text, max_size=2))),
    )


junk = st.sampled_from(
    [b"[]", b"[1]", b"[-1,2]", b'[7,"a","b"]', b"{}", b"[1e400]", b"not json", b'["x"]', b"[0]"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(records().map(encode_record) | junk, max_size=30), _names)
def test_the_column_wise_way_is_the_per_record_way(payloads: list[bytes], sender: str) -> None:
    got = stored_rows(payloads, sender)
    kept: list[bytes] = []
    bad: list[tuple[int, str]] = []
    for i, payload in enumerate(payloads):
        try:
            kept.append(with_node(payload, sender))
        except ValueError as exc:
            bad.append((i, str(exc)))
    assert got.payloads == kept
    assert got.bad == bad
    table = table_of([got])
    want = to_table([(i, decode_record(p)) for i, p in enumerate(kept)])
    assert table.equals(want), (table.to_pylist(), want.to_pylist())
    records = [decode_record(p) for p in kept]
    assert partitions(table).to_pylist() == [
        partition(day_of(r), node_dir(node_of(r))) for r in records
    ]


def test_a_batch_of_one_shape_is_filled_once_each() -> None:
    sender = "ep9"
    batch = [
        encode_record(AuditRecord(event="login", timestamp=f"2026-01-0{i}", status="P"))
        for i in range(1, 6)
    ]
    got = stored_rows(batch, sender)
    assert [decode_record(p).origin for p in got.payloads] == [Origin("", 0, None, sender)] * 5
    table = table_of([got])
    assert table.column("node").to_pylist() == [sender] * 5
    assert table.column("seq").to_pylist() == [0, 1, 2, 3, 4]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(records().map(encode_record) | junk, max_size=10), max_size=4))
def test_rows_of_several_messages_are_one_table(messages: list[list[bytes]]) -> None:
    parts = [stored_rows(m, "ep1") for m in messages]
    kept = [p for part in parts for p in part.payloads]
    want = to_table([(i, decode_record(p)) for i, p in enumerate(kept)])
    assert table_of(parts).equals(want)
