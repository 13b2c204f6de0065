"""``to_text`` writes a filter back in the ``--where`` language: ``parse_where`` reads it
back to the same expression, for any values (quotes, backslashes, keywords, masks)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from seaudit.query import TRUE, parse_where
from seaudit.query.expr import FIELD_TYPES, OPS, And, Cmp, Expr, Not, Or
from seaudit.query.text import to_text

TEXT_FIELDS = sorted(k for k, t in FIELD_TYPES.items() if t is str)
INT_FIELDS = sorted(k for k, t in FIELD_TYPES.items() if t is int)
CMP_INT = [op for op in OPS if op not in ("~", "!~")]

comparisons = st.one_of(
    st.builds(Cmp, st.sampled_from(TEXT_FIELDS), st.sampled_from(OPS), st.text(max_size=12)),
    st.builds(
        Cmp, st.sampled_from(INT_FIELDS), st.sampled_from(CMP_INT), st.integers(-(2**40), 2**40)
    ),
)


exprs = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=6,
)


@given(exprs)
def test_parse_reads_back_what_to_text_writes(expr: Expr) -> None:
    assert parse_where(to_text(expr)) == expr


def test_examples() -> None:
    assert to_text(TRUE) == ""
    expr = parse_where("user ~ 'it''s' or not (stage >= 100 and node = x)".replace("''", "\\'"))
    assert to_text(expr) == "user ~ 'it\\'s' or not (stage >= 100 and node = 'x')"
