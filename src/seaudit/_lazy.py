"""Package names imported on first use (PEP 562): a command pays at start-up only for the
modules it touches, not for everything its package re-exports."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # not typing's: this module is on every command's start-up path
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def lazy_exports(package: str, homes: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name in ``homes`` (module -> names)
    comes from its module when first asked for."""
    module_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
