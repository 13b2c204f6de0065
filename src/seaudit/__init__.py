"""seaudit: the audit trail of PAM Server Control, parsed, stored, queried and exported.

The names below are imported on first use (PEP 562), so a command that needs only the store
does not pay for the parsers and code tables at start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_HOME = {
    "seaudit.errors": ("CodeTableError", "ParseError", "SeauditError", "UsageError"),
    "seaudit.schema.codes": ("CodeTables", "default_tables", "load_site_tables"),
    "seaudit.schema.events": ("LAYOUTS", "Layout"),
    "seaudit.schema.record": ("AuditRecord", "Origin"),
    "seaudit.text.detailed": ("parse_detailed", "render_detailed"),
    "seaudit.text.short": ("parse_short", "render_short"),
}
_MODULE_OF = {name: module for module, names in _HOME.items() for name in names}

__all__ = [  # noqa: RUF022 (grouped by module, as _HOME)
    "CodeTableError", "ParseError", "SeauditError", "UsageError",
    "CodeTables", "default_tables", "load_site_tables",
    "LAYOUTS", "Layout",
    "AuditRecord", "Origin",
    "parse_detailed", "render_detailed",
    "parse_short", "render_short",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'seaudit' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
