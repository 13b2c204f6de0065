"""docs/formats.md is the generator's output, and covers every format and event type."""

from __future__ import annotations

import os
import subprocess
import sys

from seaudit.export import registry
from seaudit.export.docs import render
from seaudit.schema.events import EVENT_IDS
from tests.export.conftest import REPO

DOCS = REPO / "docs" / "formats.md"


def test_committed_docs_equal_the_generator_output() -> None:
    assert DOCS.read_text("utf-8") == render(), (
        "docs/formats.md is stale: run PYTHONPATH=src python -m seaudit.export.docs "
        "> docs/formats.md"
    )


def test_the_module_runs_as_a_program() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "seaudit.export.docs"], env=env, capture_output=True, check=True
    )
    assert result.stdout.decode("utf-8") == render()


def test_every_format_and_event_is_documented() -> None:
    text = render()
    for name in registry():
        assert f"| `{name}` |" in text
    for section in ("## ocsf", "## ecs"):
        body = text.split(section, 1)[1].split("\n## ", 1)[0]
        for event_id in EVENT_IDS:
            assert f"### `{event_id}" in body, (section, event_id)
        assert "### `resource_access (class FILE)`" in body
        assert "### `resource_access (class not FILE)`" in body
