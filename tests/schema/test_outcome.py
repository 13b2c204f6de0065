"""The status letter -> outcome table: one declaration that OCSF, ECS, CEF and LEEF show."""

from __future__ import annotations

import io
import json

from seaudit.export import write_records
from seaudit.export.ocsf import OUTCOMES, STATUS_IDS
from seaudit.schema.codes import default_tables
from seaudit.schema.outcome import OUTCOME, outcome
from seaudit.schema.record import AuditRecord


def _out(record: AuditRecord, fmt: str) -> str:
    sink = io.BytesIO()
    write_records([record], sink, fmt)
    return sink.getvalue().decode("utf-8")


def test_every_status_letter_of_the_code_tables_has_an_outcome() -> None:
    assert set(OUTCOME) == set(default_tables().statuses)
    assert outcome("Z") == "unknown"


def test_every_format_shows_the_declared_outcome() -> None:
    for letter, expected in OUTCOME.items():
        record = AuditRecord(event="login", timestamp="2024-05-15T09:00:00", status=letter)
        assert OUTCOMES[letter].status_id == STATUS_IDS[expected]
        assert json.loads(_out(record, "ecs"))["event"]["outcome"] == expected
        assert f" outcome={expected}" in _out(record, "cef")
        assert f"\toutcome={expected}\t" in _out(record, "leef")
