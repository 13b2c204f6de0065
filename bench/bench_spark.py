"""Spark beside DuckDB on the same store: the five bench queries of ``bench_store.py`` and two
reports, DuckDB (the baseline) and Spark ``local[2]`` in the same run, Spark's start-up
measured apart.

    PYTHONPATH=src python bench/bench_spark.py --records 10000000   # the issue's size
    PYTHONPATH=src python bench/bench_spark.py --records 1000000    # quicker

The text is ``bench_store.py``'s seeded generator (cached under bench/out/), imported once
with ``seaudit import`` into bench/out/store-N (reused when there). Each figure is the best
of ``--repeat`` warm runs inside one process (no process start): records are rendered as
the short format (DuckDB: column-wise, as the CLI does; Spark: each record fetched and
rendered), counts and stats as ``--count``/``--stats`` give them, reports computed whole.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_store import LAST_DAY, OUT, SESSION, TOMORROW, generate  # noqa: E402

#: (name, query options as on the command line), as bench_store.py's five queries
QUERIES: tuple[tuple[str, list[str]], ...] = (
    (
        "denied records of user007 today",
        ["--status", "D", "--user", "user007", "--since", "today", "--until", TOMORROW],
    ),
    ("count by user and status (--stats)", ["--stats"]),
    ("logins on terminal tty3", ["-l", "*", "tty3"]),
    ("resource mask /etc/*", ["-r", "FILE", "/etc/*", "*"]),
    ("one session", ["--session", SESSION]),
)
REPORTS = ("summary", "denials")


def best(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    """The fastest of ``repeat`` runs (seconds) and its result."""
    results = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = run()
        results.append((time.perf_counter() - t0, out))
    return min(results, key=lambda r: r[0])


def load() -> str:
    return os.getloadavg().__repr__()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()
    os.environ.setdefault("SEAUDIT_NOW", LAST_DAY.strftime("%Y-%m-%dT12:00"))
    OUT.mkdir(parents=True, exist_ok=True)
    n = args.records
    text = OUT / f"seaudit-{n}.txt"
    if not text.exists():
        t0 = time.perf_counter()
        generate(text, n)
        print(f"generated {text} in {time.perf_counter() - t0:.1f} s", flush=True)
    root = OUT / f"store-{n}"
    if not (root / "seos.ini").exists():
        t0 = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        cmd = [sys.executable, "-m", "seaudit", "import", "--store", str(root), str(text)]
        subprocess.run(cmd, check=True, env=env, capture_output=True)
        print(f"imported {n} records in {time.perf_counter() - t0:.1f} s", flush=True)

    import argparse as ap2

    from seaudit.cli import query as query_cli
    from seaudit.query.spec import filter_from_args
    from seaudit.report import run_report
    from seaudit.spark import relation
    from seaudit.spark.engine import SparkEngine
    from seaudit.spark.session import session
    from seaudit.store import Store
    from seaudit.text.short import MISSING, render_short

    store = Store(root)
    files = len(store.snapshot().entries)
    print(f"\n{n} records, {files} Parquet files; load average at start {load()}")
    t0 = time.perf_counter()
    spark = session(args.master)
    spark.range(1).count()
    print(
        f"Spark start-up ({args.master}, session and a first job): "
        f"{(time.perf_counter() - t0) * 1000:.0f} ms\n",
        flush=True,
    )
    engine = SparkEngine(spark, [store])

    def parsed(opts: list[str]) -> object:
        parser = ap2.ArgumentParser()
        query_cli.add_arguments(parser)
        return filter_from_args(parser.parse_args(opts), query_cli.clock)

    print(f"  {'':<40} {'DuckDB ms':>10} {'Spark ms':>10} {'Spark/DuckDB':>13}  rows")
    for name, opts in QUERIES:
        flt = parsed(opts)
        if opts == ["--stats"]:
            d, dres = best(args.repeat, lambda f=flt: store.stats(f).total)
            s, sres = best(args.repeat, lambda f=flt: engine.stats(f).total)
        else:

            def duck(f: object = flt) -> int:
                return sum(bytes(c).count(b"\n") for c in store.select_lines(f))  # type: ignore[arg-type]

            def spk(f: object = flt) -> int:
                return sum(
                    1
                    for r in engine.select(f)
                    if render_short(r, missing=MISSING)  # type: ignore[arg-type]
                )

            d, dres = best(args.repeat, duck)
            s, sres = best(args.repeat, spk)
        assert dres == sres, (name, dres, sres)
        print(
            f"  {name:<40} {d * 1000:>10.0f} {s * 1000:>10.0f} {s / d:>12.1f}x  {dres}", flush=True
        )
    for name in REPORTS:
        flt = parsed([])
        d, dres = best(args.repeat, lambda nm=name, f=flt: run_report(store, nm, f).tables)
        s, sres = best(
            args.repeat,
            lambda nm=name, f=flt: (
                run_report(store, nm, f, source=lambda g: relation.select(spark, [store], g)).tables
            ),
        )
        assert dres == sres, name
        print(
            f"  {'report ' + name:<40} {d * 1000:>10.0f} {s * 1000:>10.0f} {s / d:>12.1f}x",
            flush=True,
        )
    print(f"\nload average at end {load()}")


if __name__ == "__main__":
    main()
