"""seaudit: the audit trail of PAM Server Control, parsed, stored, queried and exported.

The names below are imported on first use (PEP 562), so a command that needs only the store
does not pay for the parsers and code tables at start-up.
"""

from __future__ import annotations

from seaudit._lazy import lazy_exports

TYPE_CHECKING = False  # not typing's: importing typing costs start-up (mypy knows the name)
if TYPE_CHECKING:  # the same names, for type checkers
    from seaudit.errors import CodeTableError, ParseError, SeauditError, UsageError
    from seaudit.schema.codes import CodeTables, default_tables, load_site_tables
    from seaudit.schema.events import LAYOUTS, Layout
    from seaudit.schema.record import AuditRecord, Origin
    from seaudit.text.detailed import parse_detailed, render_detailed
    from seaudit.text.short import parse_short, render_short

__version__ = "0.1.0"

_HOME = {
    "seaudit.errors": ("CodeTableError", "ParseError", "SeauditError", "UsageError"),
    "seaudit.schema.codes": ("CodeTables", "default_tables", "load_site_tables"),
    "seaudit.schema.events": ("LAYOUTS", "Layout"),
    "seaudit.schema.record": ("AuditRecord", "Origin"),
    "seaudit.text.detailed": ("parse_detailed", "render_detailed"),
    "seaudit.text.short": ("parse_short", "render_short"),
}
__all__ = [  # noqa: RUF022 (grouped by module, as _HOME)
    "CodeTableError",
    "ParseError",
    "SeauditError",
    "UsageError",
    "CodeTables",
    "default_tables",
    "load_site_tables",
    "LAYOUTS",
    "Layout",
    "AuditRecord",
    "Origin",
    "parse_detailed",
    "render_detailed",
    "parse_short",
    "render_short",
]


__getattr__ = lazy_exports(__name__, _HOME)
