"""Shared helpers for the log tests: a few varied records and a log config in a temp dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seaudit.log import LogConfig
from seaudit.schema.record import AuditRecord, Origin


def make_record(i: int, *, pad: int = 0) -> AuditRecord:
    """The i-th test record: events and fields vary, provenance set on every other one."""
    kinds = [
        dict(event="login", status="P", user=f"user{i % 7}", terminal="tty1", program="/bin/login"),
        dict(
            event="resource_access",
            status="D",
            class_="FILE",
            user="bob",
            access="READ",
            resource=f"/etc/secret{i}" + "x" * pad,
            program="/bin/cat",
            stage=69,
            reason=2,
        ),
        dict(event="logout", status="P", user="alice", terminal="pts/0"),
    ]
    origin = Origin("sample.txt", i + 1, raw=f"line {i} \x1b[31m", node="host-a") if i % 2 else None
    return AuditRecord(
        timestamp=f"2026-01-{1 + i % 28:02d}T10:{i % 60:02d}:00", origin=origin, **kinds[i % 3]
    )  # type: ignore[arg-type]


@pytest.fixture
def log_cfg(tmp_path: Path) -> Callable[..., LogConfig]:
    def build(**kw: object) -> LogConfig:
        kw.setdefault("audit_log", tmp_path / "log" / "seos.audit")
        return LogConfig(**kw)  # type: ignore[arg-type]

    return build
