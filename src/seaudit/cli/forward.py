"""``seaudit forward URL [FILE ...]``: send parsed records to a syslog receiver."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from seaudit.text.badinput import BadInput

HELP = "send the records of seaudit text files to a syslog receiver (udp, tcp, tls)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from seaudit.export.syslog import INNER, INNER_ALIASES  # the body formats: the registry's

    parser.add_argument(
        "url",
        help="syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT "
        "(RFC 6587 octet counting) or syslog+tls://HOST:PORT",
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="seaudit text files (default: standard input)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="stop at the first line that is not a record"
    )
    parser.add_argument(
        "--inner",
        default="short",
        choices=(*INNER, *INNER_ALIASES),
        help="format of the message body: a format of the registry that renders one record, "
        "or none (default short)",
    )
    parser.add_argument("--facility", default="authpriv", help="syslog facility (authpriv)")
    parser.add_argument("--hostname", help="HOSTNAME field (default: this machine)")
    parser.add_argument("--tz", help="zone of the records' local time (default: local)")
    parser.add_argument(
        "--platform",
        choices=("unix", "windows"),
        help="field order of the input when a line does not tell",
    )
    parser.add_argument("--ca", metavar="FILE", help="TLS: CA file to verify the receiver")
    parser.add_argument("--cert", metavar="FILE", help="TLS: client certificate")
    parser.add_argument("--key", metavar="FILE", help="TLS: client key")
    parser.add_argument("--insecure", action="store_true", help="TLS: do not verify (tests)")
    parser.add_argument(
        "--retries", type=int, default=3, help="retries of one record after the first attempt (3)"
    )
    parser.add_argument(
        "--backoff", type=float, default=0.2, help="seconds before the first retry, doubling (0.2)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="connect/send timeout (10)")
    parser.add_argument(
        "--max-size",
        type=int,
        metavar="OCTETS",
        help="largest message sent (65507 UDP, 200000 TCP/TLS); a larger record is counted failed",
    )


def _records(paths: list[str], platform: str | None, bad: BadInput) -> Iterator[Any]:
    from seaudit.text.badinput import checked_items
    from seaudit.text.reader import read_file

    for path in paths:
        if bad.stopped:
            return
        bad.start()
        yield from checked_items(read_file(path, platform=platform), bad)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {
        "inner": args.inner,
        "facility": args.facility,
        "retries": args.retries,
        "backoff": args.backoff,
        "timeout": args.timeout,
    }
    for name in ("hostname", "tz", "ca", "cert", "key", "max_size"):
        value = getattr(args, name)
        if value is not None:
            options[name] = value
    if args.insecure:
        options["insecure"] = True
    return options


def run(args: argparse.Namespace) -> int:
    from seaudit.errors import SeauditError
    from seaudit.route import forward
    from seaudit.text.badinput import BadInput

    bad = BadInput(strict=args.strict)
    records: Iterable[Any] = _records(args.files or ["-"], args.platform, bad)
    try:
        result = forward(records, args.url, **_options(args))
    except OSError as exc:
        raise SeauditError(f"cannot read input: {exc}") from None
    if bad.rejected:
        print(f"seaudit: {bad.rejected} lines were not records", file=sys.stderr)
    if result.failed and result.last_error:
        print(f"seaudit: last error: {result.last_error}", file=sys.stderr)
    print(result)
    return 1 if result.failed or bad.rejected else 0  # as parse: 1 when lines were rejected
