"""What differs between the SQL engines a filter is compiled for, declared once.

Both engines get the same tree compiled the same way (``expr.to_sql``); only these differ:

- identifiers: DuckDB quotes with ``"``; in Spark ``"user"`` is a string literal (a filter
  would silently match nothing), so Spark quotes with backticks;
- ``LIKE``'s escape character: DuckDB has none unless ``ESCAPE '\\'`` is given; Spark's
  default is already ``\\`` and ``ESCAPE '\\'`` is a parse error there (``\\`` escapes the
  quote in a Spark string literal).

Everything else (``coalesce`` for NULLs, ``<>``, ``IS NOT NULL``, positional ``?``, bound
values: ``expr.bound``) is the same in both. The reports' SQL is written once too (Spark's
session takes ``"user"`` as an identifier: ``spark.session``); the two functions it needs
that the engines spell apart are the ISO weekday and whole minutes between two times
(DuckDB's ``date_diff`` counts minute boundaries crossed; Spark's ``timestampdiff`` would
count whole minutes elapsed).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    quote: str  # the identifier quote character
    like_escape: str  # what follows ``LIKE ?`` when the pattern holds an escaped character
    iso_weekday: str  # of the date ``{0}``: Monday 1 .. Sunday 7
    minutes_between: str  # minute boundaries from the time ``{0}`` to the time ``{1}``

    def column(self, name: str) -> str:
        q = self.quote
        return q + name.replace(q, q + q) + q


DUCKDB = Dialect(
    "duckdb",
    quote='"',
    like_escape=" ESCAPE '\\'",
    iso_weekday="isodow({0})",
    minutes_between="date_diff('minute', {0}, {1})",
)
SPARK = Dialect(
    "spark",
    quote="`",
    like_escape="",
    iso_weekday="extract(DAYOFWEEK_ISO FROM {0})",
    minutes_between="CAST(floor(unix_seconds({1}) / 60) - floor(unix_seconds({0}) / 60) AS BIGINT)",
)
