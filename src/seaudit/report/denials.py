"""``denials``: who and what is denied most (users, resources, programs, classes), the stage
codes with their messages, and denials outside working hours (before ``DAY_STARTS``, from
``DAY_ENDS``, or at the weekend, in the records' own local time)."""

from __future__ import annotations

from seaudit.query.dialect import Dialect
from seaudit.report.model import Report
from seaudit.report.sections import count_by

DAY_STARTS = 8
DAY_ENDS = 18


def after_hours(dialect: Dialect) -> str:
    """Outside working hours; the hour read from the text (``YYYY-MM-DDTHH``: no parsing per
    record), the weekday from the date."""
    weekday = dialect.iso_weekday.format("TRY_CAST(left(timestamp, 10) AS DATE)")
    return (
        f"(substr(timestamp, 12, 2) < '{DAY_STARTS:02d}' OR substr(timestamp, 12, 2) >= "
        f"'{DAY_ENDS:02d}' OR {weekday} >= 6)"
    )


REPORT = Report(
    name="denials",
    title="Denials",
    about="top denied users, resources, programs, classes; stage codes; after-hours denials",
    scope="status = D",
    sections=(
        count_by("Top users", "user"),
        count_by("Top resources", "class", "resource"),
        count_by("Top programs", "program"),
        count_by("Top classes", "class"),
        count_by("Stage codes", "stage", describe=(0, "stage"), chart=False),
        count_by(
            f"After hours (before {DAY_STARTS}:00, from {DAY_ENDS}:00, weekends) by user",
            "user",
            where=after_hours,
        ),
    ),
)
