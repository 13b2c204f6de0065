"""``warnings``: Warning-mode records (permitted, but a rule was violated: status W) by
resource and user: what switching those resources to enforcing would break."""

from __future__ import annotations

from seaudit.report.model import TOP, Report, Section
from seaudit.report.sections import count_by, first

REPORT = Report(
    name="warnings",
    title="Warning mode: what enforcing would break",
    about="Warning-mode records by resource and user",
    scope="status = W",
    sections=(
        count_by("By resource", "class", "resource"),
        count_by("By user", "user"),
        Section(
            "Would be denied: resource, user and access",
            ("class", "resource", "user", "access", "records", "last seen"),
            'SELECT class, resource, "user", access, count(*) AS n, max(timestamp) '
            f"FROM records GROUP BY 1, 2, 3, 4 ORDER BY n DESC, {first('1', '2', '3', '4')} "
            f"LIMIT {TOP}",
        ),
    ),
)
