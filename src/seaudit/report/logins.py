"""``logins``: successes and failures by user, terminal and program; failure bursts (at least
``BURST`` failures of one user, or from one terminal, within ``WINDOW_MINUTES``); the
user/terminal pairs seen logging in, newest first seen first."""

from __future__ import annotations

from seaudit.report.model import TOP, Report, Section
from seaudit.report.sections import TIME, first, iso_text, outcome_by, quoted
from seaudit.schema.events import LOGIN_EVENTS

BURST = 5
WINDOW_MINUTES = 10
#: a login that got in, and an attempt that did not (denied, or a wrong password)
SUCCESS = "event = 'login' AND status = 'P'"
FAILURE = "status IN ('D', 'A')"


def _bursts(column: str) -> Section:
    """A failure ends a burst when the failure ``BURST - 1`` before it (same user or
    terminal) lies within the window: exact, and one ``lag`` instead of a count per window.
    (A failure whose time is not a date sorts last and ends no burst; the time is never
    tested in a WHERE, which DuckDB would push into the scan of every record.)"""
    who = quoted(column)
    sql = (
        f"WITH failures AS (SELECT {who} AS who, {TIME} AS t FROM records "
        f"WHERE {FAILURE} AND {who} IS NOT NULL), "
        f"ends AS (SELECT who, t, t - lag(t, {BURST - 1}) "
        f"OVER (PARTITION BY who ORDER BY {first('t')}) "
        f"<= INTERVAL {WINDOW_MINUTES} MINUTE AS burst FROM failures) "
        "SELECT who, count(*) FILTER (WHERE burst), "
        f"{iso_text('min(t) FILTER (WHERE burst)')}, count(*) FROM ends "
        f"GROUP BY who HAVING bool_or(burst) ORDER BY 2 DESC, 1 LIMIT {TOP}"
    )
    return Section(
        f"Failure bursts by {column} (>= {BURST} within {WINDOW_MINUTES} min)",
        (column, "failures ending a burst", "first burst ends", "failures"),
        sql,
    )


REPORT = Report(
    name="logins",
    title="Logins",
    about="successes and failures by user, terminal, program; failure bursts; first-seen pairs",
    scope=" or ".join(f"event = {e}" for e in LOGIN_EVENTS),
    sections=(
        outcome_by("By user", "user", good=SUCCESS, bad=FAILURE),
        outcome_by("By terminal", "terminal", good=SUCCESS, bad=FAILURE),
        outcome_by("By program", "program", good=SUCCESS, bad=FAILURE),
        _bursts("user"),
        _bursts("terminal"),
        Section(
            "User and terminal pairs, newest first seen first",
            ("user", "terminal", "first seen", "logins"),
            f'SELECT "user", terminal, min(timestamp), count(*) FROM records '
            f"WHERE {SUCCESS} GROUP BY 1, 2 ORDER BY 3 DESC, {first('1', '2')} LIMIT {TOP}",
        ),
    ),
)
