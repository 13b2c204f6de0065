"""Shared material for the export tests: the seed examples as records, a hypothesis strategy
of records for every event type, and an OCSF validator compiled from the official schema."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from seaudit.schema.events import LAYOUTS, Layout
from seaudit.schema.fields import FIELD_BY_KEY
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.detailed import parse_detailed
from seaudit.text.short import parse_short
from tests.shared import shared_path

REPO = Path(__file__).resolve().parents[2]
_EXAMPLE = re.compile(r"^\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d ")


def shared_dir(*parts: str) -> Path:
    """``../shared/...`` relative to the repository root (the test fails when it is missing)."""
    return shared_path(*parts)


def ocsf_schema_dir() -> Path:
    env = os.environ.get("OCSF_SCHEMA_DIR")
    return Path(env) if env else shared_dir("ocsf-schema-1.8.0")


@cache
def seed_records() -> tuple[AuditRecord, ...]:
    """Every example line of the seed pages, read both as detailed and as short output."""
    records: list[AuditRecord] = []
    for page in sorted(shared_dir("spec", "seeds").glob("*.txt")):
        for number, line in enumerate(page.read_text("utf-8").splitlines(), 1):
            line = line.strip()
            if not _EXAMPLE.match(line):
                continue
            detailed = parse_detailed(line)
            records.append(detailed.replace(origin=Origin(page.name, number, line)))
            short_line = line[: line.index(" Event")]
            short = parse_short(short_line)
            records.append(short.replace(origin=Origin(page.name, number, short_line, "node1")))
    assert len(records) >= 10
    return tuple(records)


# --- a strategy of records ---------------------------------------------------------------

_WORD = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=12)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
_CLASSES = (
    "FILE",
    "PROGRAM",
    "TERMINAL",
    "SUDO",
    "WINSERVICE",
    "REGKEY",
    "SURROGATE",
    "USER",
    "GROUP",
    "TCP",
    "HOST",
)


def _value(key: str) -> st.SearchStrategy[Any]:
    kind = FIELD_BY_KEY[key].kind
    if key == "real_uid":
        return st.one_of(st.integers(0, 2**31), _WORD)
    if FIELD_BY_KEY[key].type is int:
        return st.integers(0, 99999)
    if kind == "session":
        return st.from_regex(r"[0-9a-f]{8}:[0-9a-f]{8}", fullmatch=True)
    if kind == "flags":
        return st.sampled_from(["", "(OS user)", "AC database user"])
    if key == "access":
        return st.sampled_from(
            [
                "Read",
                "Write",
                "Execute",
                "Delete",
                "Rename",
                "Chown",
                "Chmod",
                "Create",
                "Utime",
                "Sec",
                "Control",
            ]
        )
    if kind in ("word",):
        return _WORD
    return _TEXT


@st.composite
def _records_of(draw: st.DrawFn, layout: Layout) -> AuditRecord:
    platform = draw(st.sampled_from(["unix", "windows", None]))
    moment = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2037, 12, 31)))
    values: dict[str, Any] = {
        "event": layout.id,
        "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S"),
        "status": draw(st.sampled_from(layout.statuses + "C")),
    }
    positional = set(layout.order(platform)) | set(layout.unix)
    for key in sorted(layout.keys - {"event", "timestamp", "status", "platform"}):
        optional = key not in positional or key in ("session_id", "audit_flags")
        if optional and not draw(st.booleans()):
            continue
        if key == "class":
            choices = layout.classes or _CLASSES
            values[key] = draw(
                st.sampled_from(choices) | (_WORD if not layout.classes else st.nothing())
            )
        elif key == "event_name":
            values[key] = layout.words[0] if layout.words else draw(_WORD)
        else:
            values[key] = draw(_value(key))
    if platform is not None and layout.platform_dependent:
        values["platform"] = platform
    record = AuditRecord.from_dict(values)
    if draw(st.booleans()):
        origin = Origin(draw(_WORD), draw(st.integers(1, 10**6)), None, draw(st.none() | _WORD))
        record = record.replace(origin=origin)
    return record


def records() -> st.SearchStrategy[AuditRecord]:
    """Records of all 14 event types with any subset of their optional keys."""
    return st.one_of([_records_of(layout) for layout in LAYOUTS])


# --- OCSF validation -------------------------------------------------------------------


@dataclass
class OcsfValidator:
    """Validates events against JSON Schemas that ocsf-json-schema generates from the schema
    that ocsf-lib compiled out of the official OCSF repository directory."""

    compiled: dict[str, Any]
    _validators: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)

    def class_name(self, class_uid: int) -> str:
        for name, cls in self.compiled["classes"].items():
            if cls["uid"] == class_uid:
                return str(name)
        raise AssertionError(f"no OCSF class {class_uid}")

    def errors(self, event: dict[str, Any]) -> list[str]:
        from jsonschema import Draft202012Validator
        from ocsf_json_schema import OcsfJsonSchemaEmbedded

        profiles = tuple(sorted(event.get("metadata", {}).get("profiles", [])))
        key = (self.class_name(event["class_uid"]), profiles)
        if key not in self._validators:
            schema = OcsfJsonSchemaEmbedded(self.compiled).get_class_schema(key[0], list(profiles))
            self._validators[key] = Draft202012Validator(schema)
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in self._validators[key].iter_errors(event)
        ]

    def attributes(self, class_uid: int, requirement: str, profiles: list[str]) -> set[str]:
        """A class's attributes of a requirement level, with the given profiles applied."""
        attrs = self.compiled["classes"][self.class_name(class_uid)]["attributes"]
        return {
            n
            for n, a in attrs.items()
            if a.get("requirement") == requirement and a.get("profile") in (None, *profiles)
        }


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value]
    return value


def _as_server_export(compiled: dict[str, Any]) -> dict[str, Any]:
    """ocsf-lib names an object-typed attribute's type by the object; the OCSF server's
    export (which ocsf-json-schema reads) says ``object_t`` plus ``object_type``."""
    types = compiled["types"]

    def fix(attributes: dict[str, Any]) -> None:
        for attr in attributes.values():
            if attr.get("type") not in types and attr.get("type") != "object_t":
                attr["object_type"] = attr["type"]
                attr["type"] = "object_t"

    for section in ("classes", "objects"):
        for item in compiled[section].values():
            fix(item.get("attributes", {}))
    return compiled


@pytest.fixture(scope="session")
def ocsf_validator() -> Iterator[OcsfValidator]:
    from ocsf.compile import Compilation, CompilationOptions
    from ocsf.repository import read_repo
    from ocsf.schema import to_dict

    directory = ocsf_schema_dir()
    repo = read_repo(str(directory), preserve_raw_data=False)
    compiled = to_dict(Compilation(repo, CompilationOptions()).build())
    assert compiled["version"] == "1.8.0", compiled["version"]
    yield OcsfValidator(_as_server_export(_strip_none(compiled)))
