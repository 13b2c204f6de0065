"""``seaudit verify``: walk the log and its backups along the hash chain."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seaudit.errors import UsageError

HELP = "check the audit log and its backups for edited, inserted, deleted or missing records"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--config", metavar="INI", help="seos.ini-style file ([logmgr] section)")
    where.add_argument("--log", metavar="PATH", help="the live log file (backups beside it)")
    parser.add_argument("--back", metavar="NAME",
                        help="backup base name with --log (default: the log's name + .bak)")
    parser.add_argument("--key-file", metavar="FILE", help="HMAC key of a keyed log")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only")


def run(args: argparse.Namespace) -> int:
    from seaudit.log import LogConfig, verify_log
    from seaudit.log.config import load_key

    if args.config:
        cfg = LogConfig.load(args.config)
        if args.back:
            raise UsageError("--back goes with --log; set audit_back in the ini file")
    elif args.log:
        log = Path(args.log)
        cfg = LogConfig(audit_log=log, audit_back=Path(args.back or f"{log.name}.bak"),
                        backup_date="yes")
    else:
        raise UsageError("say which log: --config seos.ini or --log PATH")
    key = load_key(Path(args.key_file)) if args.key_file else None
    report = verify_log(cfg, key)
    out = sys.stdout
    if report.first_problem is not None:
        print(f"TAMPERED: {_safe(str(report.first_problem))}", file=out)
        print(f"{report.records_checked} records checked before it", file=out)
        return 1
    if not args.quiet:
        mode = "HMAC-SHA256" if report.keyed else "SHA-256"
        print(f"OK: {report.records_checked} records in {len(report.files)} files, "
              f"chain intact ({mode})", file=out)
        for note in report.notes:
            print(f"note: {note}", file=out)
    return 0


def _safe(text: str) -> str:
    """File names can hold control characters: show them escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
