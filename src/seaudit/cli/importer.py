"""``seaudit import FILE... | -``: seaudit text into the store's audit log and Parquet.

Each record keeps its provenance (source file, line, node, text as read). The node is
``--node NAME``, else taken from the file name (``HOST.audit``, ``HOST.seaudit``,
``HOST_seaudit.txt``, ``HOST-audit.log``: see ``seaudit.store.ingest.NODE_FROM_NAME``),
else none. A record already stored (same node, same line number, same text) is skipped, so
importing a file twice stores nothing new. The summary proves
``lines read = stored + rejected + duplicate + blank`` (lines of detailed blocks counted
one by one). Exit status: 0 all lines read; 1 some lines rejected; 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from seaudit.errors import UsageError
from seaudit.store.location import add_store_argument

if TYPE_CHECKING:
    from seaudit.store.bulkimport import Tally
    from seaudit.text.badinput import RejectsWriter

HELP = "import seaudit text (files or -) into the store"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="seaudit text files, - for stdin")
    add_store_argument(parser)
    parser.add_argument("--node", metavar="NAME", help="the endpoint the records came from")
    parser.add_argument("--rejects", metavar="PATH", help="write rejected lines there verbatim")
    parser.add_argument("--platform", choices=("unix", "windows", "auto"), default="auto")


def run(args: argparse.Namespace) -> int:
    from seaudit.cli.output import refuse_output_over_input
    from seaudit.store import Store
    from seaudit.store.bulkimport import Tally
    from seaudit.store.location import check_node, resolve_root
    from seaudit.text.badinput import rejects_file

    if args.node:
        check_node(args.node)
    refuse_output_over_input(args.files, [args.rejects])
    platform = None if args.platform == "auto" else args.platform
    store = Store(resolve_root(args.store))
    total = Tally()
    with rejects_file(args.rejects) as rejects, store.open_log(read_back=False) as log:
        for path in args.files:
            try:
                tally = _import_one(store, log, path, args.node, platform, rejects)
            except OSError as exc:
                print(f"seaudit: cannot read {path}: {exc.strerror}", file=sys.stderr)
                return 2
            store.flush()
            print(tally.summary(_show(path)), file=sys.stderr)
            total.add(tally)
    if len(args.files) > 1:
        print(total.summary("total"), file=sys.stderr)
    return 1 if total.rejects else 0


def _show(path: str) -> str:
    return "<stdin>" if path == "-" else path.encode("unicode_escape").decode("ascii")


def _import_one(
    store: object,
    log: object,
    path: str,
    node_opt: str | None,
    platform: str | None,
    rejects: RejectsWriter | None,
) -> Tally:
    from seaudit.store import Store
    from seaudit.store.bulkimport import import_stream
    from seaudit.store.ingest import node_from_name
    from seaudit.text.badinput import BadInput

    assert isinstance(store, Store)
    node = node_opt or node_from_name(path)
    size = os.path.getsize(path) if path != "-" and os.path.isfile(path) else None

    bad = BadInput(keep=None if rejects is None else rejects.keep)

    with _bar(size, _show(path)) as advance:
        if path == "-":
            _check_encoding(sys.stdin.buffer, path)
            return import_stream(
                store,
                log,  # type: ignore[arg-type]
                sys.stdin.buffer,
                source="<stdin>",
                node=node,
                platform=platform,
                bad=bad,
                advance=advance,
            )
        with open(path, "rb") as raw:
            _check_encoding(raw, path)
            return import_stream(
                store,
                log,  # type: ignore[arg-type]
                raw,
                source=path,
                node=node,
                platform=platform,
                bad=bad,
                advance=advance,
            )


def _check_encoding(stream: BinaryIO, path: str) -> None:
    from seaudit.text.sniff import encoding_problem

    problem = encoding_problem(stream)
    if problem is not None:
        raise UsageError(f"cannot read {_show(path)}: {problem}")


class _bar:
    """A rich progress bar on stderr when stderr is a terminal; otherwise nothing."""

    def __init__(self, total: int | None, name: str) -> None:
        self.total, self.name = total, name
        self.progress: object = None

    def __enter__(self) -> Callable[[int], None]:
        if not sys.stderr.isatty():
            return lambda done: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        progress.start()
        task = progress.add_task(self.name, total=self.total)
        self.progress = progress
        return lambda done: progress.update(task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()  # type: ignore[attr-defined]
