from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from seaudit.log.chain import Chain


def test_unkeyed_chain_is_sha256_of_prev_seq_payload() -> None:
    prev = bytes(32)
    expected = hashlib.sha256(prev + (3).to_bytes(8, "little") + b"{}").digest()
    assert Chain().link(prev, 3, b"{}") == expected


def test_keyed_chain_is_hmac_sha256_and_depends_on_the_key() -> None:
    prev = b"\x01" * 32
    key = b"k" * 32
    expected = hmac.new(key, prev + (3).to_bytes(8, "little") + b"{}", "sha256").digest()
    assert Chain(key).link(prev, 3, b"{}") == expected
    assert Chain(b"j" * 32).link(prev, 3, b"{}") != expected
    assert Chain(key).keyed and not Chain().keyed


def test_every_input_matters() -> None:
    c = Chain()
    base = c.link(bytes(32), 1, b"a")
    assert (
        len(
            {
                base,
                c.link(b"\x01" + bytes(31), 1, b"a"),
                c.link(bytes(32), 2, b"a"),
                c.link(bytes(32), 1, b"b"),
            }
        )
        == 4
    )
    assert c.anchor(bytes(32), b"h") != c.anchor(b"\x02" * 32, b"h")


@given(
    st.lists(
        st.tuples(st.binary(min_size=32, max_size=32), st.integers(0, 2**64 - 1), st.binary()),
        max_size=20,
    ),
    st.sampled_from([None, b"k" * 32]),
)
def test_links_is_link_of_each(steps: list[tuple[bytes, int, bytes]], key: bytes | None) -> None:
    chain = Chain(key)
    prevs, seqs, payloads = (list(c) for c in zip(*steps, strict=True)) if steps else ([], [], [])
    assert chain.links(prevs, seqs, payloads) == [chain.link(*step) for step in steps]


@given(
    st.binary(min_size=32, max_size=32),
    st.integers(1, 2**40),
    st.lists(st.binary(), max_size=20),
    st.sampled_from([None, b"k" * 32]),
)
def test_run_chains_each_link_from_the_one_before(
    start: bytes, first: int, payloads: list[bytes], key: bytes | None
) -> None:
    chain = Chain(key)
    want, prev = [], start
    for seq, payload in enumerate(payloads, first):
        prev = chain.link(prev, seq, payload)
        want.append(prev)
    assert chain.run(start, first, payloads) == want
