"""``daemons``: START and SHUTDOWN records by service and node, and the periods with no audit
daemon: from a shutdown to the next start on the same node (still open when none came)."""

from __future__ import annotations

from seaudit.query.dialect import Dialect
from seaudit.report.model import TOP, Report, Section
from seaudit.report.sections import first


def _periods(dialect: Dialect) -> str:
    minutes = dialect.minutes_between.format(
        "TRY_CAST(timestamp AS TIMESTAMP)", "TRY_CAST(next_time AS TIMESTAMP)"
    )
    return (
        "WITH ordered AS (SELECT node, event, timestamp, lead(event) OVER w AS next_event, "
        "lead(timestamp) OVER w AS next_time FROM records "
        "WINDOW w AS (PARTITION BY node ORDER BY timestamp, seq)) "
        f"SELECT node, timestamp, coalesce(next_time, 'not restarted'), {minutes} AS minutes "
        "FROM ordered WHERE event = 'shutdown' AND (next_event IS NULL OR next_event = 'startup') "
        f"ORDER BY minutes DESC NULLS FIRST, 2 LIMIT {TOP}"
    )


REPORT = Report(
    name="daemons",
    title="Audit daemons",
    about="starts and shutdowns by service and node; periods with no audit daemon",
    scope="event = startup or event = shutdown",
    sections=(
        Section(
            "By service and node",
            ("service", "node", "starts", "shutdowns", "last"),
            "SELECT service, node, count(*) FILTER (WHERE event = 'startup'), "
            "count(*) FILTER (WHERE event = 'shutdown'), max(timestamp) FROM records "
            f"GROUP BY 1, 2 ORDER BY {first('1', '2')}",
        ),
        Section(
            "Periods with no audit daemon, longest first",
            ("node", "stopped", "restarted", "minutes"),
            _periods,
        ),
    ),
)
