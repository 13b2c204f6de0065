"""One base error and a few leaves: callers catch ``SeauditError``; the CLI never shows a traceback.

    SeauditError
    ├── ParseError        a line or file that is not seaudit text (carries source, line, reason)
    ├── CodeTableError    a site's `seaudit -t` dump that cannot be read
    └── UsageError        a request the library cannot honour (bad option, unknown format)
"""

from __future__ import annotations


class SeauditError(Exception):
    """Base of every error seaudit raises on purpose."""

    hint: str = ""


class ParseError(SeauditError):
    """A line that is not a seaudit record; ``str()`` reads ``SOURCE:LINE: reason``."""

    def __init__(self, reason: str, *, source: str = "<input>", line: int = 0, excerpt: str = ""):
        self.reason = reason
        self.source = source
        self.line = line
        self.excerpt = excerpt
        super().__init__(f"{source}:{line}: {reason}")


class CodeTableError(SeauditError):
    """A code table text that cannot be loaded."""

    hint = "Give the text that `seaudit -t` prints: section titles, then one 'CODE message' a line."


class UsageError(SeauditError):
    """A request that cannot be honoured as asked."""
