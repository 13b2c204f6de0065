"""Log benchmark: import into an empty store, verify, peak memory, each against a baseline
measured in the same run.

    PYTHONPATH=src python bench/bench_log.py --records 10000000   # the issue's size
    PYTHONPATH=src python bench/bench_log.py --records 1000000    # what a 2-core box does quickly

The input is ``bench_store.generate``'s seaudit text (the store bench's corpus, cached under
bench/out/ and shared with it). What is compared:

- ``seaudit import`` into an empty store, end to end (a process under ``/usr/bin/time``:
  wall and peak RSS), as MB/s of its input, against ``ausearch --format csv`` over a Linux
  audit log of the same byte size (``bench_store.linux_audit``) as MB/s of its input: the
  issue's comparison, two tools each reading its own log format of the same size;
- the import again in this process, stage by stage and without the parse-ahead thread:
  parse (the bulk parser), prepare (keys, payloads, Parquet rows), log append (framing,
  chaining, writing), Parquet write; "given parsed batches" is the import less its parse,
  which predicts the import once the parser gets faster;
- ``seaudit verify`` of the imported store (log chain and Parquet against the manifest),
  end to end, and ``verify_log`` alone in this process, as records/s, against ``sha256sum``
  over the same log files (one hash pass over the same bytes: what a block chain cannot beat).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(ROOT / "bench"))

from bench_store import LAST_DAY, ausearch_rate, generate, row, timed  # noqa: E402

Targets = list[tuple[str, bool, str]]


def corpus(n: int) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    text = OUT / f"seaudit-{n}.txt"
    if not text.exists():
        t0 = time.perf_counter()
        generate(text, n)
        print(f"generated {text} in {time.perf_counter() - t0:.1f} s")
    return text


def import_end_to_end(text: Path, store: Path, n: int, env: dict[str, str]) -> tuple[float, int]:
    shutil.rmtree(store, ignore_errors=True)
    wall, peak, _ = timed(
        [sys.executable, "-m", "seaudit", "import", "--store", str(store), str(text)], env
    )
    size = text.stat().st_size
    row(
        "seaudit import (empty store)",
        wall,
        peak,
        f"{n / wall / 1e3:.0f} k lines/s, {size / wall / 1e6:.1f} MB/s",
    )
    return wall, peak


def stages(text: Path, store: Path) -> dict[str, float]:
    """The import of ``text`` into an empty ``store``, each stage timed on its own."""
    from seaudit.log import AuditLog
    from seaudit.store import Store
    from seaudit.store.bulkimport import (
        IMPORT_BATCH_BYTES,
        LineCounter,
        Tally,
        _commit,
        _prepare,
        _Spans,
    )
    from seaudit.store.keys import KeyLookup
    from seaudit.text.badinput import BadInput, checked_batches
    from seaudit.text.bulk import parse_batches

    shutil.rmtree(store, ignore_errors=True)
    spent = dict.fromkeys(("parse", "prepare", "log append", "Parquet write"), 0.0)
    st = Store(store)
    with open(text, "rb") as raw, st.open_log() as log:
        assert isinstance(log, AuditLog)
        st._suspend_hook = True  # as ``seaudit import``: it writes Parquet itself
        counter = LineCounter(raw)
        tally = Tally()
        spans = _Spans(counter, tally)
        lookup = KeyLookup(st, None)
        bad = BadInput(emit=lambda message: None)
        bad.start()
        batches = iter(
            checked_batches(
                parse_batches(counter, source=str(text), batch_bytes=IMPORT_BATCH_BYTES),  # type: ignore[arg-type]
                bad,
            )
        )
        append = log.append_payloads
        timed_append: list[float] = []

        def append_timed(payloads: list[bytes]) -> int:
            t = time.perf_counter()
            try:
                return append(payloads)
            finally:
                timed_append.append(time.perf_counter() - t)

        log.append_payloads = append_timed  # type: ignore[method-assign]
        while True:
            t = time.perf_counter()
            batch = next(batches, None)
            spent["parse"] += time.perf_counter() - t
            if batch is None:
                break
            t = time.perf_counter()
            prep = _prepare(lookup, batch.frame, batch.rejects, batch.extra, str(text), None)
            spent["prepare"] += time.perf_counter() - t
            t = time.perf_counter()
            _commit(st, log, prep, tally, spans)
            spent["Parquet write"] += time.perf_counter() - t
        t = time.perf_counter()
        st.flush()
        spent["Parquet write"] += time.perf_counter() - t
        lookup.close()
    spent["log append"] = sum(timed_append)
    spent["Parquet write"] -= spent["log append"]
    return spent


def log_bytes(store: Path) -> tuple[list[Path], int]:
    from seaudit.log import LogConfig, log_files

    files = log_files(LogConfig.load(store / "seos.ini"))
    return files, sum(p.stat().st_size for p in files)


def best(n: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(n))


def designs(store: Path, n: int) -> None:
    """Framing and chaining the store's payloads, and checking them again, as format 3 does
    (a block of up to 8192 records, one link each) and as format 2 did (a frame and a chain
    hash per record, the layout ``frame.encode_frame`` and ``Chain.link`` still read)."""
    from seaudit.log.chain import Chain
    from seaudit.log.frame import BLOCK_RECORDS, ZERO_HASH, Scan, encode_frame
    from seaudit.log.writer import _block

    files, _ = log_bytes(store)
    payloads: list[bytes] = []
    for path in files:
        for block in Scan(path.read_bytes()):
            payloads.extend(block.payloads())
    del payloads[1_000_000:]
    count = len(payloads)
    chain = Chain()

    def v3() -> float:
        t = time.perf_counter()
        i, seq, prev = 0, 0, ZERO_HASH
        while i < count:
            _, took, seq, prev, _ = _block(chain, payloads, i, seq, prev, 1 << 40, True)
            i += took
        return time.perf_counter() - t

    def v2() -> float:
        t = time.perf_counter()
        prev = ZERO_HASH
        for seq, payload in enumerate(payloads, 1):
            prev = chain.link(prev, seq, payload)
            encode_frame(seq, payload, prev)
        return time.perf_counter() - t

    def v3_check() -> float:
        bodies = []
        for at in range(0, count, BLOCK_RECORDS):
            bodies.append(_block(chain, payloads, at, at, ZERO_HASH, 1 << 40, True)[0])
        t = time.perf_counter()
        for body in bodies:
            chain.block_link(ZERO_HASH, memoryview(body)[:-36])
        return time.perf_counter() - t

    def v2_check() -> float:
        t = time.perf_counter()
        prev = ZERO_HASH
        for seq, payload in enumerate(payloads, 1):
            prev = chain.link(prev, seq, payload)
        return time.perf_counter() - t

    print(f"\nlog designs over {count} payloads of this corpus, in this process (best of 3)")
    for name, run in (
        ("frame and chain: format 3 blocks", v3),
        ("frame and chain: format 2 frames (baseline)", v2),
        ("check the chain: format 3, a hash per block", v3_check),
        ("check the chain: format 2, a hash per record", v2_check),
    ):
        secs = best(3, run)
        print(f"  {name:<44} {secs * 1000:>10.0f} ms  {count / secs / 1e6:.2f} M records/s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--no-stages", action="store_true", help="skip the in-process stage profile")
    args = ap.parse_args()
    n = args.records
    text = corpus(n)
    size = text.stat().st_size
    env = {**os.environ, "PYTHONPATH": str(SRC), "SEAUDIT_NOW": LAST_DAY.strftime("%Y-%m-%dT12:00")}
    store = OUT / f"log-store-{n}"
    load = os.getloadavg()
    print(
        f"\n{n} records, {size / 1e6:.1f} MB of seaudit text; {os.cpu_count()} cores; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    targets: Targets = []

    print("\nimport (wall, peak RSS, throughput)")
    wall, peak = import_end_to_end(text, store, n, env)
    rate = size / wall / 1e6
    baseline = ausearch_rate(size)
    if baseline:
        ratio = rate / baseline
        targets.append(
            (
                "import >= 5x ausearch --format csv MB/s",
                ratio >= 5,
                f"{ratio:.2f}x ({rate:.1f} vs {baseline:.1f} MB/s)",
            )
        )
    targets.append(
        ("import >= 600 k lines/s", n / wall >= 600e3, f"{n / wall / 1e3:.0f} k lines/s")
    )
    targets.append(("peak memory of import < 1 GB", peak < 1024 * 1024, f"{peak / 1024:.0f} MB"))

    if not args.no_stages:
        print("\nimport stage by stage, in this process, no parse-ahead thread (seconds)")
        spent = stages(text, OUT / f"log-stages-{n}")
        total = sum(spent.values())
        for name, secs in spent.items():
            print(
                f"  {name:<44} {secs:>8.2f} s  {secs / total * 100:>5.1f} %  "
                f"{n / secs / 1e3:>8.0f} k records/s"
            )
        given = total - spent["parse"]
        print(f"  {'all stages':<44} {total:>8.2f} s  {n / total / 1e3:.0f} k lines/s")
        print(
            f"  {'given parsed batches (all less parse)':<44} {given:>8.2f} s  "
            f"{n / given / 1e3:.0f} k lines/s, {size / given / 1e6:.1f} MB/s"
        )
        shutil.rmtree(OUT / f"log-stages-{n}", ignore_errors=True)

    designs(store, n)

    print("\nverify (wall, peak RSS, throughput; best of 3)")
    files, nbytes = log_bytes(store)
    sha = min((timed(["sha256sum", *map(str, files)]) for _ in range(3)), key=lambda r: r[0])
    row(
        "sha256sum of the log files (baseline)",
        sha[0],
        sha[1],
        f"{n / sha[0] / 1e6:.2f} M records/s, {nbytes / sha[0] / 1e6:.0f} MB/s",
    )
    cli = min(
        (
            timed([sys.executable, "-m", "seaudit", "verify", "--store", str(store)], env)
            for _ in range(3)
        ),
        key=lambda r: r[0],
    )
    row(
        "seaudit verify --store (log and Parquet)",
        cli[0],
        cli[1],
        f"{n / cli[0] / 1e6:.2f} M records/s",
    )
    from seaudit.log import LogConfig, verify_log

    cfg = LogConfig.load(store / "seos.ini")

    def once() -> float:
        t = time.perf_counter()
        report = verify_log(cfg)
        assert report.ok and report.records_checked == n, report
        return time.perf_counter() - t

    inproc = best(3, once)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"  {'verify_log in process':<44} {inproc * 1000:>10.0f} ms {rss / 1024:>8.0f} MB  "
        f"{n / inproc / 1e6:.2f} M records/s ({inproc / sha[0]:.2f}x sha256sum's time)"
    )
    targets.append(
        (
            "seaudit verify >= 2 M records/s (end to end)",
            n / cli[0] >= 2e6,
            f"{n / cli[0] / 1e6:.2f} M records/s",
        )
    )
    targets.append(
        (
            "verify_log >= 2 M records/s (in process)",
            n / inproc >= 2e6,
            f"{n / inproc / 1e6:.2f} M records/s",
        )
    )

    print(f"\ntargets (load average now {os.getloadavg()[0]:.1f})")
    for name, met, figure in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {name:<48} {figure}")
    subprocess.run(["uptime"], check=False)


if __name__ == "__main__":
    main()
