"""Store benchmark: import, five queries, library latency, start-up, peak memory.

    PYTHONPATH=src python bench/bench_store.py --records 10000000   # the issue's size
    PYTHONPATH=src python bench/bench_store.py --records 1000000    # what a 2-core box does quickly

Generates seaudit text with the seeded generator of ``corpus`` (its docstring says what the
corpus looks like: one node's month of short sessions, Zipf-like users, resources and
terminals; cached under bench/out/), imports it with ``seaudit import`` and compares, in the
same run: ``ausearch --format csv`` over a Linux audit log of the same byte size (Debian
``auditd``), ``awk`` splitting the text, and ``grep``/``awk`` answering the same five
questions.
Each query runs as a fresh process and again with ``seaudit warm`` running (the answers are
checked equal). Each step runs as its own process under ``/usr/bin/time`` for wall time and
peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
SRC = ROOT / "src"
STARTUP_RUNS = 15
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import LAST_DAY, SESSION  # noqa: E402  (bench/ is on sys.path)

#: the day after the bench's "today" (the trail runs a few days past it: see ``corpus``)
TOMORROW = (LAST_DAY + timedelta(days=1)).strftime("%Y-%m-%d")


def generate(path: Path, count: int, seed: int = 7) -> None:
    """Seaudit text of ``count`` records (``corpus``: one node's month of short sessions,
    Zipf-like names), every line with the session ID column, no junk."""
    import corpus

    tmp = path.with_suffix(".tmp")
    corpus.write(count, str(tmp), seed, junk=0.0, sessionid=1.0)
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


def ausearch_rate(size: int) -> float | None:
    """ausearch --format csv's MB/s over a Linux audit log of ``size`` bytes."""
    if not shutil.which("ausearch"):
        print("  ausearch: not installed (scripts/test installs auditd)")
        return None
    linux = OUT / f"linux-audit-{size}.log"
    if not linux.exists():
        linux_audit(linux, size)
    lsize = linux.stat().st_size
    lines = linux.read_bytes().count(b"\n")
    wall, peak, _ = timed(f"ausearch --input {linux} --format csv > /dev/null", shell=True)
    row(
        "ausearch --format csv (same size)",
        wall,
        peak,
        f"{lines / wall / 1e3:.0f} k lines/s, {lsize / wall / 1e6:.1f} MB/s",
    )
    return lsize / wall / 1e6


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


def bench_env() -> dict[str, str]:
    """The environment of every measured process: our sources, a fixed "now", and bytecode
    compiled once (``compile_sources``) and read from __pycache__, as an installed package
    has it (with PYTHONDONTWRITEBYTECODE an edited module is compiled again by every run)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {
        **env,
        "PYTHONPATH": str(SRC),
        "SEAUDIT_NOW": LAST_DAY.strftime("%Y-%m-%dT12:00"),
        "SEAUDIT_QUERY_SOCKET": str(OUT / "no-service" / "query.sock"),  # a fresh process
    }


def compile_sources() -> None:
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(SRC)],
        env=bench_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def ensure_text(count: int) -> Path:
    """The corpus of ``count`` records, generated once into bench/out/ and reused."""
    OUT.mkdir(parents=True, exist_ok=True)
    text = OUT / f"seaudit-{count}.txt"
    if not text.exists():
        t0 = time.perf_counter()
        generate(text, count)
        print(f"generated {text} in {time.perf_counter() - t0:.1f} s", flush=True)
    return text


def ensure_store(count: int) -> Path:
    """The store of that corpus, imported once (``seaudit import``) and reused; other benches
    (``bench_web``) query the same store."""
    store = OUT / f"store-{count}"
    if not (store / "parquet" / "_manifest.json").exists():
        text = ensure_text(count)
        shutil.rmtree(store, ignore_errors=True)
        print(f"importing {text} ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "seaudit", "import", "--store", str(store), str(text)],
            check=True,
            env=bench_env(),
            stdout=subprocess.DEVNULL,
        )
    return store


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--keep-store", action="store_true", help="reuse an imported store")
    ap.add_argument("--repeat", type=int, default=3, help="runs per query (the best is kept)")
    ap.add_argument(
        "--import-only", action="store_true", help="measure the import (and its awk baseline) only"
    )
    ap.add_argument(
        "--queries-only",
        action="store_true",
        help="skip the import and its baselines (awk, ausearch): queries and start-up only",
    )
    args = ap.parse_args()
    n = args.records
    text = ensure_text(n)
    size = text.stat().st_size
    lines = n
    env = bench_env()
    compile_sources()
    seaudit = [sys.executable, "-m", "seaudit"]
    store = OUT / f"store-{n}"
    print(f"\n{n} records, {size / 1e6:.1f} MB of seaudit text; 2-core machine")

    targets: list[tuple[str, bool, str]] = []  # (target, met, figure)
    rate = 0.0  # import MB/s, when measured in this run
    if not args.queries_only:  # the import and its baselines (issue 12's other rows)
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
                    "import: >= 600 k lines/s on two cores",
                    lines / wall >= 600e3,
                    f"{lines / wall / 1e3:.0f} k lines/s",
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
        baseline = ausearch_rate(size)
        if rate and baseline:
            ratio = rate / baseline
            targets.append(("import: >= 5x the MB/s of ausearch", ratio >= 5, f"{ratio:.1f}x"))

    day = LAST_DAY.strftime("%d %b %Y")
    queries = [
        (
            "denied records of user007 today",
            ["--status", "D", "--user", "user007", "--since", "today", "--until", TOMORROW],
            f"grep -F '{day}' {text} | awk '$5 == \"D\" && / user007 /'",
        ),
        (
            "count by user and status",
            ["--stats"],
            f"awk '{{c[$5 \" \" $7]++}} END {{for (k in c) print k, c[k]}}' {text}",
        ),
        (
            "logins on terminal tty3",
            ["-l", "*", "tty3"],
            # the LOGIN-word records: the terminal is last (logout) or before the program
            f'grep -F \' LOGIN \' {text} | awk \'$6 == "LOGIN" && ($NF == "tty3" || '
            f'$(NF-1) == "tty3")\'',
        ),
        (
            "resource mask /etc/*",
            ["-r", "FILE", "/etc/*", "*"],
            f"grep -E ' FILE .* /etc/' {text}",
        ),
        (
            "one session",
            ["--session", SESSION],
            f"grep -F '{SESSION}' {text}",
        ),
    ]
    print(
        "\nqueries end to end from the command line (output to a pipe; best of "
        f"{args.repeat}): a fresh process, and with `seaudit warm` running"
    )
    with warm_service(env) as warm_env:
        for name, opts, shell in queries:
            cmd = [*seaudit, "--store", str(store), *opts]
            wall, peak, out = best_of(args.repeat, lambda c=cmd: timed(c, env))
            wwall, wpeak, wout = best_of(args.repeat, lambda c=cmd: timed(c, warm_env))
            gwall, gpeak, gout = best_of(args.repeat, lambda sh=shell: timed(sh, shell=True))
            if wout != out:
                raise SystemExit(f"{name}: the warm service answered differently")
            targets.append(
                (
                    f"CLI {name} (warm service): >= 3x grep/awk",
                    gwall / wwall >= 3,
                    f"{gwall / wwall:.1f}x ({wwall * 1000:.0f} vs {gwall * 1000:.0f} ms); "
                    f"fresh process {gwall / wall:.1f}x ({wall * 1000:.0f} ms)",
                )
            )
            row(f"seaudit: {name}", wall, peak, f"{len(out.splitlines())} lines")
            row(f"seaudit, warm service: {name}", wwall, wpeak, f"{gwall / wwall:.1f}x grep/awk")
            row(
                f"grep/awk: {name}",
                gwall,
                gpeak,
                f"{len(gout.splitlines())} lines; seaudit {gwall / wall:.1f}x",
            )

    print("\ninside the library (Store.count, or Store.stats for --stats; warm, best of 5)")
    from seaudit.cli.query import clock
    from seaudit.query.spec import add_filter_arguments, filter_from_args
    from seaudit.store import Store

    os.environ["SEAUDIT_NOW"] = env["SEAUDIT_NOW"]
    st = Store(store)
    for name, opts, _ in queries:
        parser = argparse.ArgumentParser()
        add_filter_arguments(parser)
        parser.add_argument("--stats", action="store_true")
        parsed = parser.parse_args(opts)
        flt = filter_from_args(parsed, clock)
        best = 1e9
        for _ in range(5):
            t0 = time.perf_counter()
            hits = st.stats(flt).total if parsed.stats else st.count(flt)
            best = min(best, time.perf_counter() - t0)
        print(f"  {name:<44} {best * 1000:>10.1f} ms  ({hits} records)")
        targets.append((f"library {name}: < 50 ms", best < 0.05, f"{best * 1000:.0f} ms"))

    print(f"\nstart-up (best and median of {STARTUP_RUNS} runs; CPU = user + system)")
    floor = startup([sys.executable, "-c", "pass"], env)
    print(f"  {'python -c pass (the floor)':<44} {floor}")
    for cmd in (["--help"], ["-t"], ["query", "--help"]):
        figures = startup([*seaudit, *cmd], env)
        print(f"  seaudit {' '.join(cmd):<36} {figures}")
        if cmd != ["query", "--help"]:
            targets.append(
                (
                    f"start-up seaudit {' '.join(cmd)}: < 60 ms",
                    figures.best < 0.06,
                    f"{figures.best * 1000:.0f} ms (floor {floor.best * 1000:.0f} ms)",
                )
            )

    print(f"\ntargets at {n} records (the issue sets them at 10 million); {load()}")
    for target, met, figure in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {target:<58} {figure}")


@contextlib.contextmanager
def warm_service(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A running ``seaudit warm`` (on a socket under bench/out/), and the environment of the
    queries that use it; stopped on the way out."""
    folder = OUT / "run"
    folder.mkdir(mode=0o700, exist_ok=True)
    folder.chmod(0o700)
    warm_env = {**env, "SEAUDIT_QUERY_SOCKET": str(folder / "query.sock")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "seaudit", "warm"], env=warm_env, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    if b"listening on" not in proc.stderr.readline():
        raise SystemExit("seaudit warm did not start")
    try:
        yield warm_env
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)


@dataclass(frozen=True, slots=True)
class Startup:
    best: float
    median: float
    cpu: float  # median CPU seconds (user + system): steadier than wall time on a busy box

    def __str__(self) -> str:
        return (
            f"{self.best * 1000:>10.0f} ms best {self.median * 1000:>6.0f} ms median "
            f"{self.cpu * 1000:>6.0f} ms CPU"
        )


def startup(cmd: list[str], env: dict[str, str]) -> Startup:
    """Wall and CPU time of a command run ``STARTUP_RUNS`` times (as hyperfine would)."""
    walls, cpus = [], []
    for _ in range(STARTUP_RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return Startup(min(walls), statistics.median(walls), statistics.median(cpus))


def load() -> str:
    """The machine's load as ``uptime`` gives it (the figures above are noisy under load)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


if __name__ == "__main__":
    main()
