"""What a report is: a declared query (a scope over the records and the SQL of each section)
plus how each section is shown. A report is one module holding one ``Report``; nothing here
knows any particular report."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seaudit.query.dialect import Dialect
    from seaudit.report.source import Records
    from seaudit.store import Store

#: rows a "top" section keeps
TOP = 20
Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Context:
    """What a section's computation may read: the filtered records, the store itself and the
    report's options (``--cardholder`` masks for ``compliance``)."""

    selection: Records
    store: Store
    options: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: results several sections share (one scan for many tables), by name
    shared: dict[str, object] = field(default_factory=dict)
    #: every store the records come from (Spark reads several), ``store`` first
    stores: tuple[Store, ...] = ()

    def each_store(self) -> list[tuple[str, Store, int]]:
        """Each store with a label for its rows ("" when there is one) and the watermark
        of the records read from it."""
        stores = self.stores or (self.store,)
        marks = self.selection.watermarks
        if len(stores) == 1:
            return [("", stores[0], marks[0])]
        return [(f"{s.root}: ", s, mark) for s, mark in zip(stores, marks, strict=True)]


@dataclass(frozen=True, slots=True)
class Section:
    """One table of a report. ``sql`` is a SELECT over the relation ``records`` (the filter's
    records within the report's scope), binding ``params``; a section that is not a query
    (the log's chain check) gives ``compute`` instead. Where the engines' SQL differs, ``sql``
    is a function of the dialect (``query.dialect``). ``chart`` draws the last column as bars
    labelled by the others; ``describe`` appends a message column for a code column
    (index, code table name)."""

    title: str
    columns: tuple[str, ...]
    sql: str | Callable[[Dialect], str] = ""
    params: tuple[object, ...] = ()
    compute: Callable[[Context], list[Row]] | None = None
    chart: bool = False
    describe: tuple[int, str] | None = None
    empty: str = "none"

    def rows(self, ctx: Context) -> list[Row]:
        if self.compute is not None:
            return self.compute(ctx)
        sql = self.sql if isinstance(self.sql, str) else self.sql(ctx.selection.dialect)
        return ctx.selection.sql(sql, *self.params)


@dataclass(frozen=True, slots=True)
class Report:
    """``scope`` (a ``--where`` expression, or "" for every record) is ANDed to the user's
    filter, so partitions and event types are pruned as for any query."""

    name: str
    title: str
    about: str
    sections: tuple[Section, ...]
    scope: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    chart: bool = False
    empty: str = "none"


@dataclass(frozen=True, slots=True)
class Result:
    report: Report
    filter_text: str
    tables: tuple[Table, ...] = field(default=())
