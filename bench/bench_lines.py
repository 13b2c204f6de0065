"""Query output benchmark: ``short`` lines rendered by DuckDB (``Store.select_lines``) against
the record path (an ``AuditRecord`` and ``render_short`` per row), same run, same store.

    PYTHONPATH=src python bench/bench_lines.py --store bench/out/store-1000000

The store is one ``bench/bench_store.py --records N --keep-store`` built (it is only read).
End to end: ``python -m seaudit --store S QUERY`` (the new path) and the same arguments run
through the old path (parse, ``Store.select``, ``write_output``), each a process writing to
a pipe, best of ``--repeat``; the outputs must be byte-identical. Then the same inside the
library (warm), and ``grep`` over the store's text when bench/out has it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
NL = b"\n"
sys.path.insert(0, str(SRC))

QUERIES = (
    ("resource mask /etc/*", ["-r", "FILE", "/etc/*", "*"], "grep -E ' FILE .* /etc/' {text}"),
    (
        "logins on terminal tty3",
        ["-l", "*", "tty3"],
        "grep -F ' LOGIN ' {text} | awk '$(NF-1) == \"tty3\"'",
    ),
    ("resource mask, -sessionid", ["-r", "FILE", "/etc/*", "*", "-sessionid"], None),
)


def old_path(argv: list[str]) -> int:
    """The query as it ran before ``select_lines``: a record per row, rendered by Python."""
    from seaudit.cli import query
    from seaudit.cli.output import write_output
    from seaudit.query.spec import filter_from_args
    from seaudit.store import Store
    from seaudit.store.location import resolve_root

    parser = argparse.ArgumentParser()
    query.add_arguments(parser)
    args = parser.parse_intermixed_args(argv)
    store = Store(resolve_root(args.store))
    write_output(
        (r for _, r in store.select(filter_from_args(args, query.clock), limit=args.limit)), args
    )
    return 0


def run(cmd: list[str] | str, repeat: int) -> tuple[float, bytes]:
    """(best wall seconds, stdout) of a process whose output goes to a pipe."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    best, out = float("inf"), b""
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run(
            cmd, capture_output=True, env=env, shell=isinstance(cmd, str), check=False
        )
        best = min(best, time.perf_counter() - t0)
        if done.returncode != 0:
            raise SystemExit(f"{cmd} failed: {done.stderr.decode()[-500:]}")
        out = done.stdout
    return best, out


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=6).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "bench" / "out" / "store-1000000")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    parser.add_argument("--old-path", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.old_path is not None:
        return old_path(opts.old_path)
    store = opts.store.resolve()
    if not (store / "parquet").is_dir():
        raise SystemExit(
            f"no store at {store}: build one with bench/bench_store.py "
            "--records 1000000 --keep-store"
        )
    texts = sorted(store.parent.glob(f"seaudit-{store.name.removeprefix('store-')}.txt"))
    text = texts[0] if texts else None
    print(
        f"store {store} ({(store / 'parquet' / '_watermark').read_text().strip()} records "
        "in Parquet)\n"
    )
    print(f"end to end, output to a pipe (best of {opts.repeat})")
    new_cmd = [sys.executable, "-m", "seaudit", "--store", str(store)]
    old_cmd = [sys.executable, __file__, "--old-path", "--store", str(store)]
    for name, args, grep in QUERIES:
        new, new_out = run([*new_cmd, *args], opts.repeat)
        old, old_out = run([*old_cmd, *args], opts.repeat)
        same = "identical" if new_out == old_out else "DIFFERENT"
        lines = new_out.count(NL)
        print(
            f"  {name:<28} lines (DuckDB) {new * 1000:>7.0f} ms   records {old * 1000:>7.0f} ms"
            f"   {old / new:4.1f}x   {lines} lines, {len(new_out) / 1e6:.1f} MB, "
            f"{same} ({digest(new_out)})"
        )
        if grep and text is not None:
            g, g_out = run(grep.format(text=text), opts.repeat)
            print(
                f"  {'':<28} grep/awk {g * 1000:>13.0f} ms   {g_out.count(NL)} lines; "
                f"lines path at {g / new:.1f}x grep's speed"
            )

    print(f"\ninside the library, warm (best of {opts.repeat})")
    from seaudit.export import get_format
    from seaudit.query import parse_where
    from seaudit.query.spec import Filter
    from seaudit.store import Store

    st = Store(store)
    for where in ("class = FILE and resource ~ '/etc/*'", "event = login and terminal = tty3"):
        flt = Filter(parse_where(where))
        best_new = best_old = float("inf")
        for _ in range(opts.repeat):
            sink = io.BytesIO()
            t0 = time.perf_counter()
            for chunk in st.select_lines(flt):
                sink.write(chunk)
            best_new = min(best_new, time.perf_counter() - t0)
            old_sink = io.BytesIO()
            t0 = time.perf_counter()
            get_format("short").write((r for _, r in st.select(flt)), old_sink)
            best_old = min(best_old, time.perf_counter() - t0)
        rows = sink.getvalue().count(NL)
        same = "identical" if sink.getvalue() == old_sink.getvalue() else "DIFFERENT"
        print(
            f"  {where:<40} select_lines {best_new * 1000:>7.0f} ms   select+render "
            f"{best_old * 1000:>7.0f} ms   {best_old / best_new:4.1f}x   "
            f"{best_new * 1e6 / max(rows, 1):.2f} vs {best_old * 1e6 / max(rows, 1):.2f} "
            f"us/row, {same}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
