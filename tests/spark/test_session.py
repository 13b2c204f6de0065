"""Where Spark runs: the master from ``--spark-master``, ``$SEAUDIT_SPARK_MASTER`` or
``local[2]``; one session per master for the process, with the settings the shared SQL
relies on; a JVM started here listens on loopback only."""

from __future__ import annotations

import os
from typing import Any

import pytest

from seaudit.errors import EngineError
from seaudit.spark.session import (
    DEFAULT_MASTER,
    ENV_DRIVER_MEMORY,
    ENV_MASTER,
    SQL_SETTINGS,
    driver_memory,
    heap_bytes,
    master_of,
    on_loopback,
    session,
)

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


def test_a_driver_listens_on_loopback_when_its_executors_are_here() -> None:
    assert on_loopback("local[2]") and on_loopback("local")
    assert on_loopback("spark://127.0.0.1:7077") and on_loopback("spark://localhost:7077")
    assert not on_loopback("spark://spark-master:7077")
    assert not on_loopback("spark://10.0.0.5:7077")


def test_driver_memory_is_sized_from_the_machine_or_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_DRIVER_MEMORY, raising=False)
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    mib = int(driver_memory().removesuffix("m"))
    assert 1024 <= mib <= 4096 and (mib == 1024 or mib == 4096 or mib == machine // 4 // 2**20)
    monkeypatch.setenv(ENV_DRIVER_MEMORY, "1536m")
    assert driver_memory() == "1536m"
    for bad in ("lots", "0g", "1.5g", "-1g", "2 g"):
        monkeypatch.setenv(ENV_DRIVER_MEMORY, bad)
        with pytest.raises(EngineError, match=ENV_DRIVER_MEMORY):
            driver_memory()


def test_the_heap_is_read_back_from_the_session(spark: Any) -> None:
    assert heap_bytes(spark) == int(driver_memory().removesuffix("m")) * 2**20


@pytest.mark.parametrize("url", ["bogus://x", "local[0]", "local[two]", "spark:/x", " local"])
def test_a_master_spark_would_refuse_is_refused_before_a_jvm_starts(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEAUDIT_SPARK_MASTER", url)
    with pytest.raises(EngineError, match="not a Spark master URL"):
        master_of(url)
    with pytest.raises(EngineError, match="not a Spark master URL"):
        master_of(None)  # from the environment
    for good in ("local", "local[2]", "local[*]", "local[4,3]", "spark://h:7077", "sc://h"):
        assert master_of(good) == good
