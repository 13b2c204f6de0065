from __future__ import annotations

import hashlib
import hmac

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
