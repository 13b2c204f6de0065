"""``seaudit collect``: store what endpoints route through NATS JetStream (selogrcd)."""

from __future__ import annotations

import argparse
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.store.location import STORE_HELP

HELP = "collect routed records from NATS JetStream into this store (selogrcd)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH", help=f"the collector's store: {STORE_HELP}")
    parser.add_argument("--from", dest="source", metavar="URL", help="nats://HOST:PORT/STREAM")
    parser.add_argument("--ca", metavar="FILE", help="TLS: CA file to verify the server")
    parser.add_argument("--cert", metavar="FILE", help="TLS: client certificate")
    parser.add_argument("--key", metavar="FILE", help="TLS: client key")
    parser.add_argument(
        "--creds", metavar="FILE", help="credentials file (NATS .creds, or USER:PASSWORD)"
    )
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="per-node state shared by collectors on one consumer (default: STORE/nodes.sqlite)",
    )
    parser.add_argument(
        "--key-dir", metavar="DIR", help="HMAC keys of keyed senders, as DIR/NODE.key"
    )
    parser.add_argument(
        "--status",
        action="store_true",
        help="show what nats-server refused (senders turned away), from --monitor and "
        "--server-log, and exit",
    )
    parser.add_argument(
        "--monitor", metavar="URL", help="the server's monitoring port, http://127.0.0.1:PORT"
    )
    parser.add_argument("--server-log", metavar="FILE", help="nats-server's log file")
    parser.add_argument(
        "--until-idle",
        type=float,
        metavar="SECONDS",
        help="exit once nothing has arrived for that long and the consumer holds nothing "
        "pending or unacknowledged (a killed collector's messages come back first)",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from seaudit.route.collector import Collector
    from seaudit.route.heap import settle_heap
    from seaudit.route.natsconn import NatsTarget
    from seaudit.route.nodestate import NodeStates
    from seaudit.store import Store
    from seaudit.store.location import resolve_root

    if args.status:
        return _status(args)
    if not args.source:
        raise UsageError("give --from nats://HOST:PORT/STREAM (or --status)")
    target = NatsTarget.parse(args.source).with_files(args.ca, args.cert, args.key, args.creds)
    store = Store(resolve_root(args.store))
    states = NodeStates(Path(args.state) if args.state else store.root / "nodes.sqlite")
    collector = Collector(store, target, states, Path(args.key_dir) if args.key_dir else None)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, collector.stop)
        loop.add_signal_handler(signal.SIGINT, collector.stop)
        await collector.run(args.until_idle)

    settle_heap()  # this process is the daemon: see route.heap
    try:
        asyncio.run(main())
    finally:
        states.close()
    print(f"received {collector.received} messages, stored {collector.stored} records")
    return 0


def _status(args: argparse.Namespace) -> int:
    from seaudit.cli.output import terminal_safe
    from seaudit.route.refusals import refusals

    tally = refusals(args.monitor, Path(args.server_log) if args.server_log else None)
    for line in tally.lines():
        print(terminal_safe(line))
    return 0
