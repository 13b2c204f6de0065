"""Web viewer and report benchmark: the first page of several filters and every report, timed
server-side (the ``Server-Timing`` header of a real ``seaudit serve`` on loopback), with the
equivalent ``seaudit`` command in the same run as the baseline.

    PYTHONPATH=src python bench/bench_web.py --records 10000000   # the issue's size
    PYTHONPATH=src python bench/bench_web.py --records 1000000    # quick

The store is ``bench_store``'s (its corpus: ``corpus``, one node's month of short sessions
with Zipf-like names), imported once into ``bench/out/store-N`` and reused. Each figure
is the best of ``--repeat`` runs.
Targets (the issue): first page of any filter < 150 ms server-side; ``summary`` < 1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

#: name -> (query-string pairs, the same filter as seaudit options)
FILTERS: dict[str, tuple[list[tuple[str, str]], list[str]]] = {
    "everything": ([], []),
    "one user": ([("user", "user001")], ["--user", "user001"]),
    "denied /etc/shadow": (
        [("status", "D"), ("resource", "/etc/shadow")],
        ["--status", "D", "--resource", "/etc/shadow"],
    ),
    "last day": ([("since", "2024-05-30")], ["--since", "2024-05-30"]),
    "where stage": (
        [("where", "stage >= 400 and user ~ 'root'")],
        ["--where", "stage >= 400 and user ~ 'root'"],
    ),
    "rare (one session)": ([("session", "4922ae61:00000132")], ["--session", "4922ae61:00000132"]),
    "none match": ([("user", "nobody-at-all")], ["--user", "nobody-at-all"]),
}
PAGE = 50
TIMING = re.compile(r"app;dur=([\d.]+)")


def bench_env() -> dict[str, str]:
    import bench_store

    return bench_store.bench_env()


def ensure_store(records: int) -> Path:
    """The store bench_store imports from its corpus (``corpus``: see its docstring)."""
    import bench_store

    return bench_store.ensure_store(records)


def seaudit(*args: str) -> float:
    """Wall time of one ``seaudit`` process (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env=bench_env(),
    )
    return time.perf_counter() - start


def best(times: list[float]) -> str:
    return f"{min(times) * 1000:8.1f} ms"


def main() -> int:
    import httpx
    from tests.web.conftest import serving

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--with-integrity",
        action="store_true",
        help="also time the integrity report (it walks the whole log: minutes at 10 M)",
    )
    args = parser.parse_args()
    store = ensure_store(args.records)
    import bench_store

    bench_store.compile_sources()
    print(f"store: {store} ({args.records} records)\n")

    from seaudit.report import REPORTS

    targets: list[tuple[str, bool, str]] = []  # (target, met, figure)
    with serving(store) as base, httpx.Client(base_url=base, timeout=600) as client:

        def server_ms(url: str) -> list[float]:
            out = []
            for _ in range(args.repeat):
                response = client.get(url)
                response.raise_for_status()
                m = TIMING.search(response.headers["server-timing"])
                assert m is not None
                out.append(float(m[1]) / 1000)
            return out

        client.get("/")  # warm: the first request opens DuckDB
        print(
            "first page of a filter (server-side)        newest first    log order"
            "    | seaudit FILTER --limit 50 (process)"
        )
        for name, (pairs, options) in FILTERS.items():
            newest = server_ms("/?" + urlencode(pairs))
            log = server_ms("/?" + urlencode([*pairs, ("order", "log")]))
            cli = [
                seaudit("--store", str(store), *options, "--limit", str(PAGE))
                for _ in range(args.repeat)
            ]
            print(f"  {name:<40} {best(newest)}  {best(log)}  | {best(cli)}")
            worst = max(min(newest), min(log))
            targets.append(
                (f"first page, {name}: < 150 ms", worst < 0.15, f"{worst * 1000:.0f} ms")
            )
        print(
            "\nreport (server-side page)                   web page        | seaudit report NAME"
            " (process)   | in the library"
        )
        from seaudit.query import TRUE, Filter
        from seaudit.report import run_report
        from seaudit.store import Store

        lib_store = Store(store)
        for name in REPORTS:
            if name == "integrity" and not args.with_integrity:
                continue
            web = server_ms(f"/reports/{name}")
            cli = [seaudit("report", name, "--store", str(store)) for _ in range(args.repeat)]
            lib = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                run_report(lib_store, name, Filter(TRUE))
                lib.append(time.perf_counter() - start)
            print(f"  {name:<40} {best(web)}     | {best(cli)}              | {best(lib)}")
            if name == "summary":
                targets.append(
                    ("summary report: < 1 s", min(web) < 1.0, f"{min(web) * 1000:.0f} ms")
                )
    one, five, fifteen = os.getloadavg()
    print(f"\ntargets at {args.records} records; load average {one:.2f} {five:.2f} {fifteen:.2f}")
    for target, met, figure in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {target:<58} {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
