"""Where the time of ``seaudit parse --to jsonl`` goes: CPU seconds per stage of the bulk path
(not a test: prints figures).

    PYTHONPATH=src python bench/bench_parse_stages.py [FILE] [--lines 500000]

Runs the parse of the first ``--lines`` lines of FILE (default: the bench corpus of
``bench_parse.py``) in this process on one polars thread and no worker thread, so that the
stages add up, and times each stage with ``time.process_time``: splitting chunks into lines and
tokens, candidates and dates, classification, building the columns, the reference parser on
the lines left to it, JSON encoding and writing. Stages are timed by wrapping the functions
the bulk path calls (a bench may; the library is not changed).
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["POLARS_MAX_THREADS"] = "1"

import polars as pl

from seaudit.export import _jsonframe
from seaudit.text import bulk

ROOT = Path(__file__).resolve().parents[1]
SPENT: dict[str, float] = {}


def timed(module: Any, name: str, stage: str) -> None:
    function: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[stage] = SPENT.get(stage, 0.0) + time.process_time() - start

    setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", nargs="?", default=str(ROOT / "bench/out/corpus_2000000.txt"))
    parser.add_argument("--lines", type=int, default=500_000)
    args = parser.parse_args()
    with open(args.file, "rb") as f:
        data = b"".join(itertools.islice(f, args.lines))
    lines = data.count(b"\n")
    timed(bulk, "split_chunk", "split into lines and tokens (polars CSV reader)")
    timed(bulk, "dates", "dates (calendar check)")
    timed(bulk, "classify", "classification (templates)")
    timed(bulk, "build", "building the record columns")
    timed(bulk, "_feed_slow", "reference parser on the lines left to it")
    timed(bulk, "_batch", "batch assembly (slow rows merged)")
    timed(_jsonframe, "json_lines", "JSON encoding (column-wise)")
    timed(_jsonframe, "write_jsonl", "JSON writing (includes encoding when not done before)")
    pl.thread_pool_size()  # the pool exists before timing starts
    start = time.process_time()
    sink = io.BytesIO()
    for batch in bulk.parse_batches(io.BytesIO(data), source="bench", encode=None):
        _jsonframe.write_jsonl(batch, sink)
    total = time.process_time() - start
    print(f"{lines} lines, {len(data) / 1e6:.0f} MB, 1 polars thread, CPU seconds by stage:")
    for stage, spent in SPENT.items():
        print(f"  {stage:58} {spent:7.3f} s  {lines / spent / 1e6 if spent else 0:8.2f} M lines/s")
    print(f"  {'total':58} {total:7.3f} s  {lines / total / 1e6:8.2f} M lines/s")


if __name__ == "__main__":
    main()
