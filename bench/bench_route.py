"""Routing end to end on loopback with TLS: records/s from endpoint logs through NATS
JetStream into a collector's store, with one and with four routers; latency from ``append``
on an endpoint to visible on the collector; and, in the same run, ``seaudit forward`` over
syslog TCP to rsyslogd (the baseline: at most once, no acknowledgement, no store).

    PYTHONPATH=src python bench/bench_route.py [--records N] [--latency-seconds S]
        [--spread-dates] [--parts one,four,latency,syslog]

Every process is real: nats-server (TLS with client certificates, JetStream file store),
``seaudit route --once`` routers, a ``seaudit collect`` collector. Throughput is timed from
the routers' start to the moment the collector's node state says the last record is stored
(and so visible to a query: queries read the log's live tail); then the collector's log is
counted to check that nothing was lost or doubled. Latency: a router and a collector run as
daemons while this process appends records one by one (each in its own ``append``) at a
steady rate, and a reader follows the collector's store as a query does (``Store.tail``).

The endpoint stores are made once into ``bench/out/route/`` (``ep0-N`` ... per router and
size) and copied for each run; the syslog baseline forwards the records of ``ep0-N``. The
routers' start-up (about half a second of imports and TLS set-up) is inside the timing: at
100,000 records it is a fifth of the run, so a run of 1,000,000 shows the sustained rate.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from seaudit.log import LogConfig, read_log
from seaudit.route import forward
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.route.natsd import NatsServer, spawn  # noqa: E402
from tests.route.rsyslogd import RSYSLOGD, Rsyslog, make_certificates  # noqa: E402

from corpus import record as corpus_record  # noqa: E402

SPREAD_DATES = "--spread-dates" in sys.argv
CORPUS = ROOT / "bench" / "out" / ("route-spread" if SPREAD_DATES else "route")


def records(count: int, seed: int) -> list[AuditRecord]:
    """The corpus's mix of records, stamped as a live trail is (today, in order, a few a
    second): a route carries what is being logged, and the store partitions by day, so
    the corpus's random dates over four years would measure 1,000-odd Parquet files a
    segment rather than routing (``--spread-dates`` measures that case)."""
    rng = random.Random(seed)
    batch = [corpus_record(rng) for _ in range(count)]
    if SPREAD_DATES:
        return batch
    start = dt.datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return [
        dataclasses.replace(
            r, timestamp=(start + dt.timedelta(seconds=i // 2)).strftime("%Y-%m-%dT%H:%M:%S")
        )
        for i, r in enumerate(batch)
    ]


def endpoint(root: Path, node: str, batch: list[AuditRecord], nats_url: str) -> Path:
    store = Store(root)
    with store.open_log() as log:
        for i in range(0, len(batch), 20_000):
            log.append_batch(batch[i : i + 20_000])
    (root / "selogrd.cfg").write_text(f"rule\nhost {nats_url}\n.\n")
    ini = root / "seos.ini"
    ini.write_text(
        ini.read_text()
        + "\n[selogrd]\nRouteFile = selogrd.cfg\nInterval = 0.02\n"
        + "[ReportAgent]\nBatchSize = 20000\n"
    )
    return ini


def copied_endpoint(into: Path, node: str, count: int, url: str) -> Path:
    """A fresh copy (no checkpoints) of ``node``'s endpoint store of ``count`` records
    routing to ``url``; the store is made once into ``bench/out/route/`` (its records are
    today's by ``records``, as generated that day) and reused. Returns its seos.ini."""
    source = CORPUS / f"{node}-{count}"
    if not (source / "seos.ini").exists():
        shutil.rmtree(source, ignore_errors=True)
        seed = int(node.removeprefix("ep") or 0)
        endpoint(source, node, numbered(records(count, seed), node), url)
    shutil.copytree(source, into)
    (into / "selogrd.cfg").write_text(f"rule\nhost {url}\n.\n")
    shutil.rmtree(into / "seos.route", ignore_errors=True)
    return into / "seos.ini"


def node_seqs(state: Path) -> dict[str, int]:
    if not state.exists():
        return {}
    try:
        with sqlite3.connect(state, timeout=5) as db:
            return dict(db.execute("SELECT node, last_seq FROM nodes"))
    except sqlite3.Error:
        return {}


def stored_count(central: Path) -> tuple[int, int]:
    """(records in the collector's log, distinct (node, raw-less content) keys among them)."""
    seen: set[tuple[str, str, str, str]] = set()
    total = 0
    for entry in read_log(LogConfig.load(central / "seos.ini")):
        total += 1
        r, o = entry.record, entry.record.origin
        seen.add((o.node if o else "", r.timestamp, r.user or "", str(o.line if o else "")))
    return total, len(seen)


def throughput(
    work: Path, server: NatsServer, url: str, collect_tls: list[str], total: int, routers: int
) -> None:
    per = total // routers
    base = work / f"x{routers}"
    inis = [copied_endpoint(base / f"ep{k}", f"ep{k}", per, url) for k in range(routers)]
    central = base / "central"
    collector = spawn(
        "collect", "--store", str(central), "--from", url, *collect_tls, log=base / "collect.out"
    )
    time.sleep(1.0)
    started = time.perf_counter()
    procs = [
        spawn(
            "route", "--config", str(ini), "--node", f"ep{k}", "--once", log=base / f"route{k}.out"
        )
        for k, ini in enumerate(inis)
    ]
    state = central / "nodes.sqlite"
    pids = {"router": [p.pid for p in procs], "collector": [collector.pid]}
    assert server.proc is not None
    pids["nats-server"] = [server.proc.pid]
    cpu_before = {
        name: sum(cpu_seconds(pid) or 0.0 for pid in group) for name, group in pids.items()
    }
    cpu: dict[int, float] = {}
    while True:
        for group in pids.values():
            for pid in group:
                cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid) or 0.0)
        seqs = node_seqs(state)
        if len(seqs) == routers and all(v >= per for v in seqs.values()):
            break
        if all(p.poll() is not None for p in procs) and any(p.returncode for p in procs):
            sys.exit(f"a router failed: see {base}/route*.out")
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    for group in pids.values():
        for pid in group:
            cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid) or 0.0)
    used = {
        name: sum(cpu[pid] for pid in group) - cpu_before[name] * (name != "router")
        for name, group in pids.items()
    }
    for p in procs:
        p.wait()
    collector.send_signal(signal.SIGTERM)
    collector.wait()
    have, distinct = stored_count(central)
    n = per * routers
    print(
        f"{routers} router(s) -> NATS (TLS) -> 1 collector: {n:>9,} records in "
        f"{elapsed:6.2f} s = {n / elapsed:>9,.0f} records/s "
        f"(stored {have:,}, distinct {distinct:,}, lost {n - distinct}, "
        f"duplicated {have - distinct})"
    )
    # CPU seconds each side spent (start-up included), which the machine's other load does
    # not stretch as much as wall time; and the rate two idle cores would bound them to
    # (each process on one core at most, all three on two).
    bound = min(
        n / max(used["router"] / routers, 1e-9),
        n / max(used["collector"], 1e-9),
        2 * n / max(sum(used.values()), 1e-9),
    )
    print(
        "    CPU: "
        + ", ".join(f"{k} {v:.2f} s ({v / n * 1e6:.1f} us/record)" for k, v in used.items())
        + f"; two idle cores would carry about {bound:,.0f} records/s"
    )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a live process (``/proc/PID/stat``), None once gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def numbered(batch: list[AuditRecord], node: str) -> list[AuditRecord]:
    """Each record marked with its endpoint and number (origin line) so loss and doubles
    can be counted at the collector."""
    return [
        dataclasses.replace(r, origin=Origin(f"{node}.audit", i + 1, None, node))
        for i, r in enumerate(batch)
    ]


def latency(work: Path, url: str, collect_tls: list[str], seconds: float, rate: int) -> None:
    base = work / "latency"
    ini = endpoint(base / "ep", "lat", [], url)
    central = base / "central"
    collector = spawn(
        "collect", "--store", str(central), "--from", url, *collect_tls, log=base / "c.out"
    )
    router = spawn("route", "--config", str(ini), "--node", "lat", log=base / "r.out")
    appended: dict[int, float] = {}
    seen: dict[int, float] = {}
    done = threading.Event()

    def follow() -> None:
        while not (central / "seos.ini").exists():
            time.sleep(0.01)
        store = Store(central)
        last = 0
        while not done.is_set() or len(seen) < len(appended):
            for seq, rec in store.tail(last):
                last = seq
                if rec.origin is not None:
                    seen[rec.origin.line] = time.perf_counter()
            time.sleep(0.005)
            if done.is_set() and time.perf_counter() - stop_at > 10:
                return

    time.sleep(1.5)
    stop_at = float("inf")
    reader = threading.Thread(target=follow)
    reader.start()
    batch = records(int(seconds * rate), 99)
    store = Store(base / "ep")
    with store.open_log() as log:
        start = time.perf_counter()
        for i, r in enumerate(batch):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            log.append(dataclasses.replace(r, origin=Origin("lat", i + 1, None, "lat")))
            appended[i + 1] = time.perf_counter()
    stop_at = time.perf_counter()
    done.set()
    reader.join()
    for proc in (router, collector):
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    delays = sorted(seen[k] - appended[k] for k in appended if k in seen)
    lost = len(appended) - len(delays)
    p50 = statistics.median(delays)
    p99 = delays[int(len(delays) * 0.99) - 1]
    print(
        f"latency append -> visible at the collector ({rate}/s for {seconds:.0f} s, "
        f"{len(appended)} records): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
        f"max {delays[-1] * 1000:.0f} ms, not seen {lost}"
    )


def syslog_baseline(work: Path, count: int, certificates: Path) -> None:
    if RSYSLOGD is None:
        print("rsyslogd not installed: no syslog baseline")
        return
    corpus = copied_endpoint(work / "syslog-ep", "ep0", count, "nats://127.0.0.1:1/unused")
    batch = [entry.record for entry in read_log(LogConfig.load(corpus))]
    (work / "rsyslog").mkdir(exist_ok=True)
    receiver = Rsyslog(work / "rsyslog", certificates)
    receiver.start()
    try:
        for kind in ("tcp", "tls"):
            receiver.clear()
            options = {"ca": receiver.ca} if kind == "tls" else {}
            started = time.perf_counter()
            result = forward(batch, receiver.url(kind), **options)
            raw = work / "rsyslog" / "raw.log"
            while (raw.read_bytes().count(b"\n") if raw.exists() else 0) < result.sent:
                time.sleep(0.01)
                if time.perf_counter() - started > 300:
                    break
            elapsed = time.perf_counter() - started
            print(
                f"baseline: seaudit forward over syslog {kind.upper()} to rsyslogd: {count:>9,} "
                f"records in {elapsed:6.2f} s = {count / elapsed:>9,.0f} records/s "
                "(written by rsyslogd; at most once, no store)"
            )
    finally:
        receiver.stop()


def start_tls_nats(work: Path) -> tuple[NatsServer, Path]:
    """A started JetStream nats-server on loopback that requires client certificates (made,
    with their CA, in ``work/certs``); the caller kills it."""
    certificates = work / "certs"
    certificates.mkdir()
    make_certificates(certificates)
    server = NatsServer(
        work / "nats",
        extra=(
            "tls {\n"
            f'  cert_file: "{certificates / "server.pem"}"\n'
            f'  key_file: "{certificates / "server.key"}"\n'
            f'  ca_file: "{certificates / "ca.pem"}"\n'
            "  verify: true\n}\nmax_payload: 8MB\n"
        ),
    )
    server.start()
    return server, certificates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--latency-rate", type=int, default=2000)
    parser.add_argument("--parts", default="one,four,latency,syslog", help="what to measure")
    parser.add_argument(
        "--spread-dates", action="store_true", help="the corpus's random dates (see records)"
    )
    args = parser.parse_args()
    os.environ.setdefault("PYTHONPATH", str(ROOT / "src"))
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        server, certificates = start_tls_nats(work)
        try:
            pem = certificates
            tls = f"ca={pem / 'ca.pem'}&cert={pem / 'client.pem'}&key={pem / 'client.key'}"
            collect_tls = [
                "--ca",
                str(pem / "ca.pem"),
                "--cert",
                str(pem / "client.pem"),
                "--key",
                str(pem / "client.key"),
            ]
            print(f"nats-server with TLS (client certificates) on 127.0.0.1:{server.port}\n")
            parts = set(args.parts.split(","))
            if "one" in parts:
                throughput(
                    work, server, server.stream_url("one", tls), collect_tls, args.records, 1
                )
            if "four" in parts:
                throughput(
                    work, server, server.stream_url("four", tls), collect_tls, args.records, 4
                )
            if "latency" in parts:
                latency(
                    work,
                    server.stream_url("lat", tls),
                    collect_tls,
                    args.latency_seconds,
                    args.latency_rate,
                )
        finally:
            server.kill()
        if "syslog" in args.parts.split(","):
            syslog_baseline(work, args.records, certificates)


if __name__ == "__main__":
    main()
