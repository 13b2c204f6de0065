"""Records per second into cef, leef and syslog, with stdlib json as the same-run baseline,
and forwarding to a local rsyslogd over TCP (and UDP).

    PYTHONPATH=src python bench/bench_forward.py [--records N] [--no-rsyslog]

Records come from parsing the spec's seed pages (``../shared/spec/seeds``, or ``SEEDS_DIR``)
and are repeated up to N. rsyslogd is started on loopback with the test harness's config
(tests/route/rsyslogd.py); the forwarding figure is records handed to TCP per second, and
"delivered" waits until rsyslogd has written every one of them.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import itertools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from seaudit.export import get_format
from seaudit.export.cef import CefOptions
from seaudit.export.cef import format_record as cef_line
from seaudit.export.leef import LeefOptions
from seaudit.export.leef import format_record as leef_line
from seaudit.export.syslog import SyslogOptions, format_message
from seaudit.route import forward
from seaudit.schema.record import AuditRecord
from seaudit.text.reader import read_file, records_only

ROOT = Path(__file__).resolve().parents[1]


def seed_records() -> list[AuditRecord]:
    candidates = [Path(os.environ["SEEDS_DIR"])] if "SEEDS_DIR" in os.environ else []
    candidates += [base / "shared/spec/seeds" for base in ROOT.parents]
    directory = next((c for c in candidates if c.is_dir()), candidates[0])
    records: list[AuditRecord] = []
    for path in sorted(directory.glob("*.txt")):
        records.extend(records_only(read_file(str(path))))
    if not records:
        sys.exit(f"no seed records found in {directory}")
    return records


def rate(label: str, count: int, work: Callable[[], object], baseline: float | None) -> float:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    per_second = count / elapsed
    versus = f"  ({per_second / baseline:.2f}x json)" if baseline else ""
    print(f"{label:<34} {per_second:>12,.0f} records/s{versus}")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--no-rsyslog", action="store_true")
    args = parser.parse_args()
    seeds = seed_records()
    records = list(itertools.islice(itertools.cycle(seeds), args.records))
    n = len(records)
    print(f"{n} records ({len(seeds)} distinct, parsed from the seed pages)\n")

    base = rate(
        "json.dumps(to_dict()) [baseline]",
        n,
        lambda: [json.dumps(r.to_dict()) for r in records],
        None,
    )
    cef_opts, leef_opts = CefOptions.of({}), LeefOptions.of({})
    syslog_opts = SyslogOptions.of({})
    rate("cef  format_record", n, lambda: [cef_line(r, cef_opts) for r in records], base)
    rate("leef format_record", n, lambda: [leef_line(r, leef_opts) for r in records], base)
    rate(
        "syslog format_message (inner short)",
        n,
        lambda: [format_message(r, syslog_opts) for r in records],
        base,
    )
    for inner in ("cef", "json"):
        opts = SyslogOptions.of({"inner": inner})
        rate(
            f"syslog format_message (inner {inner})",
            n,
            lambda o=opts: [format_message(r, o) for r in records],
            base,
        )
    for name in ("jsonl", "cef", "leef", "syslog"):
        rate(
            f"writer {name} -> BytesIO",
            n,
            lambda f=name: get_format(f).write(records, io.BytesIO()),
            base,
        )

    if args.no_rsyslog:
        return
    spec = importlib.util.spec_from_file_location("rsyslogd", ROOT / "tests/route/rsyslogd.py")
    assert spec is not None and spec.loader is not None
    harness = importlib.util.module_from_spec(spec)
    sys.modules["rsyslogd"] = harness
    spec.loader.exec_module(harness)
    if harness.RSYSLOGD is None:
        print("\nrsyslogd not installed: no forwarding figures")
        return
    print()
    with tempfile.TemporaryDirectory() as directory:
        receiver = harness.Rsyslog(Path(directory))
        receiver.start()
        try:
            for kind in ("tcp", "tls", "udp"):
                receiver.clear()
                options = {"ca": receiver.ca} if kind == "tls" else {}
                started = time.perf_counter()
                result = forward(records, receiver.url(kind), **options)
                sent_at = time.perf_counter() - started
                arrived = _wait_lines(Path(directory) / "raw.log", result.sent)
                delivered = time.perf_counter() - started
                if arrived < result.sent:
                    delivered -= 2.0  # the quiet wait that saw no more
                print(
                    f"forward {kind:<4} to rsyslogd: {n / sent_at:>10,.0f} records/s sent, "
                    f"{arrived / delivered:>10,.0f} records/s delivered "
                    f"({result.sent} sent, {result.failed} failed, {arrived} written)"
                )
        finally:
            receiver.stop()


def _wait_lines(path: Path, expected: int, quiet: float = 2.0) -> int:
    """Lines rsyslogd has written, once all arrived or none came for ``quiet`` seconds (UDP
    drops datagrams under load: those never come)."""
    count, last_change = 0, time.monotonic()
    while time.monotonic() - last_change < quiet:
        now = path.read_bytes().count(b"\n") if path.exists() else 0
        if now >= expected:
            return now
        if now != count:
            count, last_change = now, time.monotonic()
        time.sleep(0.02)
    return count


if __name__ == "__main__":
    main()
