"""``seaudit parse [FILE ...]``: seaudit text to JSON lines, CSV or text, through the bulk path.

Rejected lines are reported on stderr as ``FILE:LINE: reason`` (control characters escaped)
and, with ``--rejects PATH``, written there byte for byte as read. Exit status: 0 every line
parsed, 1 some rejected, 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO

from seaudit.cli.output import (
    add_output_arguments,
    format_options,
    open_sink,
    refuse_output_over_input,
)
from seaudit.text.badinput import RejectsWriter, rejects_file
from seaudit.text.short import escape_controls
from seaudit.text.sniff import encoding_problem

if TYPE_CHECKING:  # polars loads only when parsing starts (``seaudit --help`` stays quick)
    from seaudit.schema.codes import CodeTables
    from seaudit.schema.record import AuditRecord
    from seaudit.text.bulk import BulkBatch, Encoder
    from seaudit.text.reader import Reject

HELP = "parse seaudit text (non-detailed or detailed) and write records"
PROGRESS_BYTES = 64 << 20  # inputs at least this big get a progress bar (on a terminal)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="input files (none or -: standard input)"
    )
    add_output_arguments(parser)
    parser.add_argument(
        "--platform",
        choices=("unix", "windows", "auto"),
        default="auto",
        help="the endpoint platform (field order of trace and resource records)",
    )
    parser.add_argument("--rejects", metavar="PATH", help="write rejected lines there verbatim")
    parser.add_argument(
        "--tables",
        metavar="FILE",
        action="append",
        default=[],
        help="a site's `seaudit -t` dump extending the code tables",
    )
    parser.add_argument("--strict", action="store_true", help="stop at the first rejected line")


class _Run:
    """The state of one invocation: its bad input (reported as the library does for every
    verb), the rejects sink, whether some input could not be read."""

    def __init__(self, args: argparse.Namespace):
        from seaudit.text.badinput import BadInput

        self.args = args
        self.unreadable = False
        self.rejects: RejectsWriter | None = None
        self.bad = BadInput(strict=args.strict, keep=self._keep)

    @property
    def rejected(self) -> int:
        return self.bad.rejected

    @property
    def stopped(self) -> bool:
        return self.bad.stopped

    def _keep(self, reject: Reject) -> None:
        if self.rejects is not None:
            self.rejects.keep(reject)


def run(args: argparse.Namespace) -> int:
    from seaudit.cli.tables import site_tables
    from seaudit.errors import UsageError
    from seaudit.export import get_format

    fmt = get_format(args.to)
    platform = None if args.platform == "auto" else args.platform
    for flag in ("sessionid", "padded"):
        if getattr(args, flag) and flag not in fmt.options:
            raise UsageError(f"--{flag} does not apply to --to {fmt.name}")
    options = format_options(args)
    refuse_output_over_input(args.files, [args.output, args.rejects])
    tables = site_tables(args.tables)
    state = _Run(args)
    files = args.files or ["-"]
    with rejects_file(args.rejects) as state.rejects, open_sink(args) as sink:
        if fmt.name == "jsonl" and not options:
            from seaudit.export._jsonframe import json_lines, write_jsonl

            for batch in _batches(files, state, platform, tables, encode=json_lines):
                write_jsonl(batch, sink)
        else:
            fmt.write(_records(files, state, platform, tables), sink, **options)
    if state.unreadable:
        return 2
    return 1 if state.rejected else 0


def _records(
    files: list[str], state: _Run, platform: str | None, tables: CodeTables
) -> Iterator[AuditRecord]:
    from seaudit.text.bulk import records_of

    for batch in _batches(files, state, platform, tables):
        yield from records_of(batch)


def _batches(
    files: list[str],
    state: _Run,
    platform: str | None,
    tables: CodeTables,
    encode: Encoder | None = None,
) -> Iterator[BulkBatch]:
    for path in files:
        if state.stopped:
            return
        if path == "-":
            stream: BinaryIO = sys.stdin.buffer
            source = "<stdin>"
        else:
            try:
                stream = open(path, "rb")  # noqa: SIM115 (closed below)
            except OSError as exc:
                reason = exc.strerror or type(exc).__name__
                sys.stderr.write(escape_controls(f"seaudit: cannot read {path}: {reason}") + "\n")
                state.unreadable = True
                continue
            source = path
        problem = encoding_problem(stream)
        if problem is not None:
            sys.stderr.write(escape_controls(f"seaudit: cannot read {source}: {problem}") + "\n")
            state.unreadable = True
            if stream is not sys.stdin.buffer:
                stream.close()
            continue
        try:
            yield from _file_batches(stream, source, state, platform, tables, encode)
        except OSError as exc:
            sys.stderr.write(escape_controls(f"seaudit: cannot read {path}: {exc.strerror}") + "\n")
            state.unreadable = True
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()


def _file_batches(
    stream: BinaryIO,
    source: str,
    state: _Run,
    platform: str | None,
    tables: CodeTables,
    encode: Encoder | None,
) -> Iterator[BulkBatch]:
    from seaudit.text.badinput import checked_batches
    from seaudit.text.bulk import parse_batches

    progress = _progress(stream, source)
    state.bad.start()
    batches = parse_batches(stream, source=source, platform=platform, tables=tables, encode=encode)
    try:
        for batch in checked_batches(batches, state.bad):
            if progress is not None:
                progress[0].update(progress[1], completed=_position(stream))
            yield batch
    finally:
        if progress is not None:
            progress[0].stop()


def _position(stream: BinaryIO) -> int:
    try:
        return stream.tell()
    except OSError:
        return 0


def _progress(stream: BinaryIO, source: str):  # type: ignore[no-untyped-def]
    """A rich progress bar on stderr for a big regular file, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    try:
        size = os.fstat(stream.fileno()).st_size
    except (OSError, ValueError, AttributeError):
        return None
    if size < PROGRESS_BYTES:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(escape_controls(source)[-40:], total=size)
    bar.start()
    return bar, task
