"""The layout table: fourteen event types of SCHEMA.md, each declared once and consistent."""

from __future__ import annotations

import re

import pytest

from seaudit.schema.codes import NUMBERED, default_tables
from seaudit.schema.events import (
    EVENT_IDS,
    LABEL_KEYS,
    LAYOUT_BY_ID,
    LAYOUT_BY_TITLE,
    LAYOUTS,
)
from seaudit.schema.fields import FIELD_BY_KEY, KEYS
from tests.shared import shared_path

PSEUDO = {"title", "date", "time"}


def test_the_event_ids_are_those_of_schema_md() -> None:
    text = (
        shared_path("spec", "SCHEMA.md")
        .read_text("utf-8")
        .split("## Event ids", 1)[1]
        .split("## ", 1)[0]
    )
    assert set(re.findall(r"^\| `([a-z_]+)` \|", text, re.M)) == set(EVENT_IDS)


def test_fourteen_layouts_with_unique_ids_and_titles() -> None:
    assert len(LAYOUTS) == len(LAYOUT_BY_ID) == 14
    titles = [t.lower() for lay in LAYOUTS for t in (lay.title, lay.windows_title) if t]
    assert len(set(titles)) == len(titles) == len(LAYOUT_BY_TITLE)


@pytest.mark.parametrize("layout", LAYOUTS, ids=EVENT_IDS)
def test_every_key_of_a_layout_is_a_field(layout) -> None:  # type: ignore[no-untyped-def]
    for key in (*layout.unix, *layout.windows):
        assert key in FIELD_BY_KEY, key
    for label in layout.labels:
        assert label.key in FIELD_BY_KEY or label.key in PSEUDO, label
        assert LABEL_KEYS.get(label.spelling, label.key) == label.key
    assert layout.keys <= set(KEYS)
    assert len(set(layout.unix)) == len(layout.unix)


@pytest.mark.parametrize("layout", LAYOUTS, ids=EVENT_IDS)
def test_layout_invariants(layout) -> None:  # type: ignore[no-untyped-def]
    tables = default_tables()
    assert set(layout.statuses) <= set(tables.statuses)
    assert layout.details_table in NUMBERED
    assert layout.labels[0].key == "title"
    if layout.windows:
        assert len(layout.windows) == len(layout.unix)
    assert bool(layout.words) != bool("class" in layout.unix[:1])  # Event or Class column first
    kinds = [FIELD_BY_KEY[k].kind for k in layout.unix]
    if "text" in kinds:  # free text runs to the end, but for a trailing AuditFlags column
        assert all(k == "flags" for k in kinds[kinds.index("text") + 1 :])


def test_platform_differences_of_the_issue() -> None:
    res = LAYOUT_BY_ID["resource_access"]
    assert res.unix.index("audit_flags") < res.unix.index("effective_user")
    assert res.windows.index("effective_user") < res.windows.index("audit_flags")
    trace = LAYOUT_BY_ID["trace"]
    assert "effective_user" in trace.unix and "real_uid" not in trace.unix
    assert "real_uid" in trace.windows and "effective_user" not in trace.windows


def test_seed_field_orders() -> None:
    assert LAYOUT_BY_ID["login"].unix == (
        "event_name",
        "user",
        "session_id",
        "stage",
        "reason",
        "terminal",
        "program",
        "audit_flags",
    )
    assert LAYOUT_BY_ID["db_admin"].unix == (
        "event_name",
        "class",
        "user",
        "stage",
        "reason",
        "object",
        "terminal",
        "command",
        "audit_flags",
    )
    assert LAYOUT_BY_ID["outbound_network"].unix == (
        "class",
        "service",
        "user",
        "session_id",
        "stage",
        "reason",
        "host",
        "program",
        "terminal",
        "audit_flags",
    )


def test_label_aliases_of_the_seed_pages() -> None:
    for a, b in (
        ("User name", "UserName"),
        ("Audit flags", "AuditFlags"),
        ("Event type", "Event"),
        ("User Logon Session ID", "SessionID"),
    ):
        assert LABEL_KEYS[a] == LABEL_KEYS[b]
