"""A file's Bloom filter holds every value it was made of (a wrong "no" would hide records),
says "no" to most others, and reads back from its manifest text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.store.bloom import BITS_PER_VALUE, MIN_BYTES, Bloom, _positions

values = st.lists(st.text(max_size=20), max_size=200)


@given(values=values)
def test_every_value_it_was_made_of_may_be_held(values: list[str]) -> None:
    bloom = Bloom.of(values)
    assert all(bloom.may_hold(v) for v in values)


@given(values=values)
def test_text_round_trip(values: list[str]) -> None:
    bloom = Bloom.of(values)
    assert Bloom.from_text(bloom.to_text()) == bloom


def test_most_other_values_are_ruled_out() -> None:
    bloom = Bloom.of(f"user{i}" for i in range(2000))
    false_maybe = sum(bloom.may_hold(f"other{i}") for i in range(10_000))
    assert false_maybe < 300  # about 1 % by design; 3 % allows for the draw


def test_an_empty_filter_rules_everything_out() -> None:
    assert not Bloom.of([]).may_hold("bob")
    assert not Bloom.of([]).may_hold("")


def test_a_value_without_a_utf8_form_is_never_ruled_out() -> None:
    # undecodable input bytes (lone surrogates) are stored as U+FFFD: not what is asked for
    assert Bloom.of([]).may_hold("bob\udcff")


@pytest.mark.parametrize("text", ["", "not base64!", "AAAA", "é"])
def test_bad_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Bloom.from_text(text)
    assert len(Bloom.of([]).bits) == MIN_BYTES


def _reference_bits(values: list[str]) -> bytes:
    """The filter as the format defines it: each value's ``_positions`` set one by one."""
    keys = [v.encode("utf-8") for v in values if _utf8(v)]
    size = max(MIN_BYTES, (len(values) * BITS_PER_VALUE + 7) // 8)
    bits = bytearray(size)
    for key in keys:
        for p in _positions(key, size * 8):
            bits[p >> 3] |= 1 << (p & 7)
    return bytes(bits)


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@given(st.lists(st.text(), max_size=300, unique=True))
def test_the_column_wise_filter_equals_the_one_made_value_by_value(values: list[str]) -> None:
    assert Bloom.of(values).bits == _reference_bits(values)


def test_a_large_filter_equals_the_one_made_value_by_value() -> None:
    values = [f"session-{i}" for i in range(20_000)] + ["\ud800 lone"]
    assert Bloom.of(values).bits == _reference_bits(values)
