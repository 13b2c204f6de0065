"""Where the store lives, and what is inside it.

The location is, first found: ``--store PATH``; ``$SEAUDIT_STORE``; ``$XDG_DATA_HOME/seaudit``;
``~/.local/share/seaudit``. It is created by its first writer (import, reindex); readers
make nothing. Inside::

    seos.ini                       the audit log's [logmgr] settings
    seos.audit, seos.audit.bak*    the audit log and its backups (the record of truth)
    seos.audit.lock                the writer's lock
    parquet/_manifest.json         watermark and every Parquet file (``manifest``)
    parquet/day=YYYY-MM-DD/node=NAME/seq-FIRST-LAST.parquet
    parquet.new/, parquet.old/     during a reindex only (``swap``)

Records with no node go to ``node=_local``. Node names are host-like names
(letters, digits, ``.``, ``-``, ``_``; not starting with ``_`` or ``.``).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from seaudit.errors import UsageError
from seaudit.query.expr import usage

LOCAL_NODE = "_local"
NODE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")


def default_root() -> Path:
    env = os.environ.get("SEAUDIT_STORE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "seaudit"


def resolve_root(option: str | None) -> Path:
    return Path(option) if option else default_root()


def existing_ini(option: str | None) -> Path:
    """The ``seos.ini`` of the store (``--store``, ``$SEAUDIT_STORE`` or the default one),
    which must exist: a reader does not make a store."""
    root = resolve_root(option)
    ini = root / "seos.ini"
    if not ini.is_file():
        err = UsageError(f"no store at {root}")
        err.hint = "seaudit import makes one; or say which log: --config seos.ini, --log PATH"
        raise err
    return ini


def check_node(name: str) -> str:
    if not NODE_NAME.fullmatch(name):
        raise usage(
            f"node name {name!r} is not a host-like name",
            "use letters, digits, '.', '-' and '_' (not first)",
        )
    return name


STORE_HELP = (
    "the store directory (default: $SEAUDIT_STORE, else $XDG_DATA_HOME/seaudit, "
    "else ~/.local/share/seaudit)"
)


def add_store_argument(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """``--store PATH``, taken by every command that uses the store (``many``: repeatable,
    a list of them: the readers that can read several stores at once)."""
    if many:
        parser.add_argument(
            "--store", metavar="PATH", action="append", help=STORE_HELP + "; repeat: several"
        )
    else:
        parser.add_argument("--store", metavar="PATH", help=STORE_HELP)
