"""``seaudit -t [--load FILE]``: print the code tables (with a site's own dump merged in)."""

from __future__ import annotations

import argparse
import sys

from seaudit.schema.codes import default_tables, load_site_tables, render_tables

MAX_TABLE_BYTES = 16 << 20  # a real dump is a few KB; this bounds a wrong file (/dev/zero)


def run_tables(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="seaudit -t", description="Print the code tables.")
    parser.add_argument(
        "--load",
        metavar="FILE",
        action="append",
        default=[],
        help="a site's own `seaudit -t` text to extend or override the tables",
    )
    args = parser.parse_args(argv)
    tables = site_tables(args.load)
    sys.stdout.write(render_tables(tables))
    return 0


def site_tables(paths: list[str]):  # type: ignore[no-untyped-def]
    """The bundled tables with each site dump in ``paths`` laid on top."""
    from seaudit.errors import UsageError

    tables = default_tables()
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_TABLE_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"cannot read code tables {path}: {exc.strerror}") from None
        if len(data) > MAX_TABLE_BYTES:
            raise UsageError(
                f"{path} is larger than {MAX_TABLE_BYTES >> 20} MiB: not a `seaudit -t` dump"
            )
        text = data.decode("utf-8", "replace")
        tables = tables.extended(load_site_tables(text, source=path))
    return tables
