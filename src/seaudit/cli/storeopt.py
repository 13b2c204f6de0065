"""The ``--store PATH`` option every store command takes."""

from __future__ import annotations

import argparse

STORE_HELP = ("the store directory (default: $SEAUDIT_STORE, else $XDG_DATA_HOME/seaudit, "
              "else ~/.local/share/seaudit)")


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH", help=STORE_HELP)
