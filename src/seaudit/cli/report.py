"""``seaudit report [NAME] [FILTERS] [--html FILE]``: a report over the store, as aligned text
tables (the default) or one self-contained HTML file; without NAME, the list of reports.
``--engine spark`` computes it on Spark (over one or several ``--store``)."""

from __future__ import annotations

import argparse
import sys

from seaudit.cli.engine import add_engine_arguments
from seaudit.query.spec import add_filter_arguments

HELP = "reports over the store (summary, logins, denials, ...): seaudit report lists them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="the report (none: list them)")
    add_engine_arguments(parser)
    add_filter_arguments(parser)
    out = parser.add_argument_group("report output")
    out.add_argument("--html", metavar="FILE", help="write one self-contained HTML page to FILE")
    out.add_argument(
        "--cardholder",
        action="append",
        metavar="MASK",
        help="compliance: resources holding cardholder data (repeatable; default *cardholder*)",
    )


def run(args: argparse.Namespace) -> int:
    from seaudit.cli.engine import open_stores, spark_source
    from seaudit.cli.query import clock
    from seaudit.query.spec import filter_from_args
    from seaudit.query.text import to_text
    from seaudit.report import get_report, reports, run_report
    from seaudit.report.html import render_html
    from seaudit.report.text import render_text
    from seaudit.store import Store
    from seaudit.store.location import resolve_root

    if not args.name:
        width = max(len(r.name) for r in reports())
        for report in reports():
            print(f"{report.name:<{width}}  {report.about}")
        return 0
    get_report(args.name)  # an unknown name is a usage error before the store is opened
    flt = filter_from_args(args, clock)
    options = {"cardholder": tuple(args.cardholder)} if args.cardholder else {}
    if args.engine == "spark":
        stores = open_stores(args)
        source = spark_source(args, stores)
    else:  # a store that does not exist reads as an empty one (the reports' rule)
        if args.store and len(args.store) > 1:
            open_stores(args)  # the error: several stores need Spark
        stores, source = [Store(resolve_root(args.store[0] if args.store else None))], None
    result = run_report(
        stores[0],
        args.name,
        flt,
        filter_text=to_text(flt.expr),
        options=options,
        source=source,
        stores=stores,
    )
    if args.html:
        with open(args.html, "w", encoding="utf-8") as out:
            out.write(render_html(result))
        return 0
    sys.stdout.buffer.write(render_text(result).encode("utf-8", "surrogateescape"))
    return 0
