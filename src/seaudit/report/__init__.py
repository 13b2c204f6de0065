"""Reports over the store: each a declared query plus a presentation (text tables aligned
like aureport, or one self-contained HTML page with SVG charts).

``REPORTS`` lists the report modules (a test checks it against the package); each module
holds one ``REPORT``. ``run_report(store, name, flt)`` computes a report's tables with
every aggregate in DuckDB over the filter's records (Parquet and live tail alike)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from seaudit.errors import UsageError
from seaudit.query.expr import all_of
from seaudit.query.spec import Filter
from seaudit.query.where import parse_where
from seaudit.report.model import Context, Report, Result, Table
from seaudit.store import Store

if TYPE_CHECKING:
    from seaudit.report.source import Records

#: report name -> module, in the order ``seaudit report`` lists them
REPORTS: dict[str, str] = {
    name: f"seaudit.report.{name}"
    for name in (
        "summary",
        "logins",
        "denials",
        "warnings",
        "admin",
        "surrogate",
        "network",
        "daemons",
        "integrity",
        "compliance",
    )
}


def get_report(name: str) -> Report:
    if name not in REPORTS:
        raise UsageError(f"no report {name!r}", "reports: " + ", ".join(REPORTS))
    report: Report = importlib.import_module(REPORTS[name]).REPORT
    return report


def reports() -> list[Report]:
    return [get_report(name) for name in REPORTS]


def scoped(report: Report, flt: Filter) -> Filter:
    """The user's filter within the report's own scope."""
    if not report.scope:
        return flt
    return Filter(all_of([flt.expr, parse_where(report.scope)]))


def run_report(
    store: Store,
    name: str,
    flt: Filter,
    *,
    filter_text: str = "",
    options: Mapping[str, tuple[str, ...]] | None = None,
    source: Callable[[Filter], Records] | None = None,
    stores: Sequence[Store] = (),
) -> Result:
    """The report's tables over the records ``source`` gives for a filter (default: the
    store's, in DuckDB; ``spark.relation.select`` gives Spark's, of ``stores``)."""
    from seaudit.report.source import select
    from seaudit.schema.codes import default_tables

    report = get_report(name)
    tables = []
    codes = default_tables()
    wanted = scoped(report, flt)
    selection = source(wanted) if source is not None else select(store, wanted)
    try:
        ctx = Context(selection, store, options or {}, stores=tuple(stores))
        for section in report.sections:
            rows = section.rows(ctx)
            columns = section.columns
            if section.describe is not None:
                index, table = section.describe
                columns = (*columns, "message")
                rows = [(*row, _describe(codes, table, row[index])) for row in rows]
            tables.append(Table(section.title, columns, tuple(rows), section.chart, section.empty))
    finally:
        selection.close()
    return Result(report, filter_text, tuple(tables))


def _describe(codes: object, table: str, value: object) -> str:
    from seaudit.schema.codes import CodeTables

    assert isinstance(codes, CodeTables)
    if value is None:
        return ""
    if table == "status":
        return codes.status_word(str(value))
    return codes.describe(table, value) if isinstance(value, int) else str(value)


__all__ = ["REPORTS", "Report", "Result", "Table", "get_report", "reports", "run_report"]
