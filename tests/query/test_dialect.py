"""The filter compiled for Spark means what it means for DuckDB and for the Python predicate,
on random filters and records with hostile strings (quotes, backticks, LIKE wildcards,
backslashes, newlines, NUL, characters beyond the BMP: ``tests.test_query``'s strategies)."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.query import And, Cmp, Expr, Not, to_predicate, to_sql
from seaudit.query.dialect import DUCKDB, SPARK
from seaudit.schema.record import AuditRecord
from seaudit.store.columns import to_table
from tests.test_query import exprs, records  # hostile strings: see its ALPHABET


def test_spark_sql_quotes_identifiers_with_backticks_and_needs_no_escape_clause() -> None:
    expr = And((Cmp("user", "~", "a_%*"), Cmp("stage", ">", 3), Not(Cmp("node", "=", "x"))))
    sql, params = to_sql(expr, SPARK)
    assert sql == "(`user` LIKE ? AND `stage` > ? AND (NOT coalesce(`node` = ?, false)))"
    assert params == ["a\\_\\%%", 3, "x"]
    duck, duck_params = to_sql(expr, DUCKDB)
    assert duck == (
        '("user" LIKE ? ESCAPE \'\\\' AND "stage" > ? AND (NOT coalesce("node" = ?, false)))'
    )
    assert duck_params == params
    assert to_sql(expr) == (duck, duck_params)  # DuckDB stays the default


@pytest.mark.parametrize("dialect", [SPARK, DUCKDB], ids=lambda d: d.name)
def test_both_engines_bind_text_as_the_store_holds_it(dialect: Any) -> None:
    """A lone surrogate (an undecodable input byte) can neither travel to the JVM nor be a
    DuckDB parameter: it is bound as U+FFFD, which is how the Parquet files hold it."""
    _, params = to_sql(And((Cmp("user", "=", "a\udcff"), Cmp("user", "~", "b\udce9*"))), dialect)
    assert params == ["a\ufffd", "b\ufffd%"]


@pytest.mark.xdist_group("spark")
@settings(max_examples=25)
@given(rs=st.lists(records(), max_size=10), expr=exprs)
def test_spark_duckdb_and_predicate_select_the_same_records(
    spark: Any, rs: list[AuditRecord], expr: Expr
) -> None:
    table = to_table(list(enumerate(rs, 1)))
    pred = to_predicate(expr)
    want = {seq for seq, r in enumerate(rs, 1) if pred(r)}

    con = duckdb.connect(":memory:")
    con.register("t", table)
    sql, params = to_sql(expr, DUCKDB)
    got_duckdb = {
        row[0] for row in con.execute(f"SELECT seq FROM t WHERE {sql}", params).fetchall()
    }

    frame = spark.createDataFrame(table) if rs else spark.createDataFrame([], "seq BIGINT")
    spark_sql, spark_params = to_sql(expr, SPARK)
    if rs:
        rows = spark.sql(
            f"SELECT seq FROM {{t}} WHERE {spark_sql}", args=spark_params, t=frame
        ).collect()
    else:
        rows = []
    got_spark = {row[0] for row in rows}
    assert got_duckdb == want
    assert got_spark == want
    assert "'" not in spark_sql and '"' not in spark_sql  # values travel as parameters only
