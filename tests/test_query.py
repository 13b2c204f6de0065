"""The filter language: one expression, SQL and Python agree (property test over DuckDB)."""

from __future__ import annotations

import argparse
from datetime import datetime

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.query import And, Cmp, Expr, Not, Or, parse_where, to_predicate, to_sql
from seaudit.query.expr import mask_to_like
from seaudit.query.spec import add_filter_arguments, filter_from_args
from seaudit.query.timespec import iso, parse_time
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store.columns import to_table

#: hostile characters: LIKE wildcards, the escape, quotes of both engines, a newline, NUL,
#: a character beyond the BMP (one code point that UTF-16 holds in two units)
ALPHABET = st.sampled_from(list("ab%_\\*?'\"` \n\x00é\u20ac\U0001f600"))
TEXT = st.text(ALPHABET, max_size=4)
MASK = st.text(st.sampled_from(list("ab%_\\*?'` \né\U0001f600")), max_size=4)
STR_FIELDS = ("user", "terminal", "resource", "status", "event", "real_uid", "node", "source")
INT_FIELDS = ("stage", "reason", "line")


@st.composite
def records(draw: st.DrawFn) -> AuditRecord:
    maybe = lambda s: draw(st.none() | s)  # noqa: E731
    origin = None
    if draw(st.booleans()):
        origin = Origin(draw(TEXT), draw(st.integers(0, 5)), draw(TEXT), maybe(TEXT))
    return AuditRecord(
        event=draw(st.sampled_from(["login", "trace", "resource_access"])),
        timestamp=draw(
            st.sampled_from(["2024-01-01T00:00:00", "2024-01-02T10:00:00", "2023-12-31T23:59:59"])
        ),
        status=draw(st.sampled_from("PDW")),
        user=maybe(TEXT),
        terminal=maybe(TEXT),
        resource=maybe(TEXT),
        stage=maybe(st.integers(-3, 3)),
        reason=maybe(st.integers(0, 3)),
        real_uid=maybe(st.integers(0, 20) | TEXT),
        origin=origin,
    )


def comparisons() -> st.SearchStrategy[Expr]:
    strs = st.builds(
        Cmp,
        st.sampled_from(STR_FIELDS),
        st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "~", "!~"]),
        MASK,
    )
    ints = st.builds(
        Cmp,
        st.sampled_from(INT_FIELDS),
        st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
        st.integers(-3, 6) | st.sampled_from([-(1 << 63), (1 << 63) - 1]),
    )
    return strs | ints


exprs = st.recursive(
    comparisons(),
    lambda inner: (
        st.builds(lambda xs: And(tuple(xs)), st.lists(inner, max_size=3))
        | st.builds(lambda xs: Or(tuple(xs)), st.lists(inner, max_size=3))
        | st.builds(Not, inner)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rs=st.lists(records(), max_size=12), expr=exprs)
def test_sql_and_predicate_select_the_same_records(
    con: duckdb.DuckDBPyConnection, rs: list[AuditRecord], expr: Expr
) -> None:
    table = to_table(list(enumerate(rs, 1)))
    con.register("t", table)
    sql, params = to_sql(expr)
    got = {row[0] for row in con.execute(f"SELECT seq FROM t WHERE {sql}", params).fetchall()}
    pred = to_predicate(expr)
    want = {seq for seq, r in enumerate(rs, 1) if pred(r)}
    assert got == want
    assert "'" not in sql.replace("'\\'", "")  # values travel as parameters only


@pytest.mark.parametrize(
    ("mask", "sql", "params"),
    [
        ("bob", '"user" = ?', ["bob"]),
        ("b*", '"user" LIKE ?', ["b%"]),
        ("a_?*", "\"user\" LIKE ? ESCAPE '\\'", ["a\\__%"]),
        ("*", '"user" IS NOT NULL', []),
        ("**", '"user" IS NOT NULL', []),
    ],
)
def test_masks_take_the_cheapest_sql_that_means_the_same(
    mask: str, sql: str, params: list[str]
) -> None:
    assert to_sql(Cmp("user", "~", mask)) == (sql, params)


def test_mask_escapes_like_wildcards() -> None:
    assert mask_to_like("a%b_c\\d*e?") == "a\\%b\\_c\\\\d%e_"


def test_where_grammar() -> None:
    e = parse_where("(user ~ 'b*' OR not status = D) and stage >= 3 and resource !~ \"x y\"")
    assert e == And(
        (
            Or((Cmp("user", "~", "b*"), Not(Cmp("status", "=", "D")))),
            Cmp("stage", ">=", 3),
            Cmp("resource", "!~", "x y"),
        )
    )
    assert parse_where("user = 'it\\'s'") == Cmp("user", "=", "it's")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "user",
        "user =",
        "nosuch = 1",
        "stage = x",
        "(user = a",
        "user = a b",
        "stage ~ 1",
        "user = a and",
        "__import__('os')",
    ],
)
def test_where_rejects_bad_expressions(text: str) -> None:
    with pytest.raises(UsageError):
        parse_where(text)


NOW = datetime(2024, 5, 15, 13, 45, 30)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("now", "2024-05-15T13:45:30"),
        ("recent", "2024-05-15T13:35:30"),
        ("today", "2024-05-15T00:00:00"),
        ("yesterday", "2024-05-14T00:00:00"),
        ("this-week", "2024-05-13T00:00:00"),
        ("week-ago", "2024-05-08T00:00:00"),
        ("this-month", "2024-05-01T00:00:00"),
        ("this-year", "2024-01-01T00:00:00"),
        ("2024-02-03", "2024-02-03T00:00:00"),
        ("2024-02-03T04:05", "2024-02-03T04:05:00"),
        ("2024-02-03 04:05:06", "2024-02-03T04:05:06"),
        ("07 Nov 2008", "2008-11-07T00:00:00"),
        ("07 Nov 2008 14:30", "2008-11-07T14:30:00"),
        ("7 nov 2008 14:30:01", "2008-11-07T14:30:01"),
    ],
)
def test_times(text: str, want: str) -> None:
    assert iso(parse_time(text, lambda: NOW)) == want


@pytest.mark.parametrize("text", ["tomorrow", "2024-13-01", "31 Foo 2008", "2024-02-30"])
def test_bad_times(text: str) -> None:
    with pytest.raises(UsageError):
        parse_time(text, lambda: NOW)


def _filter(*argv: str) -> Expr:
    parser = argparse.ArgumentParser()
    add_filter_arguments(parser)
    return filter_from_args(parser.parse_args(argv), lambda: NOW).expr


def _pick(expr: Expr, rs: list[AuditRecord]) -> list[AuditRecord]:
    pred = to_predicate(expr)
    return [r for r in rs if pred(r)]


SAMPLE = [
    AuditRecord(
        event="login", timestamp="2024-05-15T09:00:00", status="D", user="bob", terminal="tty1"
    ),
    AuditRecord(
        event="login", timestamp="2024-05-14T09:00:00", status="P", user="alice", terminal="tty2"
    ),
    AuditRecord(event="trace", timestamp="2024-05-15T09:00:01", status="P", user="bob"),
    AuditRecord(
        event="outbound_network",
        timestamp="2024-05-15T10:00:00",
        status="D",
        user="root",
        host="db01",
        service="telnet",
    ),
    AuditRecord(
        event="resource_access",
        timestamp="2024-05-15T11:00:00",
        status="D",
        user="bob",
        class_="FILE",
        resource="/etc/shadow",
    ),
]


def test_flags_repeat_or_and_negate() -> None:
    assert _pick(_filter("--user", "bob", "--user", "alice", "--status", "D"), SAMPLE) == [
        SAMPLE[0],
        SAMPLE[4],
    ]
    assert _pick(_filter("--not-user", "bob", "--not-user", "root"), SAMPLE) == [SAMPLE[1]]
    assert _pick(_filter("--since", "today", "--until", "2024-05-15T10:00"), SAMPLE) == [
        SAMPLE[0],
        SAMPLE[2],
    ]


def test_classic_switches() -> None:
    assert _pick(_filter("-a"), SAMPLE) == [SAMPLE[0], SAMPLE[1], SAMPLE[3], SAMPLE[4]]
    assert _pick(_filter("-l", "bob,al*", "tty?"), SAMPLE) == [SAMPLE[0], SAMPLE[1]]
    assert _pick(_filter("-i", "db*", "tel*"), SAMPLE) == [SAMPLE[3]]
    assert _pick(_filter("-r", "FILE", "/etc/*", "bob"), SAMPLE) == [SAMPLE[4]]
    assert _pick(_filter("-r", "FILE", "/etc/*", "alice"), SAMPLE) == []
