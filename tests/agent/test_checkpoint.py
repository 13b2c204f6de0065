from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from seaudit.agent.checkpoint import FILE_NAME, Checkpoint
from seaudit.agent.parse import EventId
from seaudit.errors import UsageError


def test_marks_survive_a_restart_and_only_move_forward(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    cp = Checkpoint(path)
    cp.update({"web": EventId("web", 100, 5, 7), None: EventId(None, 50, 0, 1)})
    cp.update({"web": EventId("web", 99, 0, 9)})  # older: ignored
    again = Checkpoint(path)
    assert again.get("web") == EventId("web", 100, 5, 7)
    assert again.covers(EventId("web", 100, 5, 7))
    assert not again.covers(EventId("web", 100, 5, 8))
    assert again.covers(EventId(None, 49, 999, 99))
    assert not again.covers(EventId("db", 1, 0, 1))


def test_a_broken_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text("{not json")
    with pytest.raises(UsageError, match="not an agent checkpoint"):
        Checkpoint(path)
    store = tmp_path
    log = tmp_path / "audit.log"
    log.write_text("type=USER_ACCT msg=audit(1.000:1): pid=1 msg='res=success'\n")
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "agent", "--from-log", str(log), "--store", str(store)],
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert b"not an agent checkpoint" in done.stderr and b"Traceback" not in done.stderr
