"""Store benchmark: import, five queries, library latency, start-up, peak memory.

    PYTHONPATH=src python bench/bench_store.py --records 10000000   # the issue's size
    PYTHONPATH=src python bench/bench_store.py --records 1000000    # what a 2-core box does quickly

Generates seaudit text with a seeded generator (rendered by ``render_short``; cached under
bench/out/), imports it with ``seaudit import`` and compares, in the same run:
``ausearch --format csv`` over a Linux audit log of the same byte size (Debian ``auditd``),
``awk`` splitting the text, and ``grep``/``awk`` answering the same five questions.
Each step runs as its own process under ``/usr/bin/time`` for wall time and peak RSS.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

USERS = [f"user{i:03d}" for i in range(200)] + ["root", "admabc", "oracle"]
TERMINALS = [f"tty{i}" for i in range(20)] + ["localhost", "_CRONJOB_"]
RESOURCES = [
    "/etc/shadow",
    "/etc/passwd",
    "/etc/hosts",
    "/tmp/one",
    "/var/log/messages",
    "/home/john/file.txt",
    "/usr/bin/su",
    "/opt/app/conf.xml",
]
HOSTS = ["db01", "web01", "computer.org", "mail.example.com"]
SERVICES = ["telnet", "ssh", "ftp", "http"]
DAYS = 30
LAST_DAY = datetime(2024, 5, 30)
SESSION = "4922ae61:00000132"


def generate(path: Path, count: int, seed: int = 7) -> None:
    """Seaudit text of ``count`` records over 30 days, rendered by our own renderer."""
    from seaudit.schema.record import AuditRecord
    from seaudit.text.short import render_short

    rng = random.Random(seed)
    start = LAST_DAY - timedelta(days=DAYS - 1)
    step = DAYS * 86400 / count
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        lines = []
        for i in range(count):
            ts = (start + timedelta(seconds=int(i * step))).strftime("%Y-%m-%dT%H:%M:%S")
            user = rng.choice(USERS)
            kind = rng.random()
            session = SESSION if rng.random() < 0.0005 else f"{rng.getrandbits(32):08x}:{i:08x}"
            if kind < 0.35:
                r = AuditRecord(
                    event="login",
                    timestamp=ts,
                    status=rng.choice("PPPD"),
                    event_name="LOGIN",
                    user=user,
                    session_id=session,
                    stage=59,
                    reason=2,
                    terminal=rng.choice(TERMINALS),
                    program="/bin/login",
                    audit_flags="",
                )
            elif kind < 0.85:
                r = AuditRecord(
                    event="resource_access",
                    timestamp=ts,
                    status=rng.choice("PPPDW"),
                    class_="FILE",
                    user=user,
                    session_id=session,
                    access=rng.choice(["Read", "Write", "Exec"]),
                    stage=69,
                    reason=3,
                    resource=rng.choice(RESOURCES),
                    program="/usr/local/bin/tcsh",
                    terminal=rng.choice(TERMINALS),
                    effective_user=user,
                    audit_flags="",
                    platform="unix",
                )
            else:
                r = AuditRecord(
                    event="outbound_network",
                    timestamp=ts,
                    status=rng.choice("PD"),
                    class_="TCP",
                    user=user,
                    session_id=session,
                    stage=408,
                    reason=2,
                    host=rng.choice(HOSTS),
                    service=rng.choice(SERVICES),
                    program="/usr/bin/telnet",
                    terminal=rng.choice(TERMINALS),
                )
            lines.append(render_short(r, sessionid=True))
            if len(lines) >= 50_000:
                out.write("\n".join(lines) + "\n")
                lines.clear()
        if lines:
            out.write("\n".join(lines) + "\n")
    tmp.rename(path)


def linux_audit(path: Path, size: int, seed: int = 7) -> None:
    """A Linux audit log (SYSCALL/EXECVE/CWD/PATH/PROCTITLE events) of about ``size`` bytes."""
    rng = random.Random(seed)
    t = 1714000000.0
    serial = 1000
    written = 0
    with open(path, "w", encoding="ascii") as out:
        buf = []
        while written < size:
            t += rng.random()
            serial += 1
            stamp = f"audit({t:.3f}:{serial})"
            pid = rng.randint(1000, 60000)
            uid = rng.choice([0, 1000, 1001, 33])
            exe = rng.choice(["/usr/bin/cat", "/usr/bin/bash", "/usr/sbin/sshd", "/usr/bin/ls"])
            event = [
                f"type=SYSCALL msg={stamp}: arch=c000003e syscall=59 success=yes exit=0 "
                f"a0=55d1c2a4e0f0 a1=55d1c2a4e130 a2=55d1c2a4e150 a3=8 items=2 ppid={pid - 1} "
                f"pid={pid} auid={uid} uid={uid} gid={uid} euid={uid} suid={uid} fsuid={uid} "
                f"egid={uid} sgid={uid} fsgid={uid} tty=pts{rng.randint(0, 9)} ses={serial % 97} "
                f'comm="{exe.rsplit("/", 1)[1]}" exe="{exe}" subj=unconfined key="exec"',
                f'type=EXECVE msg={stamp}: argc=2 a0="{exe.rsplit("/", 1)[1]}" a1="/etc/hosts"',
                f'type=CWD msg={stamp}: cwd="/home/user{uid}"',
                f'type=PATH msg={stamp}: item=0 name="{exe}" inode={rng.randint(1, 10**6)} '
                f"dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 "
                f"cap_fi=0 cap_fe=0 cap_fver=0",
                f"type=PROCTITLE msg={stamp}: proctitle=636174002F6574632F686F737473",
                "",
            ]
            text = "\n".join(event[:-1]) + "\n"
            buf.append(text)
            written += len(text)
            if len(buf) > 10000:
                out.write("".join(buf))
                buf.clear()
        out.write("".join(buf))


def timed(
    cmd: list[str] | str,
    env: dict[str, str] | None = None,
    shell: bool = False,
    ok: tuple[int, ...] = (0, 1),
) -> tuple[float, int, bytes]:
    """(wall seconds, peak RSS KB, stdout) of a command run under /usr/bin/time."""
    stats = OUT / "time.txt"
    full = (
        ["/usr/bin/time", "-f", "%e %M", "-o", str(stats), "sh", "-c", cmd]
        if shell
        else ["/usr/bin/time", "-f", "%e %M", "-o", str(stats), *cmd]
    )
    start = time.perf_counter()
    done = subprocess.run(full, capture_output=True, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in ok:
        raise SystemExit(f"failed: {cmd}\n{done.stderr.decode()[-2000:]}")
    peak = int(stats.read_text().split()[-1])
    return wall, peak, done.stdout


def best_of(n: int, run: Callable[[], tuple[float, int, bytes]]) -> tuple[float, int, bytes]:
    """The fastest of ``n`` runs (by wall time)."""
    return min((run() for _ in range(n)), key=lambda result: result[0])


def row(name: str, wall: float, peak: int, extra: str = "") -> None:
    print(f"  {name:<44} {wall * 1000:>10.0f} ms {peak / 1024:>8.0f} MB  {extra}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--keep-store", action="store_true", help="reuse an imported store")
    ap.add_argument(
        "--import-only", action="store_true", help="measure the import (and its awk baseline) only"
    )
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    n = args.records
    text = OUT / f"seaudit-{n}.txt"
    if not text.exists():
        t0 = time.perf_counter()
        generate(text, n)
        print(f"generated {text} in {time.perf_counter() - t0:.1f} s")
    size = text.stat().st_size
    lines = n
    env = {**os.environ, "PYTHONPATH": str(SRC), "SEAUDIT_NOW": LAST_DAY.strftime("%Y-%m-%dT12:00")}
    seaudit = [sys.executable, "-m", "seaudit"]
    store = OUT / f"store-{n}"
    print(f"\n{n} records, {size / 1e6:.1f} MB of seaudit text; 2-core machine")

    targets: list[tuple[str, bool, str]] = []  # (target, met, figure)
    rate = 0.0  # import MB/s, when measured in this run
    print("\nimport (wall, peak RSS, throughput)")
    if not (args.keep_store and store.exists()):
        shutil.rmtree(store, ignore_errors=True)
        wall, peak, _ = timed([*seaudit, "import", "--store", str(store), str(text)], env)
        row(
            "seaudit import",
            wall,
            peak,
            f"{lines / wall / 1e3:.0f} k lines/s, {size / wall / 1e6:.1f} MB/s",
        )
        rate = size / wall / 1e6
        targets.append(
            (
                "import: >= 1.5 M lines/s on two cores",
                lines / wall >= 1.5e6,
                f"{lines / wall / 1e6:.2f} M lines/s",
            )
        )
    wall, peak, _ = timed(["awk", "{n += NF} END {print n}", str(text)])
    row(
        "awk splitting the text",
        wall,
        peak,
        f"{lines / wall / 1e3:.0f} k lines/s, {size / wall / 1e6:.1f} MB/s",
    )
    if args.import_only:
        return
    if shutil.which("ausearch"):
        linux = OUT / f"linux-audit-{size}.log"
        if not linux.exists():
            linux_audit(linux, size)
        lsize = linux.stat().st_size
        llines = linux.read_bytes().count(b"\n")
        wall, peak, _ = timed(f"ausearch --input {linux} --format csv > /dev/null", shell=True)
        row(
            "ausearch --format csv (same bytes)",
            wall,
            peak,
            f"{llines / wall / 1e3:.0f} k lines/s, {lsize / wall / 1e6:.1f} MB/s",
        )
        if rate:
            ratio = rate / (lsize / wall / 1e6)
            targets.append(("import: >= 20x the MB/s of ausearch", ratio >= 20, f"{ratio:.1f}x"))
    else:
        print("  ausearch: not installed (apt-get install -y auditd)")

    day = LAST_DAY.strftime("%d %b %Y")
    queries = [
        (
            "denied records of user007 today",
            ["--status", "D", "--user", "user007", "--since", "today"],
            f"grep -F '{day}' {text} | awk '$5 == \"D\" && / user007 /'",
            "status = D and user = user007 and timestamp >= '2024-05-30T00:00:00'",
        ),
        (
            "count by user and status",
            ["--stats"],
            f"awk '{{c[$5 \" \" $7]++}} END {{for (k in c) print k, c[k]}}' {text}",
            None,
        ),
        (
            "logins on terminal tty3",
            ["-l", "*", "tty3"],
            f"grep -F ' LOGIN ' {text} | awk '$(NF-1) == \"tty3\"'",
            "event = login and terminal = tty3",
        ),
        (
            "resource mask /etc/*",
            ["-r", "FILE", "/etc/*", "*"],
            f"grep -E ' FILE .* /etc/' {text}",
            "class = FILE and resource ~ '/etc/*'",
        ),
        (
            "one session",
            ["--session", SESSION],
            f"grep -F '{SESSION}' {text}",
            f"session_id = '{SESSION}'",
        ),
    ]
    print("\nqueries end to end from the command line (output to a pipe; best of 3)")
    for name, opts, shell, _ in queries:
        wall, peak, out = best_of(
            3, lambda o=opts: timed([*seaudit, "--store", str(store), *o], env)
        )
        gwall, gpeak, gout = best_of(3, lambda sh=shell: timed(sh, shell=True))
        targets.append(
            (
                f"CLI {name}: >= 5x grep/awk",
                gwall / wall >= 5,
                f"{gwall / wall:.1f}x ({wall * 1000:.0f} vs {gwall * 1000:.0f} ms)",
            )
        )
        row(f"seaudit: {name}", wall, peak, f"{len(out.splitlines())} lines")
        row(
            f"grep/awk: {name}",
            gwall,
            gpeak,
            f"{len(gout.splitlines())} lines; seaudit {gwall / wall:.1f}x",
        )

    print("\ninside the library (warm, best of 5)")
    from seaudit.query import TRUE, parse_where
    from seaudit.query.spec import Filter
    from seaudit.store import Store

    st = Store(store)
    for name, _, _, where in queries:
        flt = Filter(parse_where(where) if where else TRUE)
        best = 1e9
        for _ in range(5):
            t0 = time.perf_counter()
            if where:
                hits = st.count(flt)
            else:
                con = st._connect()
                _, files = st._source()
                hits = len(
                    con.execute(
                        'SELECT "user", status, count(*) FROM '
                        "read_parquet(?, hive_partitioning = false) GROUP BY 1, 2",
                        [files],
                    ).fetchall()
                )
            best = min(best, time.perf_counter() - t0)
        print(f"  {name:<44} {best * 1000:>10.1f} ms  ({hits} rows)")
        targets.append((f"library {name}: < 100 ms", best < 0.1, f"{best * 1000:.0f} ms"))

    print("\nstart-up")
    for cmd in (["--help"], ["query", "--help"], ["-t"]):
        try:
            best = min(timed([*seaudit, *cmd], env, ok=(0,))[0] for _ in range(5))
        except SystemExit as exc:
            print(f"  seaudit {' '.join(cmd):<36} failed: {str(exc).splitlines()[-1]}")
            continue
        print(f"  seaudit {' '.join(cmd):<36} {best * 1000:>10.0f} ms")
        targets.append(
            (f"start-up seaudit {' '.join(cmd)}: < 0.3 s", best < 0.3, f"{best * 1000:.0f} ms")
        )
    base = min(timed([sys.executable, "-c", "pass"])[0] for _ in range(5))
    print(f"  {'python -c pass (floor)':<44} {base * 1000:>10.0f} ms")

    print(f"\ntargets at {n} records (the issue sets them at 10 million)")
    for target, met, figure in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {target:<58} {figure}")


if __name__ == "__main__":
    main()
