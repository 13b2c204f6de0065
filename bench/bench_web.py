"""Web viewer and report benchmark: the first page of several filters and every report, timed
server-side (the ``Server-Timing`` header of a real ``seaudit serve`` on loopback), with the
equivalent ``seaudit`` command in the same run as the baseline.

    PYTHONPATH=src python bench/bench_web.py --records 10000000   # the issue's size
    PYTHONPATH=src python bench/bench_web.py --records 1000000    # quick

The store is generated (``bench_store.generate``: a million records over 30 days, repeated
to the size asked) and imported with ``seaudit import`` once, then reused from
``bench/out/web-store-N``. Each figure is the best of ``--repeat`` runs.
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
#: records generated; a larger store repeats them (generating 10 M takes most of an hour on a
#: busy 2-core box, repeating a million takes seconds; the import keeps every copy, as each
#: line number differs)
BASE = 1_000_000
TIMING = re.compile(r"app;dur=([\d.]+)")


def ensure_store(records: int) -> Path:
    import bench_store

    store = OUT / f"web-store-{records}"
    if (store / "parquet" / "_watermark").exists():
        return store
    OUT.mkdir(parents=True, exist_ok=True)
    text = OUT / f"web-{records}.txt"
    if not text.exists():
        base = min(records, BASE)
        seed = OUT / f"web-{base}.txt"
        if not seed.exists():
            print(f"generating {base} records ...", flush=True)
            bench_store.generate(seed, base)
        if base < records:  # the same month again: distinct records (other line numbers)
            print(f"repeating them to {records} records ...", flush=True)
            with open(text, "wb") as out:
                for _ in range(records // base):
                    out.write(seed.read_bytes())
    print("importing ...", flush=True)
    seaudit("import", "--store", str(store), "--node", "web01", str(text))
    return store


def seaudit(*args: str) -> float:
    """Wall time of one ``seaudit`` process (its output discarded)."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
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
    print(f"store: {store} ({args.records} records)\n")

    from seaudit.report import REPORTS

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
