"""Parsing throughput and memory, with same-run baselines (not a test: prints figures).

    PYTHONPATH=src python bench/bench_parse.py [--records 2000000] [--big-mb 500]

Generates (once, seeded) ``bench/out/corpus_<N>.txt`` of realistic mixed non-detailed records
(``bench/corpus.py``), then measures, each in its own process so that threads and peak memory
(``ru_maxrss`` of the child) are its own:

- the reference parser (``reader.read_stream``) on the first ``--ref-lines`` lines,
  extrapolated (it is far too slow for the whole file);
- the bulk parser (``bulk.parse_batches``) with POLARS_MAX_THREADS=1 and =2;
- ``seaudit parse --to jsonl`` end to end, output to /dev/null (2 threads);
- baselines: a straightforward Python regex parser, and awk (mawk or gawk) splitting the file;
- peak memory of ``seaudit parse`` on a big input (copies of the corpus, ``--big-mb``) and on
  the corpus, to show that memory does not grow with the input.
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


def run(cmd: list[str], *, threads: int = 2, stdout: int | None = None) -> tuple[float, int, str]:
    """(seconds, peak RSS in MB, stdout) of a child process."""
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
    return seconds, usage.ru_maxrss // 1024, out.strip()


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
    rows: list[tuple[str, int, float, int, str]] = []

    secs, rss, out = run([PY, "-c", REFERENCE, str(path), str(args.ref_lines)], threads=1)
    ref_bytes = size * args.ref_lines / lines
    rows.append(
        (f"reference parser ({args.ref_lines} lines, extrapolated)", args.ref_lines, secs, rss, out)
    )
    for threads in (1, 2):
        secs, rss, out = run([PY, "-c", BULK, str(path)], threads=threads)
        rows.append((f"bulk parser, {threads} core(s)", lines, secs, rss, out))
    with open(os.devnull, "wb") as null:
        secs, rss, _ = run(
            [PY, "-m", "seaudit", "parse", "--to", "jsonl", str(path)], stdout=null.fileno()
        )
    rows.append(("seaudit parse --to jsonl (2 cores)", lines, secs, rss, ""))
    secs, rss, out = run([PY, "-c", REGEX, str(path)], threads=1)
    rows.append(("baseline: Python regex parser", lines, secs, rss, out))
    awk = shutil.which("mawk") or shutil.which("gawk") or shutil.which("awk")
    if awk:
        secs, rss, out = run([awk, "{ n += NF } END { print NR, n }", str(path)], threads=1)
        rows.append((f"baseline: {Path(awk).name} splitting fields", lines, secs, rss, out))

    print(f"\n{'':48} {'lines/s':>12} {'MB/s':>8} {'peak MB':>8}  output")
    rate: dict[str, float] = {}
    for name, count, secs, rss, out in rows:
        nbytes = ref_bytes if name.startswith("reference") else size
        rate[name] = count / secs
        print(f"{name:48} {count / secs:12,.0f} {nbytes / secs / 1e6:8.1f} {rss:8d}  {out}")
    ref = rate[rows[0][0]]
    b1, b2 = rate["bulk parser, 1 core(s)"], rate["bulk parser, 2 core(s)"]
    print(f"\nbulk 1 core / reference: {b1 / ref:.1f}x;  bulk 2 cores / reference: {b2 / ref:.1f}x")
    if awk:
        awk_rate = rate[rows[-1][0]]
        print(f"bulk 2 cores / awk: {b2 / awk_rate:.2f};  bulk 1 core / awk: {b1 / awk_rate:.2f}")
    print(f"bulk 2 cores / Python regex: {b2 / rate['baseline: Python regex parser']:.1f}x")
    print("targets: bulk >= 1.5 M lines/s on 1 core; bulk on 2 cores >= 0.5 x awk")

    if args.big_mb:
        print("\npeak memory of `seaudit parse --to jsonl` by input size (2 cores):")
        for target in (path, big(path, args.big_mb)):
            with open(os.devnull, "wb") as null:
                secs, rss, _ = run(
                    [PY, "-m", "seaudit", "parse", str(target)], stdout=null.fileno()
                )
            mb = target.stat().st_size / 1e6
            print(
                f"  {target.name:24} {mb:8.0f} MB  {secs:6.1f} s  {mb / secs:6.1f} MB/s  "
                f"peak {rss} MB"
            )


if __name__ == "__main__":
    main()
