"""The ``seaudit`` command: thin verbs over the library; ``main(argv) -> int``.

Each verb is a module with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``,
listed in ``COMMANDS`` (a test checks the list against the package). ``seaudit -t`` prints the
code tables, as the product's own utility does. Errors of the library (``SeauditError``) are
printed as ``Type: message`` with a hint and exit 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from seaudit.errors import SeauditError

#: verb -> module (imported only when the verb runs, so start-up stays fast)
COMMANDS: dict[str, str] = {
    "parse": "seaudit.cli.parse",
    "formats": "seaudit.cli.formats",
    "query": "seaudit.cli.query",
    "import": "seaudit.cli.importer",
    "reindex": "seaudit.cli.reindex",
    "compact": "seaudit.cli.compact",
    "verify": "seaudit.cli.verify",
    "forward": "seaudit.cli.forward",
    "policy": "seaudit.cli.policy",
    "simulate": "seaudit.cli.simulate",
    "report": "seaudit.cli.report",
    "serve": "seaudit.cli.serve",
    "agent": "seaudit.cli.agent",
    "route": "seaudit.cli.route",
    "collect": "seaudit.cli.collect",
    "nats-config": "seaudit.cli.natsconfig",
    "warm": "seaudit.cli.warm",
}
HELP_LINES = 12  # a verb's HELP spans at most this many lines of its source
#: what ``seaudit`` does when the first argument is not a verb (as the product: show records)
DEFAULT_COMMAND = "query"


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
    except OSError as exc:  # a path that cannot be made, read or written
        where = f" {exc.filename}" if exc.filename else ""
        print(f"seaudit: cannot use{where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: say so plainly (SEAUDIT_DEBUG=1 shows the traceback)
        if os.environ.get("SEAUDIT_DEBUG"):
            raise
        print(
            f"seaudit: internal error: {type(exc).__name__}: {exc}\n"
            "hint: this is a bug in seaudit; run again with SEAUDIT_DEBUG=1 and report the "
            "traceback",
            file=sys.stderr,
        )
        return 3


def _dispatch(args_list: list[str]) -> int:
    store, args_list = _leading_store(args_list)
    if args_list[:1] == ["-t"] or args_list[:1] == ["--tables"]:
        from seaudit.cli.tables import run_tables

        return run_tables(args_list[1:])
    if args_list and args_list[0] not in COMMANDS and args_list[0] not in ("-h", "--help"):
        args_list = [DEFAULT_COMMAND, *args_list]
    elif not args_list and store:
        args_list = [DEFAULT_COMMAND]
    if store:  # the verb's own option, wherever it was given
        args_list = [args_list[0], *store, *args_list[1:]]
    parser = argparse.ArgumentParser(
        prog="seaudit",
        description="Parse, store, query and export PAM Server Control audit records.",
        epilog="seaudit -t prints the code tables. Without a command, seaudit queries the store "
        "(seaudit -a, seaudit --status D --user bob): see seaudit query --help.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if not args_list or args_list[0] not in COMMANDS:
        for name, module_name in COMMANDS.items():
            sub.add_parser(name, help=_help_of(module_name))
        parser.parse_args(args_list or ["--help"])
        return 2
    name = args_list[0]
    if name == DEFAULT_COMMAND:  # answered by a warm query service when one runs (``warm``)
        from seaudit.warm.client import remote

        status = remote(args_list)
        if status is not None:
            return status
    module = importlib.import_module(COMMANDS[name])
    verb = argparse.ArgumentParser(prog=f"seaudit {name}", description=module.HELP)
    module.add_arguments(verb)
    try:  # options may follow positionals: `seaudit forward URL --ca X FILE`
        args = verb.parse_intermixed_args(args_list[1:])
    except TypeError:  # a verb whose arguments intermixing cannot handle
        args = verb.parse_args(args_list[1:])
    args.command = name
    return int(module.run(args))


def _leading_store(args_list: list[str]) -> tuple[list[str], list[str]]:
    """``--store PATH`` given before the verb (``seaudit --store S import f``), taken out to be
    handed to the verb, which takes it like every store command does."""
    store: list[str] = []
    while args_list:
        if args_list[0].startswith("--store="):
            width = 1
        elif args_list[0] == "--store" and len(args_list) >= 2:
            width = 2
        else:
            break
        store, args_list = store + args_list[:width], args_list[width:]
    return store, args_list


def _help_of(module_name: str) -> str:
    """A verb's ``HELP``, read from its source rather than imported: importing every verb to
    list them costs half a second (polars, DuckDB, pyarrow); reading their sources, a millisecond.
    A ``HELP`` that is not a plain string literal is imported after all."""
    package, _, leaf = module_name.rpartition(".")
    if package == __name__:
        try:
            with open(os.path.join(os.path.dirname(__file__), f"{leaf}.py"), encoding="utf-8") as f:
                text = literal_help(f.read())
        except OSError:  # installed without sources: import it after all
            text = None
        if text is not None:
            return text
    return str(importlib.import_module(module_name).HELP)


def literal_help(source: str) -> str | None:
    """The string literal assigned to ``HELP`` at the top level of ``source`` (one line or a
    parenthesised run of lines), or None when there is none. Compiled, not parsed with
    ``ast`` (whose import alone costs more than the rest): only code made of constants
    alone, no name and no call, is evaluated."""
    lines = source.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("HELP = ")), None)
    if start is None:
        return None
    first = lines[start].removeprefix("HELP = ")
    for end in range(start, min(start + HELP_LINES, len(lines))):
        expr = "\n".join([first, *lines[start + 1 : end + 1]])
        try:
            code = compile(expr, "<HELP>", "eval", dont_inherit=True)
        except SyntaxError:
            continue
        if code.co_names:
            return None
        value = eval(code, {"__builtins__": {}})  # constants only: checked above
        return value if isinstance(value, str) else None
    return None


def _silence_stdout() -> None:
    """After a closed pipe (``seaudit ... | head``), stop Python complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
