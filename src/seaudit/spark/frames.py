"""The records of one or several stores as Spark DataFrames, read from snapshots.

Each store gives a snapshot (``snapshot.take``: one read of its manifest, the files the
filter's scope can reach opened and checked, as the DuckDB path does) and its live tail
(records above the watermark, filtered by the filter's predicate in Python). Spark is given
the manifest's files, never a directory: a directory read would pick up ``.tmp`` files and
turn ``day=``/``node=`` names into columns. A JVM started here (``local[N]``) reads each file
through the descriptor this process holds (``/proc/PID/fd/N``), so a flush, ``compact`` or
``reindex`` meanwhile changes nothing it reads; a cluster reads the files by their paths,
and a query that finds one gone (replaced by ``compact`` or ``reindex``) before any row was
given out is run again on a new snapshot.

Rows carry two columns beyond the stored ones: ``_store`` (the store's index, for log order
across stores: store by store, each by seq) and ``parquet_file`` (the file a row came from,
NULL for the live tail).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from seaudit.errors import StoreCorruptError
from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord
from seaudit.store import Store
from seaudit.store.columns import COLUMNS, to_table
from seaudit.store.prune import scope_of
from seaudit.store.snapshot import Snapshot
from seaudit.store.tree import day_of

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

STORE_COLUMN = "_store"
FILE_COLUMN = "parquet_file"  # as in ``report.source``
_SPARK_TYPE = {"int64": "BIGINT", "string": "STRING"}
#: the stored columns as Spark reads them (explicit: no schema inference, no partition columns)
SCHEMA = ", ".join(f"`{name}` {_SPARK_TYPE[kind]}" for name, kind in COLUMNS)
RETRIES = 5
_GLOB = re.compile(r"([\\*?\[\]{}])")
#: what Java's ``URI`` leaves unquoted in a path (unreserved, punct, "/" and "@")
_URI_PATH = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-!.~'()*,;:$&+=/@"
)
_VANISHED = ("FileNotFoundException", "does not exist", "FILE_NOT_EXIST", "No such file")


@dataclass(frozen=True, slots=True)
class Part:
    """One store's share of a query: its snapshot (held open) and its matching tail rows."""

    index: int
    store: Store
    snapshot: Snapshot
    tail: list[tuple[int, AuditRecord]]
    #: how Spark reads each of ``snapshot.entries`` (a descriptor path, or the file's path)
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Records:
    """The filter's records of every store as ``files`` (the Parquet rows, filter applied)
    and ``tail`` (the live tail's matching rows), with what each file path is called by
    Spark mapped to its day partition. Close it when done (the snapshots' files)."""

    spark: SparkSession
    files: DataFrame | None
    tail: DataFrame
    parts: tuple[Part, ...]
    days: dict[str, str]
    tail_days: dict[str, int]

    @property
    def all(self) -> DataFrame:
        return self.tail if self.files is None else self.files.unionByName(self.tail)

    @property
    def tail_rows(self) -> int:
        return sum(len(p.tail) for p in self.parts)

    def close(self) -> None:
        for part in self.parts:
            part.snapshot.close()

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_local(spark: SparkSession) -> bool:
    """Whether the JVM runs on this machine as this process's child (it can open our
    descriptors)."""
    try:
        master = str(spark.sparkContext.master)
    except Exception:  # Spark Connect has no SparkContext: a remote server
        return False
    return master == "local" or master.startswith("local[")


def read(spark: SparkSession, stores: Sequence[Store], flt: Filter) -> Records:
    """The records ``flt`` selects in ``stores``, as of now (close the result)."""
    from pyspark.sql import functions as F

    scope = scope_of(flt.expr)
    pred = flt.predicate()
    local = is_local(spark)
    parts: list[Part] = []
    try:
        for index, store in enumerate(stores):
            snap = store.snapshot(scope)
            parts.append(Part(index, store, snap, [], tuple(_paths(snap, local))))
            part = parts[-1]
            part.tail.extend((seq, r) for seq, r in store.tail(snap.watermark) if pred(r))
    except BaseException:
        for p in parts:
            p.snapshot.close()
        raise
    days: dict[str, str] = {}
    frames = []
    for part in parts:
        if not part.paths:
            continue
        days.update(
            (spark_name(path), entry.day)
            for path, entry in zip(part.paths, part.snapshot.entries, strict=True)
        )
        frame = parquet(spark, part.paths).withColumn(STORE_COLUMN, F.lit(part.index))
        frames.append(frame.withColumn(FILE_COLUMN, F.col("_metadata.file_path")))
    files = None
    if frames:
        files = frames[0]
        for frame in frames[1:]:
            files = files.unionByName(frame)
        files = matching(spark, files, flt)
    tail = _tail_frame(spark, parts)
    tail_days: dict[str, int] = {}
    for part in parts:
        for _, record in part.tail:
            day = day_of(record)
            tail_days[day] = tail_days.get(day, 0) + 1
    return Records(spark, files, tail, tuple(parts), days, tail_days)


def parquet(spark: SparkSession, paths: Sequence[str]) -> DataFrame:
    """The Parquet files at ``paths`` (as ``Part.paths`` gives them), by column name: a file
    written before a column was added reads it as NULL (store schema 2, as DuckDB's
    ``union_by_name``); directory names are not columns."""
    return spark.read.schema(SCHEMA).parquet(*(_escaped(p) for p in paths))


def matching(spark: SparkSession, frame: DataFrame, flt: Filter, extra: str = "") -> DataFrame:
    """The rows of ``frame`` that ``flt`` selects (and ``extra``, Spark SQL without
    parameters, when given)."""
    from seaudit.query.dialect import SPARK
    from seaudit.query.expr import to_sql

    where, params = to_sql(flt.expr, SPARK)
    if extra:
        where = f"({where}) AND ({extra})"
    return query(spark, f"SELECT * FROM {{frame}} WHERE {where}", params, frame=frame)


def query(
    spark: SparkSession, text: str, params: Sequence[object] = (), **frames: DataFrame
) -> DataFrame:
    """``spark.sql`` over ``frames`` (named ``{name}`` in ``text``; other braces doubled),
    its ``?`` bound to ``params`` (Spark binds parameters in SQL text only)."""
    return spark.sql(text, args=list(params), **frames)


def _paths(snap: Snapshot, local: bool) -> list[str]:
    """A local JVM reads our descriptors; executors elsewhere (a cluster, a Spark Connect
    server) cannot, and read each file by its absolute path, which must name the same file
    where they run (a shared file system)."""
    if local:
        return [f"/proc/{os.getpid()}/fd/{fd}" for fd in snap.fds]
    assert snap.tree is not None or not snap.entries
    tree = Path(snap.tree or ".").resolve()
    return [str(tree / e.path) for e in snap.entries]


def spark_name(path: str) -> str:
    """The name Spark gives a local file in ``_metadata.file_path``: a ``file:`` URI quoted
    as Java's ``URI`` quotes a path (Hadoop's ``Path.toUri``): ASCII outside its legal set
    and ``%`` as UTF-8 escapes, other characters as they are unless a space or control."""
    return "file:" + "".join(
        char if char in _URI_PATH or _other(char) else _quoted(char) for char in path
    )


def _other(char: str) -> bool:
    """Java's "other" characters: beyond ASCII, neither a control nor a space character."""
    return ord(char) > 127 and unicodedata.category(char) not in ("Cc", "Zs", "Zl", "Zp")


def _quoted(char: str) -> str:
    return "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogateescape"))


def _escaped(path: str) -> str:
    """A path as a Hadoop glob that matches only itself."""
    return _GLOB.sub(r"\\\1", path)


def _tail_frame(spark: SparkSession, parts: list[Part]) -> DataFrame:
    from pyspark.sql import functions as F

    frames = []
    for part in parts:
        if not part.tail:
            continue
        table = to_table(part.tail)
        frames.append(spark.createDataFrame(table).withColumn(STORE_COLUMN, F.lit(part.index)))
    if not frames:
        frame = spark.createDataFrame([], SCHEMA).withColumn(STORE_COLUMN, F.lit(0))
    else:
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.unionByName(other)
    return frame.withColumn(FILE_COLUMN, F.lit(None).cast("string"))


def vanished(exc: BaseException) -> bool:
    """Whether Spark failed because a file it was given is gone."""
    text = str(exc)
    return any(sign in text for sign in _VANISHED)


def changed(records: Records) -> bool:
    from seaudit.store import swap
    from seaudit.store.manifest import load

    for part in records.parts:
        snap = part.snapshot
        tree = swap.current(part.store.root)
        if tree != snap.tree or (tree is not None and load(tree) != snap.manifest):
            return True
    return False


def store_changed_error(exc: BaseException) -> StoreCorruptError:
    err = StoreCorruptError(f"a Parquet file went away while Spark read it: {exc}")
    err.hint = "the store was compacted or reindexed meanwhile: run the query again"
    return err


def attempts() -> Iterator[int]:
    yield from range(RETRIES)
