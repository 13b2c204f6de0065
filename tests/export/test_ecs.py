"""ECS: valid JSON lines, only ECS field names (plus seaudit.*), allowed categorisation values,
and every record key carried."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.export import get_format
from seaudit.export._mapping import Context, Key, leaf_paths, mapped_keys
from seaudit.export.ecs import CUSTOM_NAMESPACE, ECS_FIELDS, EVENT_RULES, rules_for
from seaudit.schema.events import EVENT_IDS
from seaudit.schema.record import AuditRecord, Origin
from tests.export.conftest import records, seed_records

#: ECS 8.x categorisation: event.category values and the event.type values each allows
#: (https://www.elastic.co/guide/en/ecs/current/ecs-allowed-values-event-category.html)
ECS_CATEGORY_TYPES: dict[str, set[str]] = {
    "authentication": {"start", "end", "info"},
    "configuration": {"access", "change", "creation", "deletion", "info"},
    "file": {"access", "change", "creation", "deletion", "info"},
    "host": {"access", "change", "end", "info", "start"},
    "iam": {"admin", "change", "creation", "deletion", "group", "info", "user"},
    "intrusion_detection": {"allowed", "denied", "info"},
    "network": {"access", "allowed", "connection", "denied", "end", "info", "protocol", "start"},
    "process": {"access", "change", "end", "info", "start"},
}
ECS_KINDS = {"alert", "event"}
ECS_OUTCOMES = {"success", "failure", "unknown"}
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")


def documents(recs: list[AuditRecord], **options: Any) -> list[dict[str, Any]]:
    sink = io.BytesIO()
    assert get_format("ecs").write(recs, sink, **options) == len(recs)
    lines = sink.getvalue().split(b"\n")
    assert lines[-1] == b""
    return [json.loads(line) for line in lines[:-1]]


def get_path(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        node = node[part]
    return node


def check(record: AuditRecord, doc: dict[str, Any], options: dict[str, str]) -> None:
    for path in leaf_paths(doc):
        assert path in ECS_FIELDS or path.startswith(CUSTOM_NAMESPACE + "."), path
    assert _TIMESTAMP.match(doc["@timestamp"]), doc["@timestamp"]
    event = doc["event"]
    assert event["kind"] in ECS_KINDS
    assert event["outcome"] in ECS_OUTCOMES
    categories = event["category"]
    assert categories and set(categories) <= set(ECS_CATEGORY_TYPES)
    allowed = set().union(*(ECS_CATEGORY_TYPES[c] for c in categories))
    assert event["type"] and set(event["type"]) <= allowed, (categories, event["type"])
    rules = rules_for(record)
    ctx = Context.from_options(options)
    last_rule = {path: source for path, source in rules}
    for path, source in last_rule.items():
        if isinstance(source, Key) and record.get(source.key) is not None:
            assert get_path(doc, path) == source.value(record, ctx), path
    custom = doc.get(CUSTOM_NAMESPACE, {})
    for key, value in record.to_dict().items():
        if key not in mapped_keys(rules):
            assert custom[key] == value, key


@pytest.mark.parametrize("options", [{}, {"device": "node9", "timezone": "America/New_York"}])
def test_seed_records(options: dict[str, str]) -> None:
    recs = list(seed_records())
    for record, doc in zip(recs, documents(recs, **options), strict=True):
        check(record, doc, options)
        assert doc["event"]["original"] == record.origin.raw  # type: ignore[union-attr]


@settings(max_examples=200, deadline=None)
@given(st.lists(records(), min_size=1, max_size=5))
def test_generated_records(recs: list[AuditRecord]) -> None:
    for record, doc in zip(recs, documents(recs), strict=True):
        check(record, doc, {})


def test_every_event_type_has_rules() -> None:
    assert set(EVENT_RULES) == set(EVENT_IDS)


def test_the_login_example() -> None:
    login = next(r for r in seed_records() if r.event == "login")
    doc = documents([login], timezone="Europe/Paris")[0]
    assert doc["@timestamp"] == "2008-10-28T12:15:01.000+01:00"
    assert doc["event"]["category"] == ["authentication"]
    assert doc["event"]["outcome"] == "success"
    assert doc["event"]["code"] == "59"
    assert doc["event"]["reason"] == "Resource UACC check"
    assert doc["user"]["name"] == "root"
    assert doc["seaudit"]["reason"] == 2
    assert doc["seaudit"]["reason_message"] == "User audit mode requires logging"


def test_network_and_file_fields() -> None:
    outbound = next(r for r in seed_records() if r.event == "outbound_network")
    doc = documents([outbound])[0]
    assert doc["destination"]["domain"] == "computer.org"
    assert doc["event"]["type"] == ["connection", "denied"]
    file_access = next(r for r in seed_records() if r.event == "resource_access")
    doc = documents([file_access.replace(effective_uid=0)])[0]
    assert doc["file"]["path"] == "/tmp/one"
    assert doc["process"]["executable"] == "/usr/local/bin/tcsh"
    assert doc["user"]["effective"] == {"name": "admabc", "id": "0"}


def test_undecodable_bytes_stay_valid_json(tmp_path: Path) -> None:
    record = AuditRecord(
        event="login",
        timestamp="2008-10-28T12:15:01",
        status="P",
        user="ro\udcffot",
        origin=Origin("f", 1, "raw\udcff"),
    )
    path = tmp_path / "out.ecs.jsonl"
    with path.open("wb") as sink:
        get_format("ecs").write([record], sink)
    doc = json.loads(path.read_bytes())
    assert doc["user"]["name"] == "ro\udcffot"
