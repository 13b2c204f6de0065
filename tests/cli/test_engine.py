"""``--engine``, ``--spark-master`` and repeated ``--store`` from the command line: Spark
gives DuckDB's bytes (one store after the other), reports the same text; what cannot be
done is said plainly (exit 2), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.damage import cli, feed


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    roots = []
    for i in range(2):
        root = tmp_path_factory.mktemp(f"store{i}")
        text = feed(root.parent / f"in{i}.txt", 120, i * 120)
        done = cli("import", "--store", str(root), str(text))
        assert done.returncode == 0, done.stderr
        roots.append(root)
    return roots


@pytest.mark.xdist_group("spark")
def test_spark_over_two_stores_prints_duckdb_s_bytes(two: list[Path]) -> None:
    where = ["--status", "D", "--to", "jsonl"]
    want = "".join(cli("--store", str(root), *where).stdout for root in two)
    stores = [arg for root in two for arg in ("--store", str(root))]
    done = cli(*stores, *where, "--engine", "spark", "--spark-master", "local[1]", timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout == want and want.count("\n") == 120
    assert "Traceback" not in done.stderr


@pytest.mark.xdist_group("spark")
def test_a_report_on_spark_prints_duckdb_s_text(two: list[Path]) -> None:
    want = cli("report", "denials", "--store", str(two[0]))
    spark = ("--engine", "spark", "--spark-master", "local[1]")
    done = cli("report", "denials", "--store", str(two[0]), *spark, timeout=600)
    assert done.returncode == want.returncode == 0, done.stderr
    assert done.stdout == want.stdout and "Top users" in done.stdout


def test_several_stores_need_spark(two: list[Path]) -> None:
    stores = [arg for root in two for arg in ("--store", str(root))]
    for verb in (["--count"], ["report", "summary"]):
        done = cli(*verb, *stores)
        assert done.returncode == 2
        assert "2 stores given: DuckDB reads one store" in done.stderr
        assert "--engine spark" in done.stderr and "Traceback" not in done.stderr


def test_engine_errors_are_plain(two: list[Path], tmp_path: Path) -> None:
    done = cli("--store", str(two[0]), "--engine", "spark", "--spark-master", "sc://127.0.0.1:1")
    assert done.returncode == 2 and "EngineError: cannot start Spark" in done.stderr
    done = cli("--store", str(two[0]), "--engine", "oracle")
    assert done.returncode == 2 and "invalid choice: 'oracle'" in done.stderr
    done = cli("--store", str(tmp_path / "none"), "--engine", "spark")
    assert done.returncode == 2 and "no store at" in done.stderr
