"""``seaudit route``: send the log's records to the destinations of a route file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.store.location import STORE_HELP, existing_ini

HELP = "send the audit log's records to collectors, files, commands and syslog (selogrd)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--store", metavar="PATH", help=f"route the log of a store: {STORE_HELP}")
    where.add_argument(
        "--config", metavar="INI", help="seos.ini ([logmgr] for the log, [selogrd] for routing)"
    )
    parser.add_argument("--rules", metavar="FILE", help="route file (default: [selogrd] RouteFile)")
    parser.add_argument(
        "--node", metavar="NAME", help="this endpoint's name, the sender (default: host name)"
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="send what is pending, wait for acknowledgements, exit (1: a destination failed)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import signal
    import socket

    from seaudit.cli.output import terminal_safe
    from seaudit.log import LogConfig
    from seaudit.route.heap import settle_heap
    from seaudit.route.holds import checkpoints_of, save_choice
    from seaudit.route.router import Router
    from seaudit.route.rules import load_rules
    from seaudit.route.settings import RouteSettings
    from seaudit.store.location import check_node

    ini = Path(args.config) if args.config else existing_ini(args.store)
    log = LogConfig.load(ini)
    settings = RouteSettings.load(ini)
    rules = Path(args.rules) if args.rules else settings.route_file
    if rules is None:
        raise UsageError(f"no route file: give --rules FILE or set [selogrd] RouteFile in {ini}")
    save_choice(log, settings.when_held_full)
    node = check_node(args.node or socket.gethostname().split(".")[0])
    router = Router(
        log,
        lambda: load_rules(rules, settings.collectors),
        node,
        checkpoints_of(log),
        settings,
    )

    async def main() -> int:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, router.stop)
        loop.add_signal_handler(signal.SIGINT, router.stop)
        loop.add_signal_handler(signal.SIGHUP, router.reload)
        reports = await router.run(once=args.once)
        for report in reports:
            print(terminal_safe(str(report)), file=sys.stdout if not report.failed else sys.stderr)
        return 1 if any(r.failed for r in reports) else 0

    settle_heap()  # this process is the daemon: see route.heap
    return asyncio.run(main())
