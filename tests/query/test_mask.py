"""Masks match in linear time and mean what SQL LIKE means (the store's other half)."""

from __future__ import annotations

import re
import time

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.query.expr import mask_to_like
from seaudit.query.mask import mask_matcher

VALUE = st.text(st.sampled_from(list("ab/.?*%_\\é\n")), max_size=12)
MASK = st.text(st.sampled_from(list("ab/.?*%_\\é")), max_size=8)


def reference(mask: str, value: str) -> bool:
    """The obvious (backtracking) reading, fine on tiny inputs."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in mask)
    return re.fullmatch(body, value, re.DOTALL) is not None


@settings(max_examples=800)
@given(MASK, VALUE)
def test_matcher_equals_the_regex_reading(mask: str, value: str) -> None:
    assert mask_matcher(mask)(value) is reference(mask, value)


DB = duckdb.connect()


@settings(max_examples=200)
@given(st.lists(st.tuples(MASK, VALUE), min_size=1, max_size=40))
def test_matcher_equals_duckdb_like(pairs: list[tuple[str, str]]) -> None:
    likes = [mask_to_like(mask) for mask, _ in pairs]
    values = [value for _, value in pairs]
    rows = DB.execute(
        "SELECT v LIKE p ESCAPE '\\' FROM (SELECT unnest(?::VARCHAR[]) AS v, "
        "unnest(?::VARCHAR[]) AS p)",
        [values, likes],
    ).fetchall()
    assert [r[0] for r in rows] == [mask_matcher(m)(v) for m, v in pairs], pairs


def test_examples() -> None:
    assert mask_matcher("/etc/*")("/etc/passwd")
    assert not mask_matcher("/etc/*")("/etc")
    assert mask_matcher("tty?")("tty3")
    assert not mask_matcher("tty?")("tty33")
    assert mask_matcher("*")("")
    assert mask_matcher("")("")
    assert not mask_matcher("")("x")
    assert mask_matcher("a*a")("aa")
    assert not mask_matcher("a*a")("a")
    assert mask_matcher("*?*?*")("ab")
    assert not mask_matcher("*?*?*")("a")


def test_hostile_values_and_many_stars_stay_bounded() -> None:
    """A regex joined by ``.*`` backtracks exponentially here (a 4,000-character path and
    ``*/*/*/*.conf`` ran > 30 s); the piecewise matcher does a few passes. The bound below is
    a hang guard hundreds of times above the expected time, not a speed measurement."""
    value = "/" * 100_000
    masks = ["*/*/*/*.conf", "*/" * 60 + "x", "*?" * 200 + "*.conf", "*a*b*c*d*e*f*g*h*"]
    start = time.process_time()
    for mask in masks:
        assert not mask_matcher(mask)(value)
    assert mask_matcher("*/" * 60 + "*")(value)
    assert time.process_time() - start < 20
