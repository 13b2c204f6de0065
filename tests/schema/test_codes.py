"""The code tables: REFERENCE.md section 4 complete, unknown codes, the selang command types of
seed page 003, and a site's own ``seaudit -t`` text loaded on top."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from seaudit.errors import CodeTableError
from seaudit.schema.codes import (
    ADMIN_COMMAND,
    NUMBERED,
    default_tables,
    load_site_tables,
    render_tables,
)
from seaudit.schema.events import LAYOUTS
from seaudit.text.detailed import parse_detailed, render_detailed
from seaudit.text.short import parse_short
from tests.shared import shared_path

SRC = Path(__file__).resolve().parents[2] / "src"

#: REFERENCE.md section 4, paragraph title -> table
SECTIONS = {
    "Stage codes, login and logout": "stage",
    "Stage codes, resource and network (partial)": "stage",
    "Stage codes, security database administration": "stage",
    "Reason codes (why the record was written)": "reason",
    "Password-quality codes": "password_quality",
    "Untrust reason codes": "untrust",
}


def reference_codes() -> list[tuple[str, int, str]]:
    """(table, code, message) of every code REFERENCE.md section 4 lists."""
    text = shared_path("spec", "REFERENCE.md").read_text("utf-8")
    out = []
    for title, table in SECTIONS.items():
        paragraph = text.split(f"**{title}:**", 1)[1].split("\n\n", 1)[0]
        paragraph = re.split(r"\. (?:The published|Others exist)|\.\n\(The seed", paragraph)[0]
        for entry in " ".join(paragraph.split()).split(";"):
            m = re.fullmatch(r"\s*(\d+) (.+?)\.?\s*", entry)
            assert m, entry
            message = m[2].split(" (as in the seed)")[0]
            out.append((table, int(m[1]), message))
    return out


def test_every_reference_code_is_in_the_tables_with_its_message() -> None:
    codes = reference_codes()
    assert Counter(table for table, _, _ in codes) == {
        "stage": 65,
        "password_quality": 14,
        "untrust": 7,
        "reason": 2,
    }
    tables = default_tables()
    for table, code, message in codes:
        assert tables.message(table, code) == message, (table, code)


def test_the_seed_codes() -> None:
    tables = default_tables()
    assert tables.message("stage", 408) == "Default access of TCP service"
    assert tables.message("stage", 69) == "No step that allowed access"
    assert tables.message("stage", 55) == "Resource ACL check"
    assert tables.message("stage", 1059) == "Default record universal access check"
    assert tables.message("stage", 305) == "Command allowed for ADMIN user"
    assert tables.message("stage", 59) == "Resource UACC check"
    assert tables.message("reason", 2) == "User audit mode requires logging"
    assert tables.message("reason", 3) == "Resource audit mode required logging"


def test_status_letters() -> None:
    tables = default_tables()
    assert "".join(tables.statuses) == "PDWNFSOEIAMUC"
    for layout in LAYOUTS:
        assert set(layout.statuses) <= set(tables.statuses)
    assert tables.status_word("D") == "Denied"
    assert tables.status_letter("Successful") == tables.status_letter("Success") == "S"
    assert tables.status_letter("denied.") == "D"
    assert tables.status_letter("Bogus") is None


@pytest.mark.parametrize("table", NUMBERED)
def test_an_unknown_code_has_a_stand_in(table: str) -> None:
    tables = default_tables()
    assert tables.message(table, 98765) is None
    assert tables.describe(table, 98765).endswith("code 98765")
    assert default_tables().describe("stage", 98765) == "Stage code 98765"


def test_an_unknown_stage_code_parses_and_renders() -> None:
    line = "18 Nov 2008 15:23:56 D FILE admabc Read 4242 3 /tmp/one /bin/sh localhost admabc"
    r = parse_short(line)
    assert (r.stage, r.stage_message) == (4242, None)
    text = render_detailed(r)
    assert "Details: Stage code 4242" in text
    assert parse_detailed(text).stage_message is None  # the placeholder reads back as none


#: seed page 003: every command type and the commands it names
SEED_003 = {
    "newusr": "Add user",
    "newgrp": "Add group",
    "newres": "Add resource",
    "newfile": "Add resource",
    "chusr": "Modify user",
    "chgrp": "Modify group",
    "join": "Modify group membership",
    "chres": "Modify resource",
    "authorize": "Modify resource access",
    "rmusr": "Remove user",
    "rmgrp": "Remove group",
    "rmres": "Remove resource",
    "rmfile": "Remove resource",
    "setoptions": "Set options",
    "editusr": "Add/Modify user",
    "editgrp": "Add/Modify group",
    "editres": "Add/Modify resource",
    "editfile": "Add/Modify resource",
    "showres": ADMIN_COMMAND,
}


@pytest.mark.parametrize(("verb", "kind"), sorted(SEED_003.items()))
def test_selang_command_types(verb: str, kind: str) -> None:
    tables = default_tables()
    assert tables.command_type(f"{verb} FILE /etc/passwd defacc(r)") == kind
    assert tables.command_type(verb.upper()) == kind


def test_all_sixteen_command_types_are_reachable() -> None:
    assert len(set(SEED_003.values())) == 16
    assert set(SEED_003.values()) <= {*default_tables().command_types.values(), ADMIN_COMMAND}


def test_short_forms_of_selang_commands() -> None:
    tables = default_tables()
    assert tables.command_type("cr file dfdok defacc(r)") == "Modify resource"
    for short, long in (
        ("nu", "newusr"),
        ("ng", "newgrp"),
        ("nr", "newres"),
        ("cu", "chusr"),
        ("cg", "chgrp"),
        ("auth", "authorize"),
        ("ru", "rmusr"),
        ("rg", "rmgrp"),
        ("rr", "rmres"),
        ("so", "setoptions"),
        ("eu", "editusr"),
        ("er", "editres"),
    ):
        assert tables.command_type(short) == tables.command_type(long), short
    assert tables.command_type("") == tables.command_type("   ") == ADMIN_COMMAND
    assert tables.command_type("frobnicate x") == ADMIN_COMMAND


# ---------------------------------------------------------------------------------------------
# `seaudit -t` text


def test_the_printed_tables_load_back_to_the_same_tables() -> None:
    tables = default_tables()
    loaded = load_site_tables(render_tables())
    assert dict(loaded.statuses) == dict(tables.statuses)
    for table in NUMBERED:
        assert dict(loaded.numbered[table]) == dict(tables.numbered[table])
    assert render_tables(tables.extended(loaded)) == render_tables()


SITE_DUMP = """\
Stage codes
------------
    69  No step that allowed access (site text)
  9001  Site specific check

Reason codes:
  7 - Audit of a privileged user
"""


def test_a_site_dump_overrides_and_extends() -> None:
    tables = default_tables().extended(load_site_tables(SITE_DUMP, source="site.txt"))
    assert tables.message("stage", 69) == "No step that allowed access (site text)"
    assert tables.message("stage", 9001) == "Site specific check"
    assert tables.message("stage", 55) == "Resource ACL check"  # kept
    assert tables.message("reason", 7) == "Audit of a privileged user"
    assert tables.message("reason", 2) == "User audit mode requires logging"
    assert default_tables().message("stage", 9001) is None  # the bundled tables are untouched
    r = parse_short("18 Nov 2008 15:23:56 D FILE a Read 9001 7 /x /bin/sh t a", tables=tables)
    assert r.stage_message == "Site specific check"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Stage codes\n  69  fine\nthis line is no entry\n", "site.txt:3: not a 'CODE message'"),
        ("  69  an entry before any title\n", "site.txt:1: an entry before any section title"),
        ("", "site.txt: no code table found"),
        ("Stage codes\n  69\n", "site.txt:2:"),
    ],
)
def test_a_malformed_dump_names_the_line(text: str, where: str) -> None:
    with pytest.raises(CodeTableError) as caught:
        load_site_tables(text, source="site.txt")
    assert str(caught.value).startswith(where)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_seaudit_dash_t_prints_the_tables(tmp_path: Path) -> None:
    done = run_cli("-t")
    assert (done.returncode, done.stdout) == (0, render_tables())
    dump = tmp_path / "site.txt"
    dump.write_text(SITE_DUMP)
    done = run_cli("-t", "--load", str(dump))
    assert done.returncode == 0
    assert "  9001  Site specific check" in done.stdout
    dump.write_text("Stage codes\nnonsense\n")
    done = run_cli("-t", "--load", str(dump))
    assert done.returncode != 0
    assert f"{dump}:2" in done.stderr
    assert "Traceback" not in done.stderr
