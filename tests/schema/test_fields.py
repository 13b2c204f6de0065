"""The field table is SCHEMA.md's key list, and the record's attributes follow it one for one."""

from __future__ import annotations

import dataclasses
import re

from seaudit.schema.fields import FIELD_BY_KEY, FIELDS, INT_KEYS, INT_OR_STR, KEYS
from seaudit.schema.record import AuditRecord
from tests.shared import shared_path


def test_record_attributes_are_the_fields_one_for_one() -> None:
    names = [f.name for f in dataclasses.fields(AuditRecord)]
    assert names == [f.attr for f in FIELDS] + ["warnings", "origin"]
    for field in dataclasses.fields(AuditRecord):
        if field.name in ("warnings", "origin"):
            assert field.compare is False
        else:
            assert field.compare is True


def test_keys_are_unique_and_class_is_the_only_renamed_one() -> None:
    assert len(set(KEYS)) == len(KEYS) == len(FIELD_BY_KEY)
    assert [f.key for f in FIELDS if f.attr != f.key] == ["class"]


def test_types() -> None:
    assert {"stage", "reason", "effective_uid"} == INT_KEYS
    assert {"real_uid"} == INT_OR_STR
    assert {f.kind for f in FIELDS} <= {
        "word",
        "int",
        "name",
        "path",
        "text",
        "session",
        "flags",
        "meta",
    }
    assert FIELD_BY_KEY["session_id"].kind == "session"
    assert FIELD_BY_KEY["audit_flags"].kind == "flags"
    assert {k for k, f in FIELD_BY_KEY.items() if f.kind == "text"} == {"command", "trace"}


def test_the_keys_are_those_of_schema_md_in_its_order() -> None:
    text = (
        shared_path("spec", "SCHEMA.md")
        .read_text("utf-8")
        .split("## Field keys", 1)[1]
        .split("## ", 1)[0]
    )
    keys = re.findall(r"^\| `([a-z_]+)` \| (\w[^|]*?) \|", text, re.M)
    assert tuple(k for k, _ in keys) == KEYS
    for key, kind in keys:
        expected = {"integer": int, "string": str}.get(kind.strip(), str)
        if key not in INT_OR_STR:
            assert FIELD_BY_KEY[key].type is expected, key
