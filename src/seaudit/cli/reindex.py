"""``seaudit reindex [--salvage]``: rebuild the store's Parquet files from its audit log.

The new files are built beside the old ones and swapped in only when complete. A damaged or
missing log segment makes it stop with the old files untouched, unless ``--salvage``: then
it keeps every record the log gives, takes what the log lost from the old Parquet files
(marked salvaged in the manifest), and reports what neither holds (exit 1 when some records
are lost).
"""

from __future__ import annotations

import argparse
import sys

from seaudit.store.location import add_store_argument

HELP = "rebuild the store's Parquet files from its audit log"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    parser.add_argument(
        "--salvage",
        action="store_true",
        help="with a damaged or missing log segment, keep what the log and the old Parquet "
        "files still hold, and report what is lost",
    )


def run(args: argparse.Namespace) -> int:
    from seaudit.store import Store
    from seaudit.store.location import existing_ini, resolve_root

    root = resolve_root(args.store)
    existing_ini(args.store)  # a store that does not exist is not made here
    done = Store(root).reindex(salvage=args.salvage)
    for problem in done.damage:
        print(f"seaudit: log damage: {problem}", file=sys.stderr)
    if done.salvaged_records:
        ranges = ", ".join(f"{a}..{b}" for a, b in done.salvaged)
        print(
            f"seaudit: salvaged {done.salvaged_records} records from the old Parquet files "
            f"(seqs {ranges})",
            file=sys.stderr,
        )
    if done.lost:
        lost = sum(b - a + 1 for a, b in done.lost)
        ranges = ", ".join(f"{a}..{b}" for a, b in done.lost)
        print(f"seaudit: LOST {lost} records (seqs {ranges})", file=sys.stderr)
    print(f"seaudit: reindexed {done.records} records from the log into {root}", file=sys.stderr)
    return 1 if done.lost else 0
