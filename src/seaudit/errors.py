"""One base error and a few leaves: callers catch ``SeauditError``; the CLI never shows a traceback.

SeauditError
├── ParseError        a line or file that is not seaudit text (carries source, line, reason)
├── CodeTableError    a site's `seaudit -t` dump that cannot be read
├── UsageError        a request the library cannot honour (bad option, unknown format)
├── PolicyError       a policy file or audit.cfg that cannot be read (source, line, column)
├── EngineError       the query engine (Spark) cannot start or cannot be reached
├── LogError          the audit log cannot do what was asked (files left intact)
│   ├── LogWriteError     cannot write (permissions, read-only, I/O)
│   │   └── LogFullError  disk full or file-size limit reached
│   ├── LogCorruptError   damage other than a torn tail (or records missing from the log)
│   ├── LogLockedError    another writer holds the log
│   └── LogKeyError       HMAC key missing or unusable
└── StoreError        the store's Parquet side cannot do what was asked
    └── StoreCorruptError  a manifest, watermark or Parquet file that disagrees with the others
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


class LogError(SeauditError):
    """The audit log cannot do what was asked; the files on disk are left intact."""


class LogWriteError(LogError):
    """The log file cannot be written (permissions, read-only file system, I/O error)."""

    hint = "Check that the log directory exists and is writable by this user."


class LogFullError(LogWriteError):
    """The disk or the file-size limit is reached; the record was not written."""

    hint = "Free space, raise the limit, or set on_full = rotate in [logmgr]."


class LogCorruptError(LogError):
    """A log file is damaged somewhere other than a torn tail; nothing was cut."""

    hint = "Run `seaudit verify` to locate the damage; the file was not modified."


class LogLockedError(LogError):
    """Another process holds the log open for writing."""

    hint = "Only one writer may append to a log at a time."


class LogKeyError(LogError):
    """The HMAC key is missing or unusable for a keyed log."""

    hint = "Give the key with --key-file (or hmac_key_file in [logmgr])."


class PolicyError(SeauditError):
    """A policy file or audit.cfg that cannot be read; ``str()`` reads
    ``SOURCE:LINE:COLUMN: reason``."""

    def __init__(self, reason: str, *, source: str = "<policy>", line: int = 0, column: int = 0):
        self.reason = _printable(reason)
        self.source = source
        self.line = line
        self.column = column
        super().__init__(f"{_printable(source)}:{line}:{column}: {self.reason}")


def _printable(text: str) -> str:
    """Text safe for a terminal: control characters (from a file's names) as ``\\xNN``."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" for ch in text)


class StoreError(SeauditError):
    """The store's Parquet tree cannot do what was asked."""


class StoreCorruptError(StoreError):
    """A manifest, watermark or Parquet file is damaged or disagrees with the manifest."""

    hint = "Run `seaudit verify` to see the damage; `seaudit reindex` rebuilds from the log."


class EngineError(SeauditError):
    """The query engine asked for (Spark) is not installed, cannot start or cannot be reached."""

    hint = "pip install 'seaudit[spark]' and a Java 17 runtime; or query with --engine duckdb"
