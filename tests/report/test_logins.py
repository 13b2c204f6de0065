"""Failure bursts: the SQL (one ``lag`` per failure) against a direct reading of the rule,
"at least BURST failures of one user within WINDOW_MINUTES", on random failure times."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.query import TRUE, Filter
from seaudit.report import run_report
from seaudit.report.logins import BURST, WINDOW_MINUTES
from seaudit.schema.record import AuditRecord
from tests.storefill import fill

START = datetime(2024, 3, 4, 9, 0)


def reference(times: list[datetime]) -> tuple[int, datetime | None]:
    """How many failures end a burst, and the first that does."""
    times = sorted(times)
    ends = [
        t
        for i, t in enumerate(times)
        if i >= BURST - 1 and t - times[i - BURST + 1] <= timedelta(minutes=WINDOW_MINUTES)
    ]
    return len(ends), (ends[0] if ends else None)


@settings(max_examples=30)
@given(st.lists(st.tuples(st.sampled_from(["ann", "ben"]), st.integers(0, 90)), max_size=30))
def test_bursts_follow_the_rule(failures: list[tuple[str, int]]) -> None:
    recs = [
        AuditRecord(
            event="password_attempt",
            timestamp=(START + timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M:%S"),
            status="A",
            user=user,
            terminal="tty1",
        )
        for user, m in failures
    ]
    with tempfile.TemporaryDirectory() as tmp:
        result = run_report(fill(Path(tmp), recs, parquet=len(recs) // 2), "logins", Filter(TRUE))
    table = next(t for t in result.tables if t.title.startswith("Failure bursts by user"))
    got = {row[0]: (row[1], row[2]) for row in table.rows}
    for user in ("ann", "ben"):
        count, first = reference([START + timedelta(minutes=m) for u, m in failures if u == user])
        if count:
            assert got[user] == (count, first.strftime("%Y-%m-%dT%H:%M:%S"))  # type: ignore[union-attr]
        else:
            assert user not in got
