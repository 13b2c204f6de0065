"""Date and time as seaudit prints them (``DD MMM YYYY HH:MM:SS``), without ``strptime``
(which costs more than the whole rest of a line's parse)."""

from __future__ import annotations

import re

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER = {name: i for i, name in enumerate(MONTHS, 1)}
_MONTH_NUMBER.update({name.upper(): i for name, i in list(_MONTH_NUMBER.items())})
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS[month - 1]


def to_timestamp(day: str, month: str, year: str, clock: str) -> str | None:
    """``("03", "Nov", "2008", "10:38:47")`` -> ``"2008-11-03T10:38:47"``; None if not real
    (year 0000 is not a year: dates run from 0001 to 9999)."""
    number = _MONTH_NUMBER.get(month)
    if (
        number is None
        or not (1 <= len(day) <= 2 and day.isascii() and day.isdigit())
        or not (len(year) == 4 and year.isascii() and year.isdigit())
        or len(clock) != 8
        or clock[2] != ":"
        or clock[5] != ":"
    ):
        return None
    hh, mm, ss = clock[0:2], clock[3:5], clock[6:8]
    if not (hh + mm + ss).isascii() or not (hh + mm + ss).isdigit():
        return None
    d, y = int(day), int(year)
    if (
        y < 1
        or not (1 <= d <= days_in_month(y, number))
        or int(hh) > 23
        or int(mm) > 59
        or int(ss) > 59
    ):
        return None
    return f"{year}-{number:02d}-{d:02d}T{clock}"


#: the timestamps ``split_timestamp`` takes apart (a space may stand for the T); the store's
#: SQL renderer (``store/lines.py``) tests the same pattern
STAMP_PATTERN = "[0-9]{4}-(0[1-9]|1[0-2])-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}"
_STAMP = re.compile(STAMP_PATTERN)


def split_timestamp(timestamp: str) -> tuple[str, str]:
    """``"2008-11-03T10:38:47"`` -> ``("03 Nov 2008", "10:38:47")``. A timestamp of another
    shape (possible in a record written through the API) is not guessed at: it comes back
    whole, with no time, and is shown as it is."""
    if _STAMP.match(timestamp) is None:
        return timestamp, ""
    return (
        f"{timestamp[8:10]} {MONTHS[int(timestamp[5:7]) - 1]} {timestamp[0:4]}",
        timestamp[11:19],
    )
