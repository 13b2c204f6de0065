"""Parsing throughput and memory, with same-run baselines (not a test: prints figures).

    PYTHONPATH=src python bench/bench_parse.py [--records 2000000] [--big-mb 500]

Generates (once, seeded) ``bench/out/corpus_<N>.txt`` of realistic mixed non-detailed records
(``bench/corpus.py``), then measures, each in its own process so that threads and peak memory
(``ru_maxrss`` of the child) are its own:

- the reference parser (``reader.read_stream``) on the first ``--ref-lines`` lines,
  extrapolated (it is far too slow for the whole file);
- the bulk parser (``bulk.parse_batches``) with POLARS_MAX_THREADS=1 and =2;
- ``seaudit parse --to jsonl`` end to end, output to /dev/null (2 threads);
- baselines: a straightforward Python regex parser; the same writing each line's values as a
  JSON object (the naive regex+json parser the ``parse --to jsonl`` target is set against);
  awk (mawk or gawk) splitting the file;
- peak memory of ``seaudit parse`` on a big input (copies of the corpus, ``--big-mb``) and on
  the corpus, to show that memory does not grow with the input;

then prints issue 12's parse targets as a table (met / NOT met, with the load average seen)
and the CPU seconds per stage of the bulk path (``bench_parse_stages.py``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT / 'bench'}"}

BULK = """
import sys
from seaudit.text.bulk import parse_batches
n = r = 0
with open(sys.argv[1], "rb") as f:
    for b in parse_batches(f, source=sys.argv[1]):
        n += b.frame.height + len(b.extra)
        r += len(b.rejects)
print(n, r)
"""

REFERENCE = """
import itertools, sys
from seaudit.text.reader import read_stream
with open(sys.argv[1], "rb") as f:
    head = b"".join(itertools.islice(f, int(sys.argv[2])))
import io
n = sum(1 for _ in read_stream(io.BytesIO(head), source="x"))
print(n)
"""

#: the obvious Python parser: one regex with capture groups a line, values split on spaces
REGEX = r"""
import re, sys
LINE = re.compile(r"(\d{1,2}) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) (\S) (\S+) (.*)")
n = bad = 0
with open(sys.argv[1], "rb") as f:
    for raw in f:
        m = LINE.match(raw.decode("utf-8", "surrogateescape"))
        if m is None:
            bad += 1
            continue
        day, mon, year, hh, mm, ss, status, word, rest = m.groups()
        values = rest.split(" ")
        n += 1
print(n, bad)
"""

#: the obvious Python parse-to-JSON: the regex above, a dict a line, json.dumps, one write a line
REGEX_JSON = r"""
import json, re, sys
LINE = re.compile(r"(\d{1,2}) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) (\S) (\S+) (.*)")
n = bad = 0
out = sys.stdout
with open(sys.argv[1], "rb") as f:
    for raw in f:
        m = LINE.match(raw.decode("utf-8", "surrogateescape"))
        if m is None:
            bad += 1
            continue
        day, mon, year, hh, mm, ss, status, word, rest = m.groups()
        record = {"timestamp": f"{year}-{mon}-{day}T{hh}:{mm}:{ss}", "status": status,
                  "event_name": word, "values": rest.split(" ")}
        out.write(json.dumps(record) + "\n")
        n += 1
print(n, bad, file=sys.stderr)
"""

#: issue 12's targets for the parse path: (row, figure name, target, how it compares)
TARGET_LINES_PER_S = 1_000_000
TARGET_VS_NAIVE = 10.0
TARGET_PEAK_MB = 1024
PARSE = "seaudit parse --to jsonl (2 cores)"
NAIVE = "baseline: naive regex+json parser"


def run(
    cmd: list[str], *, threads: int = 2, stdout: int | None = None
) -> tuple[float, int, str, float]:
    """(seconds, peak RSS in MB, stdout, CPU seconds) of a child process. On a shared machine
    the CPU seconds (user + system) are the steadier figure: wall time grows with the load."""
    env = {**ENV, "POLARS_MAX_THREADS": str(threads)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0 and os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd} failed: {status}")
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss // 1024, out.strip(), cpu


def corpus(records: int) -> Path:
    path = OUT / f"corpus_{records}.txt"
    if not path.exists():
        sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
        from corpus import write

        start = time.perf_counter()
        write(records, str(path) + ".tmp", seed=1)
        os.replace(str(path) + ".tmp", path)
        print(f"generated {path} in {time.perf_counter() - start:.0f} s")
    return path


def big(path: Path, megabytes: int) -> Path:
    target = OUT / f"big_{megabytes}mb.txt"
    if not target.exists() or target.stat().st_size < megabytes << 20:
        with open(target, "wb") as out:
            while out.tell() < megabytes << 20:
                with open(path, "rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--ref-lines", type=int, default=20_000)
    parser.add_argument("--big-mb", type=int, default=500)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    path = corpus(args.records)
    size = path.stat().st_size
    with open(path, "rb") as f:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
    print(f"input: {path.name}: {lines} lines, {size / 1e6:.0f} MB, cores: {os.cpu_count()}")
    rows: list[tuple[str, int, float, int, str, float]] = []

    secs, rss, out, cpu = run([PY, "-c", REFERENCE, str(path), str(args.ref_lines)], threads=1)
    ref_bytes = size * args.ref_lines / lines
    rows.append(
        (
            f"reference parser ({args.ref_lines} lines, extrapolated)",
            args.ref_lines,
            secs,
            rss,
            out,
            cpu,
        )
    )
    for threads in (1, 2):
        secs, rss, out, cpu = run([PY, "-c", BULK, str(path)], threads=threads)
        rows.append((f"bulk parser, {threads} core(s)", lines, secs, rss, out, cpu))
    with open(os.devnull, "wb") as null:
        secs, rss, _, cpu = run(
            [PY, "-m", "seaudit", "parse", "--to", "jsonl", str(path)], stdout=null.fileno()
        )
    rows.append(("seaudit parse --to jsonl (2 cores)", lines, secs, rss, "", cpu))
    secs, rss, out, cpu = run([PY, "-c", REGEX, str(path)], threads=1)
    rows.append(("baseline: Python regex parser", lines, secs, rss, out, cpu))
    with open(os.devnull, "wb") as null:
        secs, rss, _, cpu = run([PY, "-c", REGEX_JSON, str(path)], threads=1, stdout=null.fileno())
    rows.append(("baseline: naive regex+json parser", lines, secs, rss, "", cpu))
    awk = shutil.which("mawk") or shutil.which("gawk") or shutil.which("awk")
    if awk:
        secs, rss, out, cpu = run([awk, "{ n += NF } END { print NR, n }", str(path)], threads=1)
        rows.append((f"baseline: {Path(awk).name} splitting fields", lines, secs, rss, out, cpu))

    print(f"\n{'':48} {'lines/s':>12} {'MB/s':>8} {'peak MB':>8} {'lines/CPU-s':>12}  output")
    rate: dict[str, float] = {}
    per_cpu: dict[str, float] = {}
    for name, count, secs, rss, out, cpu in rows:
        per_cpu[name] = count / max(cpu, 1e-9)
        nbytes = ref_bytes if name.startswith("reference") else size
        rate[name] = count / secs
        print(
            f"{name:48} {count / secs:12,.0f} {nbytes / secs / 1e6:8.1f} {rss:8d} "
            f"{per_cpu[name]:12,.0f}  {out}"
        )
    ref = rate[rows[0][0]]
    b1, b2 = rate["bulk parser, 1 core(s)"], rate["bulk parser, 2 core(s)"]
    print(f"\nbulk 1 core / reference: {b1 / ref:.1f}x;  bulk 2 cores / reference: {b2 / ref:.1f}x")
    if awk:
        awk_rate = rate[rows[-1][0]]
        print(f"bulk 2 cores / awk: {b2 / awk_rate:.2f};  bulk 1 core / awk: {b1 / awk_rate:.2f}")
    print(f"bulk 2 cores / Python regex: {b2 / rate['baseline: Python regex parser']:.1f}x")
    print("targets: bulk >= 1.5 M lines/s on 1 core; bulk on 2 cores >= 0.5 x awk")

    peak = None
    if args.big_mb:
        print("\npeak memory of `seaudit parse --to jsonl` by input size (2 cores):")
        for target in (path, big(path, args.big_mb)):
            with open(os.devnull, "wb") as null:
                secs, rss, _, cpu = run(
                    [PY, "-m", "seaudit", "parse", str(target)], stdout=null.fileno()
                )
            mb = target.stat().st_size / 1e6
            peak = rss
            print(
                f"  {target.name:24} {mb:8.0f} MB  {secs:6.1f} s  {mb / secs:6.1f} MB/s  "
                f"peak {rss} MB"
            )
    parse_rate = rate[PARSE]
    naive = rate[NAIVE]
    table = [
        (
            "`seaudit parse --to jsonl`, end to end",
            f"{parse_rate:,.0f} lines/s",
            f">= {TARGET_LINES_PER_S:,} lines/s",
            parse_rate >= TARGET_LINES_PER_S,
        ),
        (
            "  the same / naive regex+json parser",
            f"{parse_rate / naive:.1f}x wall"
            f" ({per_cpu[PARSE] / per_cpu[NAIVE]:.1f}x per CPU-second)",
            f">= {TARGET_VS_NAIVE:.0f}x",
            parse_rate / naive >= TARGET_VS_NAIVE,
        ),
    ]
    if peak is not None:
        table.append(
            (
                f"peak memory of parse ({args.big_mb} MB input)",
                f"{peak} MB",
                f"< {TARGET_PEAK_MB} MB",
                peak < TARGET_PEAK_MB,
            )
        )
    print(f"\nissue 12 targets (load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores):")
    print("| what | measured | target | |\n|---|---|---|---|")
    for what, got, target, met in table:
        print(f"| {what} | {got} | {target} | {'met' if met else 'NOT met'} |")
    print("\nwhere the time goes (bench/bench_parse_stages.py):")
    stages = subprocess.run(
        [PY, str(ROOT / "bench" / "bench_parse_stages.py"), str(path)],
        env=ENV,
        stdout=subprocess.PIPE,
        check=True,
    )
    print(stages.stdout.decode(), end="")


if __name__ == "__main__":
    main()
