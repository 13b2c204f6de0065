"""The audit log: an append-only, framed, checksummed and hash-chained record file with the
product's rotation rules (``seos.ini [logmgr]``).

    cfg = LogConfig.load("seos.ini")
    with AuditLog(cfg) as log:
        seq = log.append(record)
    for entry in read_log(cfg): ...
    verify_log(cfg).ok
"""

from __future__ import annotations

from seaudit.log.config import FlushPolicy, LogConfig
from seaudit.log.payload import LogEntry
from seaudit.log.reader import read_log, read_segment
from seaudit.log.rotate import log_files
from seaudit.log.verify import Problem, VerifyReport, verify_log
from seaudit.log.writer import AuditLog, Recovery

__all__ = [
    "AuditLog",
    "FlushPolicy",
    "LogConfig",
    "LogEntry",
    "Problem",
    "Recovery",
    "VerifyReport",
    "log_files",
    "read_log",
    "read_segment",
    "verify_log",
]
