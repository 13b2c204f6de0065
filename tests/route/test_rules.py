"""The route file grammar: the product's minimal form, selectors, include/exclude, and a
clear FILE:LINE error for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.route.rules import load_rules, parse_rules
from seaudit.schema.record import AuditRecord, Origin

LOGIN = AuditRecord(event="login", timestamp="2026-01-01T00:00:00", status="D", user="root")
FILE = AuditRecord(
    event="resource_access",
    timestamp="2026-01-01T00:00:00",
    status="P",
    class_="FILE",
    resource="/etc/shadow",
    user="bob",
    origin=Origin("x", 1, None, "db01"),
)


def test_the_products_minimal_forms_work_as_they_are() -> None:
    table = parse_rules(
        "rule\nhost nats://127.0.0.1:4222/audit\n.\n\nRule2\nnotify default\n.\n", "f"
    )
    assert table.destinations() == ("nats://127.0.0.1:4222/audit",)
    assert table.selector("nats://127.0.0.1:4222/audit") is None  # everything


def test_selectors_include_and_exclude() -> None:
    text = """
# failures of the file class, not bob's
files
host file:///tmp/a
class FILE,TERMINAL
resource /etc/*
exclude user bob
.
denied
host file:///tmp/a
host file:///tmp/b
status D
node web*,_*
.
"""
    table = parse_rules(text, "f")
    a, b = table.selector("file:///tmp/a"), table.selector("file:///tmp/b")
    assert a is not None and b is not None
    assert a(LOGIN, "web1") and not a(LOGIN, "db1")  # via 'denied' (node of the sender)
    assert not a(FILE, "web1")  # bob excluded; and FILE's own node is db01
    assert b(LOGIN, "web7") and not b(FILE, "web7")
    assert table.format_for("file:///tmp/b") == "jsonl"


def test_named_collectors_come_from_seos_ini() -> None:
    table = parse_rules("rule\nhost central\n.\n", "f", {"central": "nats://127.0.0.1:1/a"})
    assert table.destinations() == ("nats://127.0.0.1:1/a",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("host x\n", "f:1: expected a rule name line"),
        ("rule\nhost central\n.\n", "f:2: no collector named 'central'"),
        ("rule\nhost gopher://x\n.\n", "f:2: unknown destination scheme"),
        ("rule\nuser\n.\n", "f:2: user needs at least one pattern"),
        ("rule\ninclude colour red\n.\n", "f:2: unknown selector 'colour'"),
        ("rule\nformat klingon\n.\n", "unknown output format 'klingon'"),
        ("rule\nhost file:///x\n", "f:1: rule 'rule' has no closing '.'"),
    ],
)
def test_mistakes_name_the_line(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        parse_rules(text, "f")


def test_unreadable_route_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read route file"):
        load_rules(tmp_path / "missing.cfg")


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        parse_rules(text, "f")
    except UsageError as exc:
        assert str(exc).startswith("f:") or "format" in str(exc)
