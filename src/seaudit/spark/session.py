"""One SparkSession per master for the process: ``local[N]`` (a JVM started here),
``spark://HOST:PORT`` (a standalone cluster) or ``sc://HOST:PORT`` (Spark Connect).

The master is ``--spark-master``, else ``$SEAUDIT_SPARK_MASTER``, else ``local[2]``. Settings
are kept small for one machine (two shuffle partitions, no UI, UTC session time, so
timestamps compare and print as the text they were parsed from); double-quoted identifiers
are turned on so the reports' SQL (written once, quoting ``"user"``) means the same in Spark.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from seaudit.errors import EngineError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ENV_MASTER = "SEAUDIT_SPARK_MASTER"
ENV_DRIVER_MEMORY = "SEAUDIT_SPARK_DRIVER_MEMORY"
_MEMORY = re.compile(r"([1-9][0-9]*)([kmgt]?)", re.IGNORECASE)  # as spark.driver.memory is
_UNIT = {"": 2**20, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}  # no unit: MiB, as in Spark
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
CONNECT_PORT = "15002"  # Spark Connect's own default
CONNECT_WAIT_S = 10
JVM_SETTINGS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile="
    + (Path(__file__).with_name("log4j2.properties")).as_uri(),
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}

#: a driver whose executors run on this machine listens on loopback only
LOOPBACK_SETTINGS = {"spark.driver.host": LOOPBACK, "spark.driver.bindAddress": LOOPBACK}

_sessions: dict[str, SparkSession] = {}
_lock = threading.Lock()


#: the master URLs Spark takes (``local``, ``local[N]``, ``local[*]``, ``local[N,F]``,
#: ``spark://``, ``sc://``, ``yarn``, ``k8s://``); anything else is refused here, before a JVM
#: prints its own stack trace over it
_MASTER = re.compile(r"local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|(spark|sc|k8s)://\S+|yarn")


def master_of(option: str | None) -> str:
    """The master asked for (option, else ``$SEAUDIT_SPARK_MASTER``, else ``local[2]``)."""
    url = option or os.environ.get(ENV_MASTER) or DEFAULT_MASTER
    if not _MASTER.fullmatch(url):
        err = EngineError(
            f"not a Spark master URL: {url!r} (local[N], spark://HOST:PORT, sc://HOST:PORT, "
            "yarn or k8s://URL)"
        )
        err.hint = f"correct --spark-master or ${ENV_MASTER}"
        raise err
    return url


def on_loopback(url: str) -> bool:
    """Whether every executor runs on this machine (``local[N]``, or a standalone master on
    this machine's loopback); a remote cluster's executors must reach the driver by an
    address Spark picks (or ``spark.driver.host`` given in ``PYSPARK_SUBMIT_ARGS``)."""
    host = url.removeprefix("spark://").split(":")[0]
    return url == "local" or url.startswith("local[") or host in (LOOPBACK, "localhost")


def driver_memory() -> str:
    """The heap of a JVM started here: ``$SEAUDIT_SPARK_DRIVER_MEMORY`` when set, else a
    quarter of this machine's memory, at least 1 GiB and at most 4 GiB. Answers stream in
    bounded windows (``stream``), so the heap is for Spark itself and the reports' groupings;
    in ``local[N]`` the executors share it."""
    given = os.environ.get(ENV_DRIVER_MEMORY, "").strip()
    if given:
        if not _MEMORY.fullmatch(given):
            err = EngineError(f"{ENV_DRIVER_MEMORY}={given!r} is not a size")
            err.hint = "give a whole number with k, m, g or t, as 1536m or 2g"
            raise err
        return given
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{min(max(machine // 4 // 2**20, 1024), 4096)}m"


def heap_bytes(spark: SparkSession) -> int | None:
    """The driver's heap as set (``spark.driver.memory``), or None when it is not known (a
    Spark Connect server that does not say)."""
    try:
        text = spark.conf.get("spark.driver.memory", None)
    except Exception:  # a server that refuses to read a static setting
        return None
    found = _MEMORY.fullmatch((text or "").strip())
    return int(found[1]) * _UNIT[found[2].lower()] if found else None


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
        _reachable(url)
        builder = builder.remote(url)
    else:
        builder = builder.master(url)
        settings = {**JVM_SETTINGS, "spark.driver.memory": driver_memory()}
        if on_loopback(url):
            os.environ.setdefault("SPARK_LOCAL_IP", LOOPBACK)
            settings.update(LOOPBACK_SETTINGS)
        for key, value in settings.items():
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
        spark.sparkContext.setLogLevel("OFF")
    return spark


def _reachable(url: str) -> None:
    """A Spark Connect server answers on its port, checked once: its client would retry a
    refused connection for minutes."""
    host, _, port = url.removeprefix("sc://").split("/")[0].rpartition(":")
    if not host:
        host, port = port, CONNECT_PORT
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_WAIT_S):
            pass
    except (OSError, ValueError) as exc:
        err = EngineError(f"cannot start Spark with master {url!r}: {exc}")
        err.hint = "start the Spark Connect server, or give its host and port (sc://HOST:PORT)"
        raise err from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def stop_all() -> None:
    """Stop every session this process started (tests, benchmarks)."""
    with _lock:
        for spark in _sessions.values():
            spark.stop()
        _sessions.clear()
