"""Append throughput of the audit log through the Python API, for each flush policy, with the
peak memory of each case; a same-run baseline appends the same JSON as plain JSONL lines.

    PYTHONPATH=src python bench/bench_append.py [--records N] [--dir DIR]

Each case runs in its own process so its peak RSS (ru_maxrss) is its own. Durable cases
(fsync per record) use fewer records: they measure the disk, not the code.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [
    # name, flush, batch size, records divisor
    ("baseline: JSONL write() per record, no fsync", "jsonl", 1, 1),
    ("baseline: JSONL write()+fdatasync per record", "jsonl-sync", 1, 50),
    ("log flush=record (fdatasync per append)", "record", 1, 50),
    ("log flush=every:1000, append()", "every:1000", 1, 1),
    ("log flush=ms:100, append()", "ms:100", 1, 1),
    ("log flush=every:1000, append_batch(1000)", "every:1000", 1000, 1),
    ("log flush=record, append_batch(1000)", "record", 1000, 1),
]


def records(n: int) -> list[object]:
    from seaudit.schema.record import AuditRecord, Origin

    out = []
    for i in range(n):
        out.append(
            AuditRecord(
                event="resource_access",
                timestamp=f"2026-02-06T14:{i // 60 % 60:02d}:{i % 60:02d}",
                status="DP"[i % 2],
                class_="FILE",
                user=f"user{i % 97}",
                access="READ",
                resource=f"/srv/data/project{i % 13}/file{i}.txt",
                program="/usr/bin/cat",
                terminal="pts/3",
                stage=69,
                reason=2,
                origin=Origin("seaudit.txt", i + 1, node="host-a"),
            )
        )
    return out


def run_case(flush: str, batch: int, n: int, folder: Path) -> dict[str, float]:
    from seaudit.log import AuditLog, LogConfig, read_log, verify_log
    from seaudit.log.payload import encode_record

    pool = records(1000)  # cycled: memory is the log's, not the test data's
    start = time.perf_counter()
    if flush.startswith("jsonl"):
        sync = flush == "jsonl-sync"
        with open(folder / "plain.jsonl", "ab") as handle:
            fd = handle.fileno()
            for i in range(n):
                os.write(fd, encode_record(pool[i % 1000]) + b"\n")  # type: ignore[arg-type]
                if sync:
                    os.fdatasync(fd)
        return {"append_s": time.perf_counter() - start, "n": n, "rss_append": _rss()}
    cfg = LogConfig(
        audit_log=folder / "seos.audit",
        audit_size=10240,
        backup_date="yes",
        audit_max_files=0,
        flush=flush,
    )
    with AuditLog(cfg) as log:
        if batch == 1:
            for i in range(n):
                log.append(pool[i % 1000])  # type: ignore[arg-type]
        else:
            for i in range(0, n, batch):
                log.append_batch(pool[: min(batch, n - i)])  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    rss_append = _rss()
    t = time.perf_counter()
    count = sum(1 for _ in read_log(cfg))
    read_s = time.perf_counter() - t
    rss_read = _rss()
    t = time.perf_counter()
    report = verify_log(cfg)
    verify_s = time.perf_counter() - t
    rss_verify = _rss()
    assert count == n and report.ok and report.records_checked == n
    size = sum(p.stat().st_size for p in folder.iterdir() if p.name.startswith("seos.audit"))
    return {
        "append_s": elapsed,
        "n": n,
        "read_s": read_s,
        "verify_s": verify_s,
        "bytes": size,
        "rss_append": rss_append,
        "rss_read": rss_read,
        "rss_verify": rss_verify,
    }


def _rss() -> float:
    """Peak resident memory of this process so far, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--dir", default=None, help="where the logs go (default: a temp dir)")
    parser.add_argument("--case", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case is not None:
        _, flush, batch, div = CASES[args.case]
        with tempfile.TemporaryDirectory(dir=args.dir) as folder:
            out = run_case(flush, batch, max(1, args.records // div), Path(folder))
        print(json.dumps(out))
        return
    print(
        f"append benchmark: {args.records} records (fsync-per-record cases: "
        f"{args.records // 50}), python {sys.version.split()[0]}, dir {args.dir or 'tmp'}"
    )
    print(
        f"{'case':48} {'records/s':>10} {'MB/s':>6} {'read/s':>9} {'verify/s':>9} "
        f"{'peak MB after append/read/verify':>34}"
    )
    for i, (name, *_rest) in enumerate(CASES):
        cmd = [sys.executable, __file__, "--records", str(args.records), "--case", str(i)]
        if args.dir:
            cmd += ["--dir", args.dir]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"case {name!r} failed:\n{done.stderr}")
        r = json.loads(done.stdout)
        rate = r["n"] / r["append_s"]
        mbs = f"{r['bytes'] / r['append_s'] / 1e6:6.1f}" if "bytes" in r else "     -"
        read = f"{r['n'] / r['read_s']:9.0f}" if "read_s" in r else "        -"
        ver = f"{r['n'] / r['verify_s']:9.0f}" if "verify_s" in r else "        -"
        peaks = " / ".join(
            f"{r[k]:.0f}" for k in ("rss_append", "rss_read", "rss_verify") if k in r
        )
        print(f"{name:48} {rate:10.0f} {mbs} {read} {ver} {peaks:>34}")


if __name__ == "__main__":
    main()
