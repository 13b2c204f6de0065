"""Checkpoints: saved atomically, read back, and a damaged or foreign one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaudit.errors import UsageError
from seaudit.route.checkpoint import Checkpoints


def test_save_and_get(tmp_path: Path) -> None:
    marks = Checkpoints(tmp_path / "c")
    assert marks.get("nats://a/b") == 0
    marks.save("nats://a/b", 41)
    marks.save("nats://a/b", 42)
    marks.save("file:///x", 7)
    assert (marks.get("nats://a/b"), marks.get("file:///x")) == (42, 7)
    assert not list((tmp_path / "c").glob("*.tmp"))


def test_a_damaged_checkpoint_is_refused_not_guessed(tmp_path: Path) -> None:
    marks = Checkpoints(tmp_path)
    marks.save("nats://a/b", 5)
    marks.path("nats://a/b").write_text("five nats://a/b\n")
    with pytest.raises(UsageError, match="not a checkpoint"):
        marks.get("nats://a/b")
