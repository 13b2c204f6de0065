"""Builders for the sections most reports share (counts by some columns, outcomes by one
column), so each report declares what it counts, not how."""

from __future__ import annotations

from seaudit.report.model import TOP, Section

#: the timestamp as a DuckDB TIMESTAMP (NULL when the record's time is not a date)
TIME = "TRY_CAST(timestamp AS TIMESTAMP)"


def quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def count_by(
    title: str,
    *columns: str,
    where: str = "",
    headers: tuple[str, ...] = (),
    top: int | None = TOP,
    order: str = "records DESC",
    describe: tuple[int, str] | None = None,
    chart: bool = True,
) -> Section:
    """Records counted by ``columns`` (most first), optionally only those ``where`` holds."""
    cols = ", ".join(quoted(c) for c in columns)
    keys = ", ".join(str(i + 1) for i in range(len(columns)))
    sql = (
        f"SELECT {cols}, count(*) AS records FROM records"
        + (f" WHERE {where}" if where else "")
        + f" GROUP BY {keys} ORDER BY {order}, {keys}"
        + (f" LIMIT {top}" if top else "")
    )
    return Section(title, (*(headers or columns), "records"), sql, chart=chart, describe=describe)


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
        + f" GROUP BY 1 ORDER BY bad DESC, n DESC, 1 LIMIT {TOP}"
    )
    return Section(title, (column, *labels, "records"), sql)
