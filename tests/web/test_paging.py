"""Keyset pages are the fast twin of reading every matching record in log order: for any
store (files of several nodes overlapping in seq, a live tail), filter and bound, a window
is exactly the records next to the bound, and walking windows visits every record once."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.query import TRUE, Filter, parse_where
from seaudit.schema.record import AuditRecord
from seaudit.web.paging import by_seq, window
from tests.storefill import fill, on_node
from tests.strategies import records

WHERES = ["", "status = D", "node = db01", "event = login or user ~ 'a*'", "stage > 50"]


@settings(max_examples=20)
@given(
    st.lists(st.tuples(records(), st.sampled_from(["web01", "db01", None])), max_size=30),
    st.integers(0, 30),
    st.sampled_from(WHERES),
    st.integers(0, 35),
    st.integers(1, 7),
)
def test_windows_equal_the_log_order_reading(
    pairs: list[tuple[AuditRecord, str | None]], cut: int, where: str, bound: int, limit: int
) -> None:
    recs = [on_node(r, node, i) for i, (r, node) in enumerate(pairs)]
    flt = Filter(parse_where(where) if where else TRUE)
    with tempfile.TemporaryDirectory() as tmp:
        store = fill(Path(tmp), recs, parquet=min(cut, len(recs)))
        every = [s for s, _ in store.select(flt)]
        below = [s for s in every if s < bound][::-1]
        above = [s for s in every if s > bound]
        down = window(store, flt, bound, down=True, limit=limit)
        up = window(store, flt, bound, down=False, limit=limit)
        assert [s for s, _ in down.entries] == below[:limit]
        assert down.more == (len(below) > limit)
        assert [s for s, _ in up.entries] == above[:limit]
        assert up.more == (len(above) > limit)
        light = window(store, flt, bound, down=True, limit=limit, light=True)
        assert [(s, r.replace(session_id=None)) for s, r in light.entries] == [
            (s, r.replace(session_id=None)) for s, r in down.entries
        ]
        # walking down from the end, page by page, visits every record once
        seen: list[int] = []
        cursor = None
        while True:
            page = window(store, flt, cursor, down=True, limit=limit)
            seen += [s for s, _ in page.entries]
            if not page.more:
                break
            cursor = seen[-1]
        assert seen == every[::-1]
        for seq, record in store.select(Filter(TRUE)):
            found = by_seq(store, seq)
            assert found is not None and found[1] == record
        assert by_seq(store, len(recs) + 1) is None
