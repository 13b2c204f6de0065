"""Where routing spends its time: each end under cProfile, one after the other, over TLS.

    PYTHONPATH=src python bench/profile_route.py [--records N] [--top K]

An endpoint log of N records (made once into ``bench/out/route/``, as ``bench_route``'s
first endpoint) is routed by
``seaudit route --once`` into a fresh JetStream stream, then drained by ``seaudit collect
--until-idle``; each runs in its own process under ``python -m cProfile`` and the K
functions with the most time of their own are printed, with each end's records/s (the
profiles stay in that folder, ``route.prof`` and ``collect.prof``, for ``pstats``).
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_route import copied_endpoint, start_tls_nats  # noqa: E402

OUT = ROOT / "bench" / "out" / "route-profile"


def profiled(name: str, *args: str) -> float:
    """Run ``seaudit ARGS`` under cProfile; returns its wall time."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(OUT / f"{name}.prof"), "-m", "seaudit", *args],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{name} failed: {done.stderr[-2000:]}")
    return elapsed


def show(name: str, top: int) -> None:
    stats = pstats.Stats(str(OUT / f"{name}.prof"))
    print(f"\n--- {name}: top {top} by own time ---")
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        server, certificates = start_tls_nats(work)
        try:
            pem = certificates
            tls = f"ca={pem / 'ca.pem'}&cert={pem / 'client.pem'}&key={pem / 'client.key'}"
            url = server.stream_url("prof", tls)
            ini = copied_endpoint(work / "ep0", "ep0", args.records, url)
            routed = profiled("route", "route", "--config", str(ini), "--once")
            collected = profiled(
                "collect",
                "collect",
                "--store",
                str(work / "central"),
                "--from",
                url,
                "--ca",
                str(pem / "ca.pem"),
                "--cert",
                str(pem / "client.pem"),
                "--key",
                str(pem / "client.key"),
                "--until-idle",
                "1",
            )
        finally:
            server.kill()
        show("route", args.top)
        show("collect", args.top)
        print(
            f"route --once: {args.records:,} records in {routed:.2f} s "
            f"({args.records / routed:,.0f}/s, with start-up)\n"
            f"collect: {args.records:,} records in {collected:.2f} s including 1 s idle "
            f"({args.records / max(collected - 1, 1e-9):,.0f}/s without it)"
        )


if __name__ == "__main__":
    main()
