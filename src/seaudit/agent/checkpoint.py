"""Where replay resumes: the last event handled per node, as (node, timestamp, serial).

Kept as a small JSON file beside the store (``agent-checkpoint.json``), replaced atomically
after each batch of records is in the log, so a restart replays from there and never writes
an event twice (the store's import keys catch the batch a crash cut in two).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from seaudit.agent.parse import EventId
from seaudit.errors import UsageError

FILE_NAME = "agent-checkpoint.json"


class Checkpoint:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.marks: dict[str | None, EventId] = {}
        if path is not None and path.exists():
            self.marks = _load(path)

    def get(self, node: str | None) -> EventId | None:
        return self.marks.get(node)

    def covers(self, event: EventId) -> bool:
        """Whether this event was handled before (at or before its node's mark)."""
        return covered(self.marks, event)

    def update(self, marks: dict[str | None, EventId]) -> None:
        changed = False
        for node, mark in marks.items():
            if not self.covers(mark):
                self.marks[node] = mark
                changed = True
        if changed and self.path is not None:
            data = {(node or ""): [m.seconds, m.millis, m.serial] for node, m in self.marks.items()}
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, sort_keys=True) + "\n")
            os.replace(tmp, self.path)


def covered(marks: dict[str | None, EventId], event: EventId) -> bool:
    """Whether ``event`` is at or before its node's mark in ``marks``."""
    mark = marks.get(event.node)
    if mark is None:
        return False
    return (event.seconds, event.millis, event.serial) <= (mark.seconds, mark.millis, mark.serial)


def _load(path: Path) -> dict[str | None, EventId]:
    try:
        data = json.loads(path.read_text())
        out: dict[str | None, EventId] = {}
        for node, (seconds, millis, serial) in data.items():
            name = node or None
            out[name] = EventId(name, int(seconds), int(millis), int(serial))
        return out
    except (ValueError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"{path}: not an agent checkpoint ({exc}); remove it to replay from the start"
        ) from None
