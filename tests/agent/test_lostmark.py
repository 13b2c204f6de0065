from __future__ import annotations

from pathlib import Path

import pytest

from seaudit.agent.lostmark import LostMarks, LostReading, boot_id
from seaudit.errors import UsageError


def test_readings_per_node_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "agent-kernel.json"
    marks = LostMarks(path)
    marks.save(None, LostReading("b", 3))
    marks.save("web01", LostReading(None, 7))
    again = LostMarks(path)
    assert again.get(None) == LostReading("b", 3)
    assert again.get("web01") == LostReading(None, 7)
    assert again.get("db01") is None
    assert not path.with_suffix(".tmp").exists()


def test_a_damaged_counter_file_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "agent-kernel.json"
    for text in ("{", '{"a": {"boot": null, "lost": -1}}', '{"a": 3}', "[]"):
        path.write_text(text)
        with pytest.raises(UsageError, match=r"agent-kernel\.json: not the agent's kernel"):
            LostMarks(path)


def test_the_boot_id_is_read_and_its_absence_is_none(tmp_path: Path) -> None:
    (tmp_path / "id").write_text("abc\n")
    assert boot_id(tmp_path / "id") == "abc"
    assert boot_id(tmp_path / "missing") is None
