"""Where Spark runs, for real, on loopback: a Spark Connect server (``sc://``) and a standalone
master with one worker (``spark://``), each a real JVM started here from the pip pyspark
(``bin/spark-submit``, ``bin/spark-class``). Their executors cannot read this process's
descriptors, so they read the manifest's files by absolute path (a store under a directory
with a space in its name). Through each, the CLI's query and report give DuckDB's output
byte for byte.

The suite runs the Spark Connect server (its client has no JVM); ``SEAUDIT_LONG=1`` adds
the standalone cluster (a master, a worker and its executor, and a driver per CLI call:
about a minute on a busy machine)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.spark.stores import corpus_records, layered

pytestmark = pytest.mark.xdist_group("spark")

ROOT = Path(__file__).resolve().parents[2]
LONG = bool(os.environ.get("SEAUDIT_LONG"))
LOOPBACK = "127.0.0.1"
READY_S = 240


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def jvm_env(tmp: Path) -> dict[str, str]:
    """Every JVM here binds loopback only; logs and work files stay in ``tmp``."""
    return {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": LOOPBACK,
        "SPARK_LOG_DIR": str(tmp),
        "SPARK_CONNECT_MODE": "0",
    }


def until(ready: Callable[[], bool], what: str, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_S
    while not ready():
        for proc in procs:
            assert proc.poll() is None, f"{what}: a JVM exited with {proc.returncode}"
        assert time.monotonic() < deadline, f"{what} not ready in {READY_S} s"
        time.sleep(0.5)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((LOOPBACK, port)) == 0


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Each JVM started here and its children (a worker's executors), by process group."""
    for proc in reversed(procs):
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in reversed(procs):
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def start(cmd: list[str], tmp: Path, name: str) -> subprocess.Popen[bytes]:
    log = (tmp / f"{name}.log").open("wb")
    return subprocess.Popen(
        cmd, env=jvm_env(tmp), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("remote") / "a store"
    layered(root, corpus_records())
    return root


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("connect")
    port = free_port()
    server = start(
        [
            str(spark_home() / "bin" / "spark-submit"),
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--master",
            "local[1]",
            "--conf",
            f"spark.connect.grpc.binding.address={LOOPBACK}",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
            "--conf",
            f"spark.driver.host={LOOPBACK}",
            "--conf",
            f"spark.driver.bindAddress={LOOPBACK}",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.driver.memory=512m",
        ],
        tmp,
        "connect",
    )
    try:
        until(lambda: listening(port), "the Spark Connect server", [server])
        yield f"sc://{LOOPBACK}:{port}"
    finally:
        stop([server])


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not LONG:
        pytest.skip("the standalone cluster runs with SEAUDIT_LONG=1 (about a minute)")
    tmp = tmp_path_factory.mktemp("standalone")
    port, ui = free_port(), free_port()
    spark_class = str(spark_home() / "bin" / "spark-class")
    procs = [
        start(
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                *("--host", LOOPBACK, "--port", str(port), "--webui-port", str(ui)),
            ],
            tmp,
            "master",
        )
    ]
    try:
        until(lambda: listening(port) and listening(ui), "the master", procs)
        master = f"spark://{LOOPBACK}:{port}"
        procs.append(
            start(
                [
                    spark_class,
                    "org.apache.spark.deploy.worker.Worker",
                    *("--host", LOOPBACK, "--webui-port", str(free_port())),
                    *("--cores", "1", "--memory", "1g", "--work-dir", str(tmp / "work")),
                    master,
                ],
                tmp,
                "worker",
            )
        )
        registered = b"Successfully registered with master"
        until(lambda: registered in (tmp / "worker.log").read_bytes(), "the worker", procs)
        yield master
    finally:
        stop(procs)


def seaudit(*args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SEAUDIT_SPARK_DRIVER_MEMORY": "512m"}
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args], env=env, capture_output=True, timeout=600
    )


def same_as_duckdb(store: Path, master: str) -> None:
    """A query (every record, in log order, as JSON lines) and a report, on ``master`` and
    on DuckDB: the same bytes."""
    for args in (
        ["--store", str(store), "-a", "--to", "jsonl"],
        ["report", "summary", "--store", str(store), "-a"],
    ):
        duck = seaudit(*args)
        assert duck.returncode == 0, duck.stderr
        remote = seaudit(*args, "--engine", "spark", "--spark-master", master)
        assert remote.returncode == 0, remote.stderr[-3000:]
        assert remote.stdout == duck.stdout, args
    assert b"2024-03-04" in duck.stdout  # the report's days: each file's day, read by path


def test_spark_connect_answers_as_duckdb(store: Path, connect_server: str) -> None:
    same_as_duckdb(store, connect_server)


def test_a_standalone_cluster_answers_as_duckdb(store: Path, standalone: str) -> None:
    same_as_duckdb(store, standalone)
