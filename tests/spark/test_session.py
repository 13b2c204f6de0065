"""Where Spark runs: the master from ``--spark-master``, ``$SEAUDIT_SPARK_MASTER`` or
``local[2]``; one session per master for the process, with the settings the shared SQL
relies on; a JVM started here listens on loopback only."""

from __future__ import annotations

from typing import Any

import pytest

from seaudit.spark.session import DEFAULT_MASTER, ENV_MASTER, SQL_SETTINGS, master_of, session

pytestmark = pytest.mark.xdist_group("spark")


def test_the_master_is_the_option_then_the_environment_then_local(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_MASTER, raising=False)
    assert master_of(None) == DEFAULT_MASTER == "local[2]"
    monkeypatch.setenv(ENV_MASTER, "spark://127.0.0.1:7077")
    assert master_of(None) == "spark://127.0.0.1:7077"
    assert master_of("sc://127.0.0.1:15002") == "sc://127.0.0.1:15002"


def test_one_session_per_master_with_the_shared_settings(spark: Any) -> None:
    assert session("local[2]") is spark
    for key, value in SQL_SETTINGS.items():
        assert spark.conf.get(key) == value, key
    assert spark.sparkContext.getConf().get("spark.driver.host") == "127.0.0.1"
    row = spark.sql('SELECT "user" FROM VALUES (\'bob\') AS t("user")').collect()
    assert row[0][0] == "bob"  # a double-quoted name is a column, as in DuckDB
