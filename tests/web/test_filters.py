"""A page's query string and the query CLI's options are one language: the same options
give the same filter, and a page's links carry it unchanged."""

from __future__ import annotations

import argparse
from datetime import datetime
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.query.spec import FLAG_FIELDS, add_filter_arguments, filter_from_args
from seaudit.web.filters import read_filter


def clock() -> datetime:
    return datetime(2024, 3, 6, 12, 0)


masks = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
    min_size=1,
    max_size=8,
).filter(lambda v: v.strip() != "" and not v.startswith("-"))
options = st.lists(
    st.one_of(
        st.tuples(st.sampled_from([*FLAG_FIELDS, *(f"not-{f}" for f in FLAG_FIELDS)]), masks),
        st.tuples(st.just("since"), st.sampled_from(["yesterday", "2024-03-01", "today"])),
        st.tuples(
            st.just("where"),
            st.sampled_from(["stage >= 100", "user ~ 'a*' or not node = x"]),
        ),
        st.tuples(st.just("a"), st.just("1")),
    ),
    max_size=6,
)


def cli_filter(pairs: list[tuple[str, str]]) -> object:
    parser = argparse.ArgumentParser()
    add_filter_arguments(parser)
    argv: list[str] = []
    for key, value in pairs:
        argv += ["-a"] if key == "a" else [f"--{key}={value}"]
    return filter_from_args(parser.parse_args(argv), clock)


@given(options)
def test_query_string_and_cli_options_give_one_filter(pairs: list[tuple[str, str]]) -> None:
    page = read_filter(pairs, clock)
    # since/until: the last one given wins in both
    assert page.filter == cli_filter(pairs)
    again = read_filter(parse_qsl(page.query(), keep_blank_values=True), clock)
    assert again.filter == page.filter


def test_other_parameters_are_not_the_filter() -> None:
    page = read_filter([("user", "bob"), ("order", "log"), ("before", "9"), ("status", " ")], clock)
    assert page.params == (("user", "bob"),)
    assert page.query(order="log", before=None) == "user=bob&order=log"


def test_a_bad_filter_says_what_is_wrong() -> None:
    with pytest.raises(UsageError, match="--where"):
        read_filter([("where", "user =")], clock)
