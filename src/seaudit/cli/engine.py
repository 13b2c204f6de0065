"""The options of the verbs that read stores with either engine (``query``, ``report``):
``--engine duckdb|spark``, ``--spark-master URL`` and ``--store`` given once or more.
pyspark is imported only when Spark is asked for, so the CLI starts as fast as before."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from seaudit.errors import UsageError
from seaudit.query.expr import usage
from seaudit.spark.session import DEFAULT_MASTER, ENV_MASTER
from seaudit.store.location import add_store_argument

if TYPE_CHECKING:
    from seaudit.query.spec import Filter
    from seaudit.report.source import Records
    from seaudit.spark.engine import SparkEngine
    from seaudit.store import Store

ENGINES = ("duckdb", "spark")


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser, many=True)
    g = parser.add_argument_group("engine")
    g.add_argument(
        "--engine",
        choices=ENGINES,
        default="duckdb",
        help="duckdb (embedded, the default) or spark (one or more stores, on a cluster)",
    )
    g.add_argument(
        "--spark-master",
        metavar="URL",
        help=f"local[N], spark://HOST:PORT or sc://HOST:PORT (Spark Connect); default "
        f"${ENV_MASTER}, else {DEFAULT_MASTER}",
    )


def store_options(args: argparse.Namespace) -> list[str | None]:
    """The ``--store`` values (none given: the default store)."""
    given: list[str] | None = args.store
    return list(given) if given else [None]


def open_stores(args: argparse.Namespace) -> list[Store]:
    """The stores asked for, each of which must exist (a reader makes none)."""
    from seaudit.store import Store
    from seaudit.store.location import existing_ini

    stores = [Store(existing_ini(option).parent) for option in store_options(args)]
    if len(stores) > 1 and args.engine != "spark":
        raise usage(
            f"{len(stores)} stores given: DuckDB reads one store",
            "read several stores at once with --engine spark",
        )
    return stores


def spark_engine(args: argparse.Namespace, stores: list[Store]) -> SparkEngine:
    from seaudit.spark.engine import SparkEngine
    from seaudit.spark.session import session

    return SparkEngine(session(args.spark_master), stores)


def spark_source(args: argparse.Namespace, stores: list[Store]) -> Callable[[Filter], Records]:
    """What a report reads on Spark: a filter's records in ``stores``."""
    from seaudit.spark import relation
    from seaudit.spark.session import session

    spark = session(args.spark_master)
    return lambda flt: relation.select(spark, stores, flt)


def one_root(args: argparse.Namespace) -> Path:
    """The one store of a verb that cannot read several (``--follow``)."""
    from seaudit.store.location import resolve_root

    options = store_options(args)
    if len(options) > 1:
        raise UsageError("--follow reads one store's live log: give one --store")
    return resolve_root(options[0])
