"""Output options shared by every verb that writes records (``parse``, the query, ``forward``
previews): ``--to FORMAT``, ``-o FILE``, ``--sessionid``, ``--padded``, ``--opt KEY=VALUE``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from seaudit.errors import UsageError
from seaudit.schema.record import AuditRecord


def add_output_arguments(parser: argparse.ArgumentParser, default: str = "jsonl") -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--to",
        default=default,
        metavar="FORMAT",
        help=f"output format (default {default}; `seaudit formats` lists them)",
    )
    group.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE instead of standard output"
    )
    group.add_argument(
        "--sessionid",
        action="store_true",
        help="include the session ID column in non-detailed output",
    )
    group.add_argument(
        "--padded", action="store_true", help="pad non-detailed columns the way seaudit aligns them"
    )
    group.add_argument(
        "--opt",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a format option (see `seaudit formats`); repeatable",
    )


def format_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options for the chosen format: the common flags it supports, then each --opt."""
    from seaudit.export import get_format

    fmt = get_format(args.to)
    options: dict[str, Any] = {}
    if args.sessionid and "sessionid" in fmt.options:
        options["sessionid"] = True
    if args.padded and "padded" in fmt.options:
        options["padded"] = True
    platform = getattr(args, "platform", None)
    if platform in ("unix", "windows") and "platform" in fmt.options:
        options["platform"] = platform
    for item in args.opt:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--opt takes KEY=VALUE, not {item!r}")
        if key not in fmt.options:
            known = ", ".join(fmt.options) or "none"
            raise UsageError(f"format {fmt.name!r} has no option {key!r} (options: {known})")
        options[key] = _value(value)
    return options


def terminal_safe(text: str) -> str:
    """Record or file-name text for a terminal: every character that is not printable (controls,
    line separators, undecodable bytes kept as surrogates) shown as its escape."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
        for c in text
    )


def _value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if text.isascii() and text.isdigit():
        return int(text)
    return text


def refuse_output_over_input(inputs: Iterable[str], outputs: Iterable[str | None]) -> None:
    """Before anything is opened for writing: an output that is an input (or another output)
    is refused, since opening it for writing would empty it (``parse -o in.txt in.txt``).
    Files are compared by device and inode, so links and other spellings are caught too."""
    seen: dict[tuple[int, int], str] = {}
    for given in inputs:
        ident = _identity(given)
        if ident is not None:
            seen.setdefault(ident, given)
    for path in outputs:
        ident = _identity(path)
        if ident is None or path is None:
            continue  # standard output, or a file still to be made: it cannot be an input
        if ident in seen:
            error = UsageError(
                f"{path} is also an input ({seen[ident]}): writing it would destroy it"
            )
            error.hint = "choose another output file"
            raise error
        seen[ident] = path


def _identity(path: str | None) -> tuple[int, int] | None:
    if not path or path == "-":
        return None
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


@contextmanager
def open_sink(args: argparse.Namespace) -> Iterator[BinaryIO]:
    """Where the records go: ``-o FILE`` or standard output (a binary format not to a terminal)."""
    from seaudit.export import get_format

    if args.output:
        try:
            out = open(args.output, "wb")  # noqa: SIM115 (closed below)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
        with out:
            yield out
        return
    if get_format(args.to).binary and sys.stdout.isatty():
        raise UsageError(f"format {args.to!r} is binary: give -o FILE or redirect the output")
    yield sys.stdout.buffer
    sys.stdout.buffer.flush()


def write_output(records: Iterable[AuditRecord], args: argparse.Namespace) -> int:
    """Write records as the arguments ask; returns how many were written."""
    from seaudit.export import get_format

    fmt = get_format(args.to)
    options = format_options(args)
    with open_sink(args) as sink:
        return fmt.write(records, sink, **options)
