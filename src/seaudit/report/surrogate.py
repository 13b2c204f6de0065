"""``surrogate``: SURROGATE use, who became whom (the resource names the target, e.g.
``USER.root``), how often, and the denied attempts."""

from __future__ import annotations

from seaudit.report.model import TOP, Report, Section
from seaudit.report.sections import first

REPORT = Report(
    name="surrogate",
    title="Surrogate use",
    about="who became whom, how often, denied attempts",
    scope="class = SURROGATE",
    sections=(
        Section(
            "Who became whom",
            ("user", "became", "permitted", "denied", "records"),
            "SELECT \"user\", resource, count(*) FILTER (WHERE status <> 'D'), "
            "count(*) FILTER (WHERE status = 'D') AS denied, count(*) AS n FROM records "
            f"GROUP BY 1, 2 ORDER BY n DESC, denied DESC, {first('1', '2')} LIMIT {TOP}",
            chart=True,
        ),
        Section(
            "Denied attempts, newest first",
            ("time", "user", "became", "program", "terminal"),
            'SELECT timestamp, "user", resource, program, terminal FROM records '
            f"WHERE status = 'D' ORDER BY seq DESC LIMIT {TOP}",
        ),
    ),
)
