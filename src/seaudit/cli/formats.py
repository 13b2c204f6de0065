"""``seaudit formats``: list the output formats with their usage."""

from __future__ import annotations

import argparse

HELP = "list the output formats and their options"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from seaudit.export import registry

    for fmt in registry().values():
        print(f"{fmt.name}\n    {fmt.usage}")
        for option, text in fmt.options.items():
            print(f"    --opt {option}=VALUE    {text}")
    return 0
