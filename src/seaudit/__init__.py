"""seaudit: the audit trail of PAM Server Control, parsed, stored, queried and exported."""

from __future__ import annotations

from seaudit.errors import CodeTableError, ParseError, SeauditError, UsageError
from seaudit.schema.codes import CodeTables, default_tables, load_site_tables
from seaudit.schema.events import LAYOUTS, Layout
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.detailed import parse_detailed, render_detailed
from seaudit.text.short import parse_short, render_short

__version__ = "0.1.0"

__all__ = [
    "LAYOUTS",
    "AuditRecord",
    "CodeTableError",
    "CodeTables",
    "Layout",
    "Origin",
    "ParseError",
    "SeauditError",
    "UsageError",
    "default_tables",
    "load_site_tables",
    "parse_detailed",
    "parse_short",
    "render_detailed",
    "render_short",
]
