"""``seaudit verify``: walk the log and its backups along the hash chain."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seaudit.cli.output import terminal_safe
from seaudit.errors import UsageError
from seaudit.store.location import STORE_HELP

HELP = "check the audit log and its backups for edited, inserted, deleted or missing records"


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


def run(args: argparse.Namespace) -> int:
    from seaudit.log import LogConfig, verify_log
    from seaudit.log.config import load_key

    if args.back and not args.log:
        raise UsageError("--back goes with --log; set audit_back in the ini file")
    if args.log:
        log = Path(args.log)
        cfg = LogConfig(
            audit_log=log, audit_back=Path(args.back or f"{log.name}.bak"), backup_date="yes"
        )
    else:
        cfg = LogConfig.load(args.config or _store_ini(args.store))
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
    return 0


def _store_ini(option: str | None) -> Path:
    """The ``seos.ini`` of the store (``--store``, ``$SEAUDIT_STORE`` or the default one);
    a store that does not exist is not made here."""
    from seaudit.store.location import resolve_root

    root = resolve_root(option)
    ini = root / "seos.ini"
    if not ini.is_file():
        err = UsageError(f"no store at {root}")
        err.hint = "seaudit import makes one; or say which log: --config seos.ini, --log PATH"
        raise err
    return ini
