"""From command-line options to one filter expression.

Modern filters: ``--FLAG VALUE`` (repeatable: any of the values) and ``--not-FLAG VALUE``
(repeatable: none of the values); values are ``*``/``?`` masks. Different flags AND together,
with ``--since``/``--until`` (``since <= timestamp < until``) and ``--where``.

Classic switches, as the product documents them (values are masks, users comma-separated):
``-a`` every record but user traces; ``-l USERS TERMINAL`` login records (the login family
of events) of those users on that terminal; ``-i HOST SERVICE`` network records;
``-r CLASS RESOURCE USERS`` records of a class and resource for those users.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from seaudit.query.expr import And, Cmp, Expr, Not, Predicate, all_of, any_of, to_predicate, to_sql
from seaudit.query.timespec import Clock, iso, parse_time
from seaudit.query.where import parse_where
from seaudit.schema.events import LOGIN_EVENTS, NETWORK_EVENTS

#: option name -> field it filters
FLAG_FIELDS: dict[str, str] = {
    "event": "event",
    "status": "status",
    "user": "user",
    "class": "class",
    "resource": "resource",
    "program": "program",
    "terminal": "terminal",
    "host": "host",
    "node": "node",
    "session": "session_id",
}


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter: one expression, two compiled forms."""

    expr: Expr

    def sql(self) -> tuple[str, list[object]]:
        return to_sql(self.expr)

    def predicate(self) -> Predicate:
        return to_predicate(self.expr)


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("filters (values are masks with * and ?)")
    for flag, field in FLAG_FIELDS.items():
        dest = flag.replace("-", "_")
        g.add_argument(
            f"--{flag}",
            dest=f"f_{dest}",
            action="append",
            metavar="MASK",
            help=f"{field} matches MASK (repeat: any of them)",
        )
        g.add_argument(
            f"--not-{flag}",
            dest=f"n_{dest}",
            action="append",
            metavar="MASK",
            help=f"{field} matches none of the MASKs",
        )
    g.add_argument("--since", metavar="TIME", help="records at or after TIME")
    g.add_argument("--until", metavar="TIME", help="records before TIME")
    g.add_argument(
        "--where",
        metavar="EXPR",
        action="append",
        help="expression: field OP value joined by and/or/not, OP = != < <= > >= ~ !~",
    )
    c = parser.add_argument_group("classic switches")
    c.add_argument(
        "-a", dest="classic_all", action="store_true", help="all records except user traces"
    )
    c.add_argument(
        "-l",
        dest="classic_login",
        nargs=2,
        metavar=("USERS", "TERMINAL"),
        help="login records of comma-separated USERS on TERMINAL",
    )
    c.add_argument(
        "-i",
        dest="classic_inet",
        nargs=2,
        metavar=("HOST", "SERVICE"),
        help="network records of HOST and SERVICE",
    )
    c.add_argument(
        "-r",
        dest="classic_resource",
        nargs=3,
        metavar=("CLASS", "RESOURCE", "USERS"),
        help="records of CLASS and RESOURCE for comma-separated USERS",
    )


def masks(field: str, values: list[str]) -> Expr:
    return any_of([Cmp(field, "~", v) for v in values])


def _users(text: str) -> Expr:
    return masks("user", [u for u in text.split(",") if u] or ["*"])


def _events(events: tuple[str, ...]) -> Expr:
    return any_of([Cmp("event", "=", e) for e in events])


def filter_from_args(args: argparse.Namespace, clock: Clock) -> Filter:
    parts: list[Expr] = []
    for flag, field in FLAG_FIELDS.items():
        dest = flag.replace("-", "_")
        wanted = getattr(args, f"f_{dest}", None)
        unwanted = getattr(args, f"n_{dest}", None)
        if wanted:
            parts.append(masks(field, wanted))
        if unwanted:
            parts.append(Not(masks(field, unwanted)))
    if getattr(args, "since", None) is not None:
        parts.append(Cmp("timestamp", ">=", iso(parse_time(args.since, clock))))
    if getattr(args, "until", None) is not None:
        parts.append(Cmp("timestamp", "<", iso(parse_time(args.until, clock))))
    for text in getattr(args, "where", None) or []:
        parts.append(parse_where(text))
    if getattr(args, "classic_all", False):
        parts.append(Not(Cmp("event", "=", "trace")))
    if getattr(args, "classic_login", None):
        users, terminal = args.classic_login
        parts += [_events(LOGIN_EVENTS), _users(users), Cmp("terminal", "~", terminal)]
    if getattr(args, "classic_inet", None):
        host, service = args.classic_inet
        parts += [_events(NETWORK_EVENTS), Cmp("host", "~", host), Cmp("service", "~", service)]
    if getattr(args, "classic_resource", None):
        cls, resource, users = args.classic_resource
        parts += [Cmp("class", "~", cls), Cmp("resource", "~", resource), _users(users)]
    return Filter(all_of(parts) if parts else And(()))
