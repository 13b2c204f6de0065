"""``seaudit serve [--store PATH] [--listen HOST:PORT] [--token-file FILE]``: the read-only
web viewer (``seaudit.web``). It binds 127.0.0.1:8080 unless told otherwise, and refuses to
listen beyond loopback without a token file."""

from __future__ import annotations

import argparse
import sys
from datetime import tzinfo
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.store.location import add_store_argument

HELP = "the read-only web viewer over the store (http://127.0.0.1:8080 by default)"
DEFAULT_LISTEN = "127.0.0.1:8080"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"address to listen on (default {DEFAULT_LISTEN}; beyond loopback needs --token-file)",
    )
    parser.add_argument(
        "--token-file",
        metavar="FILE",
        help="a file holding the access token (Bearer, basic-auth password, or the login form)",
    )
    parser.add_argument(
        "--zone",
        metavar="ZONE",
        help="the time zone the records' times were recorded in (default: this machine's)",
    )


def listen_address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--listen takes HOST:PORT, not {text!r}")
    return host, int(port)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from seaudit.store.location import resolve_root
    from seaudit.web.app import Settings, create_app, local_zone
    from seaudit.web.auth import Token, is_loopback

    host, port = listen_address(args.listen)
    token = Token.load(Path(args.token_file)) if args.token_file else None
    if token is None and not is_loopback(host):
        raise UsageError(
            f"listening on {host} opens the viewer beyond this machine: give --token-file",
            "or listen on 127.0.0.1",
        )
    zone = _zone(args.zone) if args.zone else local_zone()
    app = create_app(Settings(resolve_root(args.store), token, zone))
    print(f"seaudit: serving http://{args.listen}/ (Ctrl-C stops)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)
    return 0


def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"--zone: unknown time zone {name!r}", "e.g. Europe/Paris, UTC") from None
