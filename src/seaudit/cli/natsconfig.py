"""``seaudit nats-config``: write nats-server's configuration for routing (``natsconf``)."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "write a nats-server configuration: TLS, a user per endpoint, collector users"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE", help="the configuration to write")
    parser.add_argument("--stream", default="audit", help="the JetStream stream (default audit)")
    parser.add_argument("--listen", default="127.0.0.1:4222", metavar="HOST:PORT")
    parser.add_argument("--monitor", metavar="HOST:PORT", help="monitoring port (collect --status)")
    parser.add_argument(
        "--log-file", metavar="FILE", help="the server's log (collect --status --server-log)"
    )
    parser.add_argument("--store-dir", required=True, metavar="DIR", help="JetStream file store")
    parser.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="CREDS",
        help="an endpoint's credentials file (NODE:PASSWORD); repeat per endpoint",
    )
    parser.add_argument(
        "--collector",
        action="append",
        default=[],
        metavar="CREDS",
        help="a collector's credentials file (USER:PASSWORD); repeat per collector user",
    )
    parser.add_argument("--cert", metavar="FILE", help="TLS: the server's certificate")
    parser.add_argument("--key", metavar="FILE", help="TLS: the server's key")
    parser.add_argument(
        "--ca", metavar="FILE", help="TLS: CA that client certificates must chain to"
    )


def run(args: argparse.Namespace) -> int:
    from seaudit.route.natsconf import ServerPlan, User, write

    plan = ServerPlan(
        args.stream,
        args.listen,
        Path(args.store_dir),
        [User.from_file(Path(p)) for p in args.endpoint],
        [User.from_file(Path(p)) for p in args.collector],
        cert=Path(args.cert) if args.cert else None,
        key=Path(args.key) if args.key else None,
        ca=Path(args.ca) if args.ca else None,
        monitor=args.monitor,
        log_file=Path(args.log_file) if args.log_file else None,
    )
    write(plan, Path(args.out))
    print(f"wrote {args.out}: {len(plan.endpoints)} endpoints, {len(plan.collectors)} collectors")
    return 0
