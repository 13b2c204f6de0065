"""The ``seaudit`` command: thin verbs over the library; ``main(argv) -> int``.

Each verb is a module with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``,
listed in ``COMMANDS`` (a test checks the list against the package). ``seaudit -t`` prints the
code tables, as the product's own utility does. Errors of the library (``SeauditError``) are
printed as ``Type: message`` with a hint and exit 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from seaudit.errors import SeauditError

#: verb -> module (imported only when the verb runs, so start-up stays fast)
COMMANDS: dict[str, str] = {
    "parse": "seaudit.cli.parse",
    "formats": "seaudit.cli.formats",
    "verify": "seaudit.cli.verify",
}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args_list)
    except SeauditError as exc:
        hint = f"\nhint: {exc.hint}" if exc.hint else ""
        print(f"seaudit: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 0


def _dispatch(args_list: list[str]) -> int:
    if args_list[:1] == ["-t"] or args_list[:1] == ["--tables"]:
        from seaudit.cli.tables import run_tables

        return run_tables(args_list[1:])
    parser = argparse.ArgumentParser(
        prog="seaudit",
        description="Parse, store, query and export PAM Server Control audit records.",
        epilog="seaudit -t prints the code tables.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if not args_list or args_list[0] not in COMMANDS:
        for name, module_name in COMMANDS.items():
            sub.add_parser(name, help=_help_of(module_name))
        parser.parse_args(args_list or ["--help"])
        return 2
    name = args_list[0]
    module = importlib.import_module(COMMANDS[name])
    verb = sub.add_parser(name, help=module.HELP, description=module.HELP)
    module.add_arguments(verb)
    args = parser.parse_args(args_list)
    return int(module.run(args))


def _help_of(module_name: str) -> str:
    return str(importlib.import_module(module_name).HELP)


def _silence_stdout() -> None:
    """After a closed pipe (``seaudit ... | head``), stop Python complaining at exit."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
