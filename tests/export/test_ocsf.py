"""OCSF: every event produced validates against the official 1.8.0 schema, compiled from its
repository directory by ocsf-lib and turned into JSON Schema by ocsf-json-schema."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.export import get_format
from seaudit.export._mapping import Context, Key, mapped_keys
from seaudit.export.ocsf import EVENT_MAPS, NON_FILE_ACCESS, event_map
from seaudit.schema.events import EVENT_IDS, LAYOUTS
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.short import render_short
from tests.export.conftest import OcsfValidator, records, seed_records

OPTION_SETS: list[dict[str, str]] = [{}, {"device": "node9", "timezone": "Europe/Paris"}]


def events(recs: list[AuditRecord], **options: Any) -> list[dict[str, Any]]:
    sink = io.BytesIO()
    assert get_format("ocsf").write(recs, sink, **options) == len(recs)
    lines = sink.getvalue().split(b"\n")
    assert lines[-1] == b""
    return [json.loads(line) for line in lines[:-1]]


def assert_valid(validator: OcsfValidator, record: AuditRecord, event: dict[str, Any]) -> None:
    errors = validator.errors(event)
    assert not errors, f"{record.event}: {errors}\n{json.dumps(event, indent=1)}"


def get_path(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        node = node[part]
    return node


def assert_carries_the_record(record: AuditRecord, event: dict[str, Any], options: dict) -> None:
    """Every record key is either at the attribute a Key rule names or in unmapped."""
    emap = event_map(record)
    with_host = "device" in event
    rules = emap.all_rules(with_host)
    for path, source in rules:
        if isinstance(source, Key) and record.get(source.key) is not None:
            assert get_path(event, path) == source.value(record, Context.from_options(options))
    unmapped = event.get("unmapped", {})
    for key, value in record.to_dict().items():
        if key not in mapped_keys(rules):
            assert unmapped[key] == value, key


@pytest.mark.parametrize("options", OPTION_SETS)
def test_seed_records_validate(ocsf_validator: OcsfValidator, options: dict[str, str]) -> None:
    recs = list(seed_records())
    for record, event in zip(recs, events(recs, **options), strict=True):
        assert_valid(ocsf_validator, record, event)
        assert_carries_the_record(record, event, options)
        assert event["raw_data"] == record.origin.raw  # type: ignore[union-attr]


@settings(max_examples=300, deadline=None)
@given(st.lists(records(), min_size=1, max_size=5), st.sampled_from(OPTION_SETS))
def test_generated_records_validate(
    ocsf_validator: OcsfValidator, recs: list[AuditRecord], options: dict[str, str]
) -> None:
    for record, event in zip(recs, events(recs, **options), strict=True):
        assert_valid(ocsf_validator, record, event)
        assert_carries_the_record(record, event, options)


def test_the_validator_rejects_what_it_should(ocsf_validator: OcsfValidator) -> None:
    event = events([seed_records()[0]])[0]
    assert not ocsf_validator.errors(event)
    assert ocsf_validator.errors({**event, "no_such_attribute": 1})
    assert ocsf_validator.errors({**event, "status_id": 7})
    assert ocsf_validator.errors({k: v for k, v in event.items() if k != "time"})
    assert ocsf_validator.errors({**event, "time": "2009-01-21"})
    without_profile = {**event, "metadata": {**event["metadata"], "profiles": []}}
    assert ocsf_validator.errors({**without_profile, "device": {"name": "n", "type_id": 0}})


def test_every_event_type_has_a_class() -> None:
    assert set(EVENT_MAPS) == set(EVENT_IDS)
    file_access = AuditRecord(
        event="resource_access",
        timestamp="2008-11-18T15:23:56",
        status="D",
        class_="FILE",
        resource="/tmp/one",
    )
    assert event_map(file_access).cls.uid == 1001
    assert event_map(file_access.replace(class_="PROGRAM")) is NON_FILE_ACCESS


def test_time_zone_and_original_time() -> None:
    record = AuditRecord(event="login", timestamp="2008-11-18T15:23:56", status="P", user="u")
    utc, paris = events([record])[0], events([record], timezone="Europe/Paris")[0]
    assert utc["time"] == 1227021836000
    assert "timezone_offset" not in utc
    assert paris["time"] == 1227021836000 - 3600_000
    assert paris["timezone_offset"] == 60
    assert (
        utc["metadata"]["original_time"]
        == paris["metadata"]["original_time"]
        == "2008-11-18T15:23:56"
    )
    with pytest.raises(UsageError):
        events([record], timezone="Mars/Olympus")


def test_codes_messages_and_raw_line() -> None:
    record = AuditRecord(
        event="resource_access",
        timestamp="2008-11-18T15:23:56",
        status="D",
        class_="FILE",
        user="admabc",
        access="Read",
        stage=69,
        reason=3,
        resource="/tmp/one",
        program="/bin/cat",
        terminal="t1",
        session_id="4922ae61:00000132",
        audit_flags="",
        effective_user="admabc",
    )
    event = events([record])[0]
    assert event["status_id"] == 2 and event["action_id"] == 2 and event["disposition_id"] == 2
    assert event["status_code"] == "D"
    assert event["status_detail"] == "No step that allowed access"
    assert event["unmapped"]["stage"] == 69
    assert event["unmapped"]["reason"] == 3
    assert event["unmapped"]["reason_message"] == "Resource audit mode required logging"
    assert event["raw_data"] == render_short(record, sessionid=True)
    assert event["activity_id"] == 2 and event["type_uid"] == 100102


def test_undecodable_bytes_stay_valid_json(ocsf_validator: OcsfValidator) -> None:
    record = AuditRecord(
        event="login",
        timestamp="2008-10-28T12:15:01",
        status="P",
        user="ro\udcffot",
        origin=Origin("f", 1, "raw \udcff line"),
    )
    event = events([record])[0]
    assert event["user"]["name"] == "ro\udcffot"
    assert not ocsf_validator.errors(event)


def _full_record(layout_id: str, class_: str | None = None) -> AuditRecord:
    """A record of a layout with every key it can carry."""
    layout = next(lay for lay in LAYOUTS if lay.id == layout_id)
    values: dict[str, Any] = {
        "event": layout.id,
        "timestamp": "2008-11-18T15:23:56",
        "status": layout.statuses[0],
    }
    for key in sorted(layout.keys - set(values)):
        values[key] = 7 if key in ("stage", "reason", "effective_uid", "real_uid") else "x"
    values["class"] = class_ or (layout.classes[0] if layout.classes else "FILE")
    values["command"] = "cr file x"
    values["access"] = "Read"
    values["platform"] = "unix"
    return AuditRecord.from_dict(values).replace(origin=Origin("f", 1, "line", "node1"))


def test_required_and_recommended_attributes(ocsf_validator: OcsfValidator) -> None:
    """Every required attribute is filled; prints (see it with ``-s``) which recommended
    ones each class fills, with and without a known endpoint."""
    samples = [_full_record(e) for e in EVENT_IDS] + [_full_record("resource_access", "PROGRAM")]
    rows = []
    for known in (False, True):
        for record in samples:
            if not known:
                record = record.replace(origin=Origin("f", 1, "line"))
            event = events([record])[0]
            assert_valid(ocsf_validator, record, event)
            profiles = event["metadata"].get("profiles", [])
            cls = event["class_uid"]
            required = ocsf_validator.attributes(cls, "required", profiles)
            assert required <= set(event), (record.event, required - set(event))
            recommended = ocsf_validator.attributes(cls, "recommended", profiles)
            label = record.event + (
                ""
                if record.class_ in (None, "FILE") or record.event != "resource_access"
                else " (not FILE)"
            )
            rows.append(
                (
                    label,
                    "yes" if known else "no",
                    f"{event['class_name']} {cls}",
                    ", ".join(sorted(profiles)),
                    ", ".join(sorted(required)),
                    ", ".join(sorted(recommended & set(event))),
                    ", ".join(sorted(recommended - set(event))),
                )
            )
    print(
        "\n| event | endpoint known | class | profiles | required (all filled) "
        "| recommended filled | recommended not filled |\n|---|---|---|---|---|---|---|"
    )
    for row in rows:
        print("| " + " | ".join(row) + " |")


def test_writes_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "events.ocsf.jsonl"
    with path.open("wb") as sink:
        assert get_format("ocsf").write(list(seed_records()), sink) == len(seed_records())
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == len(seed_records())
    assert all(json.loads(line)["metadata"]["version"] == "1.8.0" for line in lines)
