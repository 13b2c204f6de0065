"""``seaudit [FILTERS] [--to FORMAT]``: query the store (the default action; ``seaudit query``
is the same); ``--engine spark`` runs it on Spark, over one or several ``--store``.
Filters: ``seaudit.query.spec``. Output: any registered format (``--to``,
default ``short``), or ``--count``, or ``--stats``; ``--follow`` prints matching records as
they are appended to the log until interrupted (only records appended after it starts).
A query reads a snapshot of the store and writes nothing; on a store that does not exist it
says ``no store at PATH`` (exit 2), while ``--follow`` waits for records to appear there.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import BinaryIO

from seaudit.cli.engine import add_engine_arguments
from seaudit.cli.output import (
    add_output_arguments,
    format_options,
    open_sink,
    terminal_safe,
    write_output,
)
from seaudit.query.spec import add_filter_arguments

HELP = "query the store (the default action: seaudit -a, seaudit --user bob --to jsonl)"
TOP_USERS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser)
    add_filter_arguments(parser)
    add_output_arguments(parser, default="short")
    out = parser.add_argument_group("query output")
    out.add_argument(
        "-sessionid",
        dest="sessionid",
        action="store_true",
        help="the classic spelling of --sessionid",
    )
    out.add_argument("--limit", type=_limit, metavar="N", help="at most N records")
    mode = out.add_mutually_exclusive_group()
    mode.add_argument("--count", action="store_true", help="print how many records match")
    mode.add_argument(
        "--stats", action="store_true", help="counts by event and status, and the top users"
    )
    mode.add_argument(
        "--follow",
        action="store_true",
        help="print matching records as they are appended (Ctrl-C stops)",
    )
    out.add_argument("--interval", type=float, default=0.2, help=argparse.SUPPRESS)


def clock() -> datetime:
    """Local time, or ``SEAUDIT_NOW`` (ISO) for reproducible keyword times."""
    fixed = os.environ.get("SEAUDIT_NOW")
    return datetime.fromisoformat(fixed) if fixed else datetime.now()


def run(args: argparse.Namespace) -> int:
    from seaudit.cli.engine import one_root, open_stores, spark_engine
    from seaudit.export import get_format
    from seaudit.query.spec import filter_from_args
    from seaudit.store import Store

    flt = filter_from_args(args, clock)
    fmt = get_format(args.to)
    options = format_options(args)
    # a query makes no store: "no store at PATH" (exit 2); --follow waits for one
    stores = [Store(one_root(args))] if args.follow else open_stores(args)
    store = stores[0]
    out = sys.stdout.buffer
    if args.engine == "spark" and not args.follow:  # --follow reads the live log alone
        engine = spark_engine(args, stores)
        if args.count:
            out.write(f"{engine.count(flt)}\n".encode())
        elif args.stats:
            out.write(_stats_text(engine.stats(flt)).encode("utf-8", "surrogateescape"))
        else:
            write_output(engine.select(flt, limit=args.limit), args)
        return 0
    if args.count:
        out.write(f"{store.count(flt)}\n".encode())
        return 0
    if args.stats:
        out.write(_stats_text(store.stats(flt)).encode("utf-8", "surrogateescape"))
        return 0
    if args.follow:
        if args.output:
            # lines append to what is there; a format with a header or footer starts the file
            with open(args.output, "ab" if fmt.appendable else "wb") as sink:
                return _follow(store, flt, fmt, options, args.interval, sink)
        return _follow(store, flt, fmt, options, args.interval, out)
    if fmt.name == "short" and not options.get("padded"):
        # the store renders the lines itself, column-wise: byte for byte the format's output
        chunks = store.select_lines(
            flt,
            sessionid=bool(options.get("sessionid")),
            platform=_platform(options.get("platform")),
            limit=args.limit,
        )
        with open_sink(args) as sink:
            for chunk in chunks:
                sink.write(chunk)
        return 0
    write_output((r for _, r in store.select(flt, limit=args.limit)), args)
    return 0


def _platform(value: object) -> str | None:
    """The ``platform`` option as ``render_short`` uses it: only "windows" changes an order."""
    return "windows" if value == "windows" else None


def _follow(
    store: object,
    flt: object,
    fmt: object,
    options: dict[str, object],
    interval: float,
    out: BinaryIO,
) -> int:
    """New matching records as they are appended, through one writer of the format: each
    poll's batch is written and flushed (Ctrl-C waits for a batch to be whole), and Ctrl-C
    closes the writer (a CSV header once, a Parquet footer at the end)."""
    from seaudit.export import Format
    from seaudit.store import Store

    assert isinstance(store, Store) and isinstance(fmt, Format)
    pred = flt.predicate()  # type: ignore[attr-defined]
    last = store.last_seq()
    with fmt.open(out, **options) as writer:
        writer.flush()  # a header (CSV) is there before the first record
        while True:
            batch = []
            for seq, record in store.tail(last):
                last = seq
                if pred(record):
                    batch.append(record)
            if batch:
                with _sigint_held():
                    writer.write(batch)
                    writer.flush()
            time.sleep(interval)


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Ctrl-C arriving inside is delivered on the way out: a batch is written whole."""
    held = {signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _stats_text(stats: object) -> str:
    from seaudit.store import Stats

    assert isinstance(stats, Stats)
    lines = [f"records: {stats.total}", "", "by event:"]
    lines += _counts(stats.by_event)
    lines += ["", "by status:"]
    lines += _counts(stats.by_status)
    lines += ["", f"top {TOP_USERS} users:"]
    lines += _counts(stats.by_user, TOP_USERS)
    return "\n".join(lines) + "\n"


def _counts(counts: Mapping[str, int], top: int | None = None) -> list[str]:
    """Largest first, ties by name: the same text whatever order the engine grouped in."""
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))[:top]
    return [f"  {n:>10}  {terminal_safe(k)}" for k, n in ranked]


def _limit(text: str) -> int:
    """``--limit N``: a whole number from 0 to 2**63 - 1 (what SQL LIMIT takes)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 1 << 63:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to {(1 << 63) - 1}")
    return value
