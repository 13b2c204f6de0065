"""Where a command-line query's time goes before and after its first row: each phase of
``seaudit --store S OPTIONS`` timed inside one fresh process (the same steps ``cli.query.run``
takes for the default ``short`` output), the median of ``--repeat`` processes, beside the
floor of ``python -c pass`` measured in the same run.

    PYTHONPATH=src python bench/bench_phases.py --records 10000000

Phases: interpreter start (the floor), importing the CLI and the query verb, the filter,
the store's settings, importing DuckDB, starting a DuckDB database, the snapshot (manifest
read and Bloom pruning, files opened), the first batch of lines (SQL bound, planned and the
first rows read) and the rest of the output. The store is ``bench_store``'s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

#: one process: each phase's end time since the process began (perf_counter at exec)
PROBE = r"""
import time, json, sys
marks = {}
def mark(name):
    marks[name] = time.perf_counter()
mark("start")
import seaudit.cli, seaudit.cli.query as verb
import argparse
mark("import CLI and verb")
parser = argparse.ArgumentParser()
verb.add_arguments(parser)
args = parser.parse_intermixed_args(sys.argv[1:])
from seaudit.query.spec import filter_from_args
from seaudit.store import Store
from seaudit.store.location import resolve_root
flt = filter_from_args(args, verb.clock)
mark("filter")
store = Store(resolve_root(args.store))
mark("store settings")
import duckdb
mark("import DuckDB")
store._connect()
mark("start DuckDB")
from seaudit.store.prune import scope_of
snap = store.snapshot(scope_of(flt.expr))
snap.close()
mark("snapshot (manifest, Bloom, open)")
chunks = store.select_lines(flt, sessionid=bool(args.sessionid))
out = sys.stdout.buffer
first = next(chunks, b"")
mark("first batch of lines")
out.write(first)
for chunk in chunks:
    out.write(chunk)
out.flush()
mark("the rest of the output")
base = marks["start"]
sys.stderr.write(json.dumps({k: v - base for k, v in marks.items()}) + "\n")
"""


def main() -> int:
    import bench_store

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    store = bench_store.ensure_store(args.records)
    env = bench_store.bench_env()
    bench_store.compile_sources()
    floor = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
        floor.append(time.perf_counter() - t0)
    print(f"{args.records} records; python -c pass: {statistics.median(floor) * 1000:.0f} ms")
    queries = {
        "one session": ["--session", bench_store.SESSION],
        "denied records of user007 today": [
            *("--status", "D", "--user", "user007", "--since", "today"),
            *("--until", bench_store.TOMORROW),
        ],
        "a user no file holds": ["--user", "nobody-at-all"],
        "logins on terminal tty3": ["-l", "*", "tty3"],
    }
    for name, options in queries.items():
        runs: list[dict[str, float]] = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", PROBE, "--store", str(store), *options],
                env=env,
                capture_output=True,
                check=True,
            )
            wall = time.perf_counter() - t0
            phases = json.loads(done.stderr.decode().strip().splitlines()[-1])
            phases["interpreter start and exit"] = wall
            runs.append(phases)
        print(f"\n{name} ({len(done.stdout.splitlines())} lines): phase, median ms (cumulative)")
        previous = 0.0
        for phase in runs[0]:
            if phase == "start":
                continue
            at = statistics.median(r[phase] for r in runs)
            print(f"  {phase:<36} {(at - previous) * 1000:>8.1f}   ({at * 1000:.0f})")
            previous = at
    one, five, fifteen = os.getloadavg()
    print(f"\nload average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
