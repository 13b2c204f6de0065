"""``network``: inbound and outbound connections by host and service, the most denied
first."""

from __future__ import annotations

from seaudit.report.model import TOP, Report, Section
from seaudit.report.sections import first

REPORT = Report(
    name="network",
    title="Network connections",
    about="inbound and outbound by host and service, denied first",
    scope="event = inbound_network or event = outbound_network",
    sections=(
        Section(
            "By direction, host and service",
            ("direction", "host", "service", "denied", "records"),
            "SELECT replace(event, '_network', ''), host, service, "
            "count(*) FILTER (WHERE status = 'D') AS denied, count(*) AS n FROM records "
            f"GROUP BY 1, 2, 3 ORDER BY denied DESC, n DESC, {first('1', '2', '3')} LIMIT {TOP}",
            chart=True,
        ),
    ),
)
