"""``seaudit warm``: keep a query service running, so that ``seaudit`` queries from the command
line are answered by a process that has the query code and DuckDB loaded already (the
answer is the same; the start-up is not paid again). Stop it with Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse

HELP = "keep a warm query service running: seaudit queries then skip their start-up (Ctrl-C stops)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--socket",
        metavar="PATH",
        help="where to listen (default: $SEAUDIT_QUERY_SOCKET, else "
        "$XDG_RUNTIME_DIR/seaudit/query.sock, else /tmp/seaudit-UID/query.sock); "
        "queries find it there through $SEAUDIT_QUERY_SOCKET",
    )


def run(args: argparse.Namespace) -> int:
    from seaudit.warm.server import serve

    return serve(args.socket)
