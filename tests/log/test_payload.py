"""``with_node``, the collector's fast way to give a routed record its sender's node, is
held to the slow way (decode, set the node, encode): the same record, origin and warnings
come back (the fast way leaves an absent source and line absent rather than writing
``""`` and ``0``, which read back the same)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.log.payload import decode_record, encode_record, with_node
from seaudit.schema.record import AuditRecord, Origin
from tests.strategies import records

origins = st.none() | st.builds(
    Origin,
    st.text(max_size=20),
    st.integers(0, 2**40),
    st.none() | st.text(max_size=30),
    st.none() | st.sampled_from(["web01", "db-2", "\udcff"]),
)


def slow(payload: bytes, node: str) -> bytes:
    record = decode_record(payload)
    origin = record.origin
    if origin is not None and origin.node is not None:
        return payload
    filled = dataclasses.replace(origin, node=node) if origin else Origin("", 0, None, node)
    return encode_record(dataclasses.replace(record, origin=filled))


@settings(max_examples=300, deadline=None)
@given(
    records(), origins, st.lists(st.text(max_size=10), max_size=2), st.sampled_from(["n1", "ép"])
)
def test_with_node_is_the_slow_path(
    record: AuditRecord, origin: Origin | None, warnings: list[str], node: str
) -> None:
    payload = encode_record(dataclasses.replace(record, origin=origin, warnings=tuple(warnings)))
    fast, reference = decode_record(with_node(payload, node)), decode_record(slow(payload, node))
    assert fast == reference
    assert (fast.origin, fast.warnings) == (reference.origin, reference.warnings)
    got = fast.origin
    assert got is not None and got.node == (origin.node if origin and origin.node else node)


@pytest.mark.parametrize("payload", [b"[]", b"[1]", b'{"x":1}', b'[3,"a"]', b"nonsense"])
def test_not_a_record_is_a_value_error(payload: bytes) -> None:
    with pytest.raises(ValueError):
        with_node(payload, "n")
