"""``seaudit verify``: walk the log and its backups along the hash chain; for a store, also
check its Parquet files against the manifest (``store.check``); ``--nodes``: a collector's
view of each sender node (``route.nodestate``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seaudit.cli.output import terminal_safe
from seaudit.errors import UsageError
from seaudit.store.location import STORE_HELP, existing_ini

HELP = (
    "check the audit log and its backups for edited, inserted, deleted or missing records, "
    "and a store's Parquet files against its manifest"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="PATH", help=f"the log of a store: {STORE_HELP}")
    where.add_argument("--config", metavar="INI", help="seos.ini-style file ([logmgr] section)")
    where.add_argument("--log", metavar="PATH", help="the live log file (backups beside it)")
    parser.add_argument(
        "--back",
        metavar="NAME",
        help="backup base name with --log (default: the log's name + .bak)",
    )
    parser.add_argument("--key-file", metavar="FILE", help="HMAC key of a keyed log")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    parser.add_argument(
        "--nodes",
        action="store_true",
        help="a collector's view instead: each sender node's last seq, gaps and chain",
    )
    parser.add_argument(
        "--state", metavar="FILE", help="with --nodes: the node state file (STORE/nodes.sqlite)"
    )


def run(args: argparse.Namespace) -> int:
    from seaudit.log import LogConfig, verify_log
    from seaudit.log.config import load_key

    if args.nodes:
        return report_nodes(_nodes_file(args), quiet=args.quiet)
    if args.back and not args.log:
        raise UsageError("--back goes with --log; set audit_back in the ini file")
    if args.log:
        log = Path(args.log)
        cfg = LogConfig(
            audit_log=log, audit_back=Path(args.back or f"{log.name}.bak"), backup_date="yes"
        )
    else:
        cfg = LogConfig.load(args.config or existing_ini(args.store))
    key = load_key(Path(args.key_file)) if args.key_file else cfg.key()
    report = verify_log(cfg, key)
    out = sys.stdout
    if report.first_problem is not None:
        print(f"TAMPERED: {terminal_safe(str(report.first_problem))}", file=out)
        print(f"{report.records_checked} records checked before it", file=out)
        return 1
    if not args.quiet:
        mode = "HMAC-SHA256" if report.keyed else "SHA-256"
        print(
            f"OK: {report.records_checked} records in {len(report.files)} files, "
            f"chain intact ({mode})",
            file=out,
        )
        for note in report.notes:
            print(f"note: {note}", file=out)
    if args.config or args.log:
        return 0
    last = report.history_start + report.records_checked - 1 if report.records_checked else 0
    return _check_store(args.store, last, args.quiet)


def _check_store(option: str | None, log_last: int, quiet: bool) -> int:
    from seaudit.store.check import check_store
    from seaudit.store.location import resolve_root

    report = check_store(resolve_root(option), log_last)
    out = sys.stdout
    for problem in report.problems:
        print(f"DAMAGED: store: {terminal_safe(problem)}", file=out)
    if report.problems:
        print("hint: `seaudit reindex` rebuilds the Parquet files from the log", file=out)
        return 1
    if not quiet:
        print(
            f"OK: store: {report.files} Parquet files, exactly the manifest, every record up "
            f"to seq {report.watermark}",
            file=out,
        )
        for note in report.notes:
            print(f"note: store: {terminal_safe(note)}", file=out)
    return 0


def report_nodes(path: Path, *, quiet: bool = False) -> int:
    """Print one line per node; 1 when a node has a gap or a broken chain."""
    from seaudit.report.integrity import chain_text, gaps_text
    from seaudit.route.nodestate import NodeStates

    if not path.is_file():
        raise UsageError(f"no node state at {path}: nothing was collected into this store")
    states = NodeStates(path, read_only=True)
    try:
        nodes = states.all()
        rejected = states.rejected()
    finally:
        states.close()
    bad = 0
    for node in nodes:
        if node.intact and quiet:
            continue
        gaps, chain = gaps_text(node), chain_text(node)
        bad += not node.intact
        print(
            terminal_safe(
                f"{'OK' if node.intact else 'PROBLEM'} {node.node}: last seq {node.last_seq}, "
                f"{node.records} records, {node.skipped} not routed, "
                f"{node.duplicates} duplicates dropped, gaps {gaps}, {chain}"
            ),
            file=sys.stdout,
        )
    for sender, reason, count in rejected:
        print(terminal_safe(f"rejected from {sender}: {count} messages: {reason}"), file=sys.stdout)
    if not nodes:
        print("no node has routed anything here yet", file=sys.stdout)
    return 1 if bad else 0


def _nodes_file(args: argparse.Namespace) -> Path:
    if args.state:
        return Path(args.state)
    if args.config or args.log:
        raise UsageError("--nodes reads a collector's store: give --store or --state")
    from seaudit.report.integrity import NODE_STATE

    return existing_ini(args.store).parent / NODE_STATE
