"""``--since``/``--until`` values: absolute times and ausearch-like keywords.

Records carry the endpoint's local time without a zone (``YYYY-MM-DDTHH:MM:SS``), so times
are naive and compared as those strings. Keywords are relative to a clock that callers
inject (the CLI uses the local time, or ``SEAUDIT_NOW`` for reproducible runs):

=========== ==============================================
now         the clock
recent      10 minutes before now
today       midnight starting today
yesterday   midnight starting yesterday
this-week   midnight starting this week's Monday
week-ago    midnight starting the day 7 days ago
this-month  midnight of the first of this month
this-year   midnight of 1 January of this year
=========== ==============================================

Absolute: ``YYYY-MM-DD[THH:MM[:SS]]`` (a space may replace the ``T``) and seaudit's own
``DD Mon YYYY[ HH:MM[:SS]]`` (``07 Nov 2008 14:30``). Missing parts are zero.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from seaudit.query.expr import usage

Clock = Callable[[], datetime]

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_SEAUDIT = re.compile(r"(\d{1,2}) ([A-Za-z]{3}) (\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?")
KEYWORDS = (
    "now",
    "recent",
    "today",
    "yesterday",
    "this-week",
    "week-ago",
    "this-month",
    "this-year",
)


def parse_time(text: str, clock: Clock) -> datetime:
    word = text.strip().lower()
    if word in KEYWORDS:
        return _keyword(word, clock())
    m = _ISO.fullmatch(text.strip())
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _SEAUDIT.fullmatch(text.strip())
        if not m or m[2].lower() not in _MONTHS:
            raise usage(
                f"cannot read the time {text!r}",
                "use YYYY-MM-DD[THH:MM[:SS]], 'DD Mon YYYY[ HH:MM[:SS]]' or one of "
                + ", ".join(KEYWORDS),
            )
        y, mo, d = int(m[3]), _MONTHS.index(m[2].lower()) + 1, int(m[1])
    try:
        return datetime(y, mo, d, int(m[4] or 0), int(m[5] or 0), int(m[6] or 0))
    except ValueError as exc:
        raise usage(f"cannot read the time {text!r}: {exc}") from None


def _keyword(word: str, now: datetime) -> datetime:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "now":
        return now.replace(microsecond=0)
    if word == "recent":
        return (now - timedelta(minutes=10)).replace(microsecond=0)
    if word == "today":
        return midnight
    if word == "yesterday":
        return midnight - timedelta(days=1)
    if word == "this-week":
        return midnight - timedelta(days=midnight.weekday())
    if word == "week-ago":
        return midnight - timedelta(days=7)
    if word == "this-month":
        return midnight.replace(day=1)
    return midnight.replace(month=1, day=1)


def iso(moment: datetime) -> str:
    """The record timestamp form, comparable as a string (years below 1000 zero-padded, which
    ``strftime('%Y')`` does not do on every C library)."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
