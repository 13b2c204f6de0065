"""The reports' relation ``records`` on Spark (``report.source.Records``): the filter's
records of one or several stores (``frames.read``), each report section's SQL run over them
with its parameters bound, rows as tuples, as DuckDB gives them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from seaudit.query.dialect import SPARK, Dialect
from seaudit.query.spec import Filter
from seaudit.spark import frames
from seaudit.store import Store

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True, slots=True)
class SparkRecords:
    records: frames.Records

    @property
    def dialect(self) -> Dialect:
        return SPARK

    @property
    def days(self) -> dict[str, str]:
        return self.records.days

    @property
    def tail_days(self) -> Counter[str]:
        return Counter(self.records.tail_days)

    @property
    def watermarks(self) -> tuple[int, ...]:
        return tuple(part.snapshot.watermark for part in self.records.parts)

    @property
    def tail_rows(self) -> int:
        return self.records.tail_rows

    def sql(self, query: str, *params: object) -> list[tuple[Any, ...]]:
        """Run ``query`` (which reads ``records``; it may start with its own WITH)."""
        escaped = query.replace("{", "{{").replace("}", "}}")
        cte = "records AS (SELECT * FROM {records})"
        head, sep, rest = escaped.partition("WITH ")
        text = f"WITH {cte}, {rest}" if sep and not head.strip() else f"WITH {cte} {escaped}"
        spark = self.records.spark
        try:
            rows = frames.query(spark, text, params, records=self.records.all).collect()
        except Exception as exc:
            if frames.vanished(exc):
                raise frames.store_changed_error(exc) from None
            raise
        return [tuple(row) for row in rows]

    def close(self) -> None:
        self.records.close()


def select(spark: SparkSession, stores: Sequence[Store], flt: Filter) -> SparkRecords:
    """The records of ``flt`` in ``stores`` as the relation ``records`` (close it)."""
    return SparkRecords(frames.read(spark, stores, flt))
