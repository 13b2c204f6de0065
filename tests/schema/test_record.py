"""The immutable record: JSON keys, from_dict / to_dict, equality without provenance."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given

from seaudit.schema.events import LAYOUT_BY_ID
from seaudit.schema.fields import KEYS
from seaudit.schema.record import AuditRecord, Origin
from tests.strategies import records


@given(record=records(detailed=True))
def test_to_dict_and_back(record: AuditRecord) -> None:
    data = record.to_dict()
    assert list(data) == [k for k in KEYS if k in data]
    assert None not in data.values()
    assert AuditRecord.from_dict(json.loads(json.dumps(data))) == record
    assert set(data) <= LAYOUT_BY_ID[record.event].keys


def test_absent_is_absent_and_empty_flags_are_kept() -> None:
    r = AuditRecord(
        event="login", timestamp="2008-10-28T12:15:01", status="P", user="root", audit_flags=""
    )
    assert r.to_dict() == {
        "event": "login",
        "timestamp": "2008-10-28T12:15:01",
        "status": "P",
        "user": "root",
        "audit_flags": "",
    }
    assert r.get("class") is None and r.get("user") == "root"


def test_class_key_maps_to_the_class_attribute() -> None:
    r = AuditRecord.from_dict(
        {
            "event": "resource_access",
            "timestamp": "2008-11-18T15:23:56",
            "status": "D",
            "class": "FILE",
        }
    )
    assert r.class_ == "FILE" == r.get("class") == r.to_dict()["class"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"event": "login", "timestamp": "t", "status": "P", "hue": "red"}, "unknown record key"),
        ({"event": "login", "timestamp": "t"}, "lacks 'status'"),
        ({"event": "login", "timestamp": "t", "status": "P", "stage": "59"}, "wrong type"),
        ({"event": "login", "timestamp": "t", "status": "P", "stage": True}, "wrong type"),
        ({"event": "login", "timestamp": "t", "status": "P", "user": 3}, "wrong type"),
        ({"event": "trace", "timestamp": "t", "status": "P", "real_uid": 1.5}, "wrong type"),
    ],
)
def test_from_dict_refuses_bad_data(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AuditRecord.from_dict(data)


def test_real_uid_is_an_int_or_a_name() -> None:
    base = {"event": "trace", "timestamp": "t", "status": "P"}
    assert AuditRecord.from_dict({**base, "real_uid": 108}).real_uid == 108
    assert AuditRecord.from_dict({**base, "real_uid": "MACHINE\\john"}).real_uid == "MACHINE\\john"
    assert AuditRecord.from_dict({**base, "stage_message": None}).stage_message is None


def test_records_are_immutable_and_provenance_is_not_content() -> None:
    r = AuditRecord(event="login", timestamp="2008-10-28T12:15:01", status="P")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.status = "D"  # type: ignore[misc]
    other = r.with_warning("w").replace(origin=Origin("f", 3, "raw", "node1"))
    assert other == r and hash(other) == hash(r)
    assert other.warnings == ("w",) and other.origin == Origin("f", 3, "raw", "node1")
    assert r.replace(status="D") != r
