"""Runs of a chunk's bulk events whose bookkeeping goes as a whole (``Pipeline.bulk_run``).

An event **continues** the one before it (among the chunk's bulk events, in order of their
first line) when nothing between them is anything the per-event bookkeeping reacts to: the
same node; the next serial and a time not earlier (so (time, serial) rises and, once the
run's first event is not covered by the checkpoint, none is); not a ``DAEMON_`` record
(the serial watch skips those); no line of another event, nor a line for the per-event
path, from the end of the one before to its own end: the one before ends after every
event before it, it begins after they all end, and the next begins after it ends. So
the run's lines come in order, each event's whole before the next's. Whether the state
allows a run (the serial before it the last seen, no open event or serial gap due) is
decided when it comes (``Pipeline.bulk_run``), since it depends on the lines fed before.
"""

from __future__ import annotations

import polars as pl

#: past any line of a chunk
_NEVER = 1 << 62


def _before(column: str) -> pl.Expr:
    return pl.col(column).shift(1)


def runs(fast: pl.DataFrame, slow: list[int]) -> dict[int, int]:
    """For each event (row of ``fast``: ``shape.events``' bulk events, by first line) that
    the next one continues: the last row of the run of events that continue it. ``slow``:
    the chunk's lines for the per-event path, in order."""
    if fast.height < 2:
        return {}
    slow_before = pl.Series(slow, dtype=pl.Int64).search_sorted(fast["last"])
    later = (pl.col("seconds") > _before("seconds")) | (
        (pl.col("seconds") == _before("seconds")) & (pl.col("millis") >= _before("millis"))
    )
    continues = (
        pl.col("node").eq_missing(_before("node"))
        & (pl.col("serial") == _before("serial") + 1)
        & later
        & ~pl.col("first_type").str.starts_with("DAEMON_")
        & (pl.col("first") > _before("ended"))
        & (_before("last") == _before("ended"))
        & (pl.col("last") < pl.col("first").shift(-1).fill_null(_NEVER))
        & (pl.col("slow") == _before("slow"))
    ).fill_null(False)
    marked = (
        fast.with_columns(slow=slow_before, ended=pl.col("last").cum_max())
        .select(pl.int_range(pl.len(), dtype=pl.Int64).alias("k"), continues.alias("continues"))
        .with_columns((~pl.col("continues")).cum_sum().alias("run"))
    )
    ends = marked.with_columns(pl.col("k").last().over("run").alias("end")).filter(
        pl.col("k") < pl.col("end")
    )
    return dict(zip(ends["k"].to_list(), ends["end"].to_list(), strict=True))
