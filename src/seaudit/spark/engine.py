"""Queries on Spark: the records a filter selects in one or several stores, in log order
(store by store as given, each by seq), their count and their stats: the answers
``Store.select``, ``Store.count`` and ``Store.stats`` give on DuckDB."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from seaudit.errors import EngineError
from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord
from seaudit.spark import frames, stream
from seaudit.spark.frames import Records
from seaudit.store import Stats, Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

T = TypeVar("T")


class SparkEngine:
    """Queries over ``stores`` through ``spark`` (see ``session.session``)."""

    def __init__(self, spark: SparkSession, stores: Sequence[Store]) -> None:
        self.spark = spark
        self.stores = tuple(stores)

    def _answer(self, flt: Filter, compute: Callable[[Records], T]) -> T:
        """``compute`` over a snapshot of the stores; again on a new snapshot when a file it
        was given went away (a cluster reads by path: ``compact`` or ``reindex`` ran)."""
        for attempt in frames.attempts():
            with frames.read(self.spark, self.stores, flt) as records:
                try:
                    return compute(records)
                except Exception as exc:
                    if not frames.vanished(exc):
                        _raise_plainly(exc)
                        raise
                    if attempt + 1 == frames.RETRIES or not frames.changed(records):
                        raise frames.store_changed_error(exc) from None
        raise AssertionError("unreachable")

    def count(self, flt: Filter) -> int:
        return self._answer(
            flt, lambda r: r.tail_rows + (0 if r.files is None else int(r.files.count()))
        )

    def stats(self, flt: Filter) -> Stats:
        return self._answer(flt, _stats)

    def select(self, flt: Filter, *, limit: int | None = None) -> Iterator[AuditRecord]:
        """Matching records in log order, fetched a bounded window at a time (``stream``)."""
        given = 0
        for attempt in frames.attempts():
            with frames.read(self.spark, self.stores, flt) as records:
                try:
                    for record in itertools.islice(stream.in_log_order(records, flt), limit):
                        given += 1
                        yield record
                    return
                except Exception as exc:
                    if not frames.vanished(exc):
                        _raise_plainly(exc)
                        raise
                    if given or attempt + 1 == frames.RETRIES or not frames.changed(records):
                        raise frames.store_changed_error(exc) from None


def _raise_plainly(exc: Exception) -> None:
    """A failure inside Spark (a damaged file, the JVM out of memory) becomes a plain error
    naming its cause; any other exception is ours and is left alone."""
    if type(exc).__module__.split(".")[0] not in ("py4j", "pyspark"):
        return
    err = EngineError(f"Spark could not answer: {_reason(str(exc))}")
    err.hint = (
        "a damaged file: `seaudit verify` names it, `seaudit reindex` rebuilds it; out of "
        "memory: SEAUDIT_SPARK_DRIVER_MEMORY; or query with --engine duckdb"
    )
    raise err from None


def _reason(text: str) -> str:
    """What a Java failure says, without its stack: the first exception's message and, when
    there is one, its root cause (the last ``Caused by``), e.g. "[FAILED_READ_FILE...]
    Encountered error while reading file ...; caused by: ... Data corruption detected"."""
    lines = [line.strip() for line in text.splitlines()]
    told = [line.lstrip(": ") for line in lines if line and not line.startswith(("at ", "..."))]
    causes = [line.removeprefix("Caused by: ") for line in told if line.startswith("Caused by:")]
    first = next((line for line in told if "Exception" in line or "Error" in line), None)
    first = causes[0] if causes and (first is None or first.endswith(":")) else first
    reason = first or (told[0] if told else "unknown failure")
    if causes and causes[-1] != reason:
        reason += f"; caused by: {causes[-1]}"
    return reason[:500]


def _stats(records: Records) -> Stats:
    rows = frames.query(
        records.spark,
        'SELECT grouping(event), grouping(status), grouping("user"), event, status, "user", '
        'count(*) FROM {records} GROUP BY GROUPING SETS ((event), (status), ("user"), ())',
        records=records.all,
    ).collect()
    out = Stats()
    for g_event, g_status, g_user, event, status, user, n in rows:
        if not g_event:
            out.by_event[event] += n
        elif not g_status:
            out.by_status[status] += n
        elif not g_user:
            if user is not None:
                out.by_user[user] += n
        else:
            out.total += n
    return out
