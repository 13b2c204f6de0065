"""Builders for the sections most reports share (counts by some columns, outcomes by one
column), so each report declares what it counts, not how."""

from __future__ import annotations

from collections.abc import Callable

from seaudit.query.dialect import Dialect
from seaudit.report.model import TOP, Section

#: the timestamp as a TIMESTAMP (NULL when the record's time is not a date)
TIME = "TRY_CAST(timestamp AS TIMESTAMP)"


def first(*keys: str) -> str:
    """Ascending sort keys with NULLs last, written out: DuckDB's default, not Spark's."""
    return ", ".join(f"{key} NULLS LAST" for key in keys)


def iso_text(time: str) -> str:
    """A TIMESTAMP as ``YYYY-MM-DDTHH:MM:SS`` text, the same in every engine."""
    return f"left(replace(CAST({time} AS STRING), ' ', 'T'), 19)"


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def count_by(
    title: str,
    *columns: str,
    where: str | Callable[[Dialect], str] = "",
    headers: tuple[str, ...] = (),
    top: int | None = TOP,
    order: str = "records DESC",
    describe: tuple[int, str] | None = None,
    chart: bool = True,
) -> Section:
    """Records counted by ``columns`` (most first), optionally only those ``where`` holds
    (a condition, or one made for the engine's dialect)."""
    cols = ", ".join(quoted(c) for c in columns)
    numbers = [str(i + 1) for i in range(len(columns))]
    keys = ", ".join(numbers)

    def sql(condition: str) -> str:
        return (
            f"SELECT {cols}, count(*) AS records FROM records"
            + (f" WHERE {condition}" if condition else "")
            + f" GROUP BY {keys} ORDER BY {order}, {first(*numbers)}"
            + (f" LIMIT {top}" if top else "")
        )

    text: str | Callable[[Dialect], str] = (
        sql(where) if isinstance(where, str) else (lambda d: sql(where(d)))
    )
    return Section(title, (*(headers or columns), "records"), text, chart=chart, describe=describe)


def outcome_by(
    title: str,
    column: str,
    *,
    good: str,
    bad: str,
    labels: tuple[str, str] = ("successes", "failures"),
    where: str = "",
) -> Section:
    """Per value of ``column``: how many records ``good`` and ``bad`` hold for, and in all;
    the most ``bad`` first."""
    sql = (
        f"SELECT {quoted(column)}, count(*) FILTER (WHERE {good}) AS ok, "
        f"count(*) FILTER (WHERE {bad}) AS bad, count(*) AS n FROM records"
        + (f" WHERE {where}" if where else "")
        + f" GROUP BY 1 ORDER BY bad DESC, n DESC, {first('1')} LIMIT {TOP}"
    )
    return Section(title, (column, *labels, "records"), sql)
