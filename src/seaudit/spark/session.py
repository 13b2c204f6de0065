"""One SparkSession per master for the process: ``local[N]`` (a JVM started here),
``spark://HOST:PORT`` (a standalone cluster) or ``sc://HOST:PORT`` (Spark Connect).

The master is ``--spark-master``, else ``$SEAUDIT_SPARK_MASTER``, else ``local[2]``. Settings
are kept small for one machine (two shuffle partitions, no UI, UTC session time, so
timestamps compare and print as the text they were parsed from); double-quoted identifiers
are turned on so the reports' SQL (written once, quoting ``"user"``) means the same in Spark.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from seaudit.errors import EngineError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ENV_MASTER = "SEAUDIT_SPARK_MASTER"
DEFAULT_MASTER = "local[2]"
#: settings every session gets (runtime SQL settings: Spark Connect takes them too)
SQL_SETTINGS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.ansi.doubleQuotedIdentifiers": "true",
    "spark.sql.files.ignoreMissingFiles": "false",  # a vanished file is an error, never a gap
    "spark.sql.files.ignoreCorruptFiles": "false",
}
#: settings of a JVM started here (``local[N]``, ``spark://``)
LOOPBACK = "127.0.0.1"
JVM_SETTINGS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.driver.host": LOOPBACK,  # a local JVM listens on loopback only
    "spark.driver.bindAddress": LOOPBACK,
    "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile="
    + (Path(__file__).with_name("log4j2.properties")).as_uri(),
    "spark.driver.memory": "1g",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

_sessions: dict[str, SparkSession] = {}
_lock = threading.Lock()


def master_of(option: str | None) -> str:
    return option or os.environ.get(ENV_MASTER) or DEFAULT_MASTER


def session(master: str | None = None) -> SparkSession:
    """The process's session for ``master`` (started on first use)."""
    url = master_of(master)
    with _lock:
        found = _sessions.get(url)
        if found is None:
            found = _sessions[url] = _start(url)
        return found


def _start(url: str) -> SparkSession:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("--engine spark needs pyspark, which is not installed") from None
    builder = SparkSession.builder.appName("seaudit")
    if url.startswith("sc://"):
        builder = builder.remote(url)
    else:
        os.environ.setdefault("SPARK_LOCAL_IP", LOOPBACK)
        builder = builder.master(url)
        for key, value in JVM_SETTINGS.items():
            builder = builder.config(key, value)
    for key, value in SQL_SETTINGS.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java, a master that is not there, a refused connection
        err = EngineError(f"cannot start Spark with master {url!r}: {_first_line(exc)}")
        if url.startswith("sc://"):
            err.hint = "Spark Connect needs its client: pip install 'pyspark[connect]'"
        raise err from None
    if not url.startswith("sc://"):
        spark.sparkContext.setLogLevel("ERROR")
    return spark


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def stop_all() -> None:
    """Stop every session this process started (tests, benchmarks)."""
    with _lock:
        for spark in _sessions.values():
            spark.stop()
        _sessions.clear()
