"""``seaudit compact [--store PATH] [--wait SECONDS]``: merge the store's small Parquet files
per day and node into large ones (``store.compact``), as its writer: every answer and
``verify`` stay the same, readers keep the files they are reading."""

from __future__ import annotations

import argparse
import sys

from seaudit.store.location import add_store_argument

HELP = "merge the store's small Parquet files per day and node into large ones"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to SECONDS for the store's writer (an import) to finish (default: 0)",
    )


def run(args: argparse.Namespace) -> int:
    from seaudit.store.compact import compact
    from seaudit.store.location import existing_ini

    root = existing_ini(args.store).parent  # a store that does not exist is not made here
    done = compact(root, wait=max(args.wait, 0.0))
    print(
        f"seaudit: compacted {root}: {done.files_before} files -> {done.files_after} "
        f"({done.merged} merged into {done.written}, {done.rows} records)",
        file=sys.stderr,
    )
    return 0
