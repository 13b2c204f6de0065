"""``admin``: security database administration by administrator, command type and object
class; the failed and denied admin commands, newest first."""

from __future__ import annotations

from seaudit.report.model import TOP, Report, Section
from seaudit.report.sections import count_by

REPORT = Report(
    name="admin",
    title="Database administration",
    about="admin commands by administrator, command type, class; failed and denied commands",
    scope="event = db_admin",
    sections=(
        count_by("By administrator", "user", headers=("administrator",)),
        count_by("By command type", "command_type"),
        count_by("By object class", "class"),
        Section(
            "Failed and denied commands, newest first",
            ("time", "status", "administrator", "command", "stage"),
            'SELECT timestamp, status, "user", command, stage FROM records '
            f"WHERE status IN ('F', 'D') ORDER BY seq DESC LIMIT {TOP}",
            describe=(4, "stage"),
        ),
    ),
)
