"""``seaudit reindex``: rebuild the store's Parquet files from its audit log."""

from __future__ import annotations

import argparse
import sys

from seaudit.store.location import add_store_argument

HELP = "rebuild the store's Parquet files from its audit log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)


def run(args: argparse.Namespace) -> int:
    from seaudit.store import Store
    from seaudit.store.location import resolve_root

    store = Store(resolve_root(args.store))
    count = store.reindex()
    print(f"seaudit: reindexed {count} records into {store.tree.root}", file=sys.stderr)
    return 0
