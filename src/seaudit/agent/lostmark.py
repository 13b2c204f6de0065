"""The kernel's ``lost`` counter as the agent last read it, per node, kept beside the
checkpoint (``agent-kernel.json``), so that a start reports what the kernel lost while the
agent was not running (``loss.KernelWatch`` compares its first reading with it).

Each reading carries the kernel's boot id: the counter starts from zero at boot, so after a
reboot the baseline is zero, not the last boot's figure. The file is replaced atomically
and only after the records of the reading are in the log, as the checkpoint is: a crash
between the two reports the rise again at the next start, never not at all.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import UsageError

FILE_NAME = "agent-kernel.json"
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True, slots=True)
class LostReading:
    """One reading of the kernel's lost counter, in the boot it was made in (None: unknown)."""

    boot: str | None
    lost: int


def boot_id(path: Path = BOOT_ID) -> str | None:
    """This boot's id (changes at every reboot); None where the kernel does not say."""
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


class LostMarks:
    """The last reading per node (a missing file: none yet)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.readings: dict[str | None, LostReading] = _load(path) if path.exists() else {}

    def get(self, node: str | None) -> LostReading | None:
        return self.readings.get(node)

    def save(self, node: str | None, reading: LostReading) -> None:
        """Keep ``reading`` for ``node``; call only once its loss records are durable."""
        if self.readings.get(node) == reading:
            return
        self.readings[node] = reading
        data = {(name or ""): {"boot": r.boot, "lost": r.lost} for name, r in self.readings.items()}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True) + "\n")
        os.replace(tmp, self.path)


def _load(path: Path) -> dict[str | None, LostReading]:
    try:
        data = json.loads(path.read_text())
        out: dict[str | None, LostReading] = {}
        for node, reading in data.items():
            boot, lost = reading["boot"], reading["lost"]
            if not (boot is None or isinstance(boot, str)) or type(lost) is not int or lost < 0:
                raise ValueError(f"node {node!r}: boot {boot!r}, lost {lost!r}")
            out[node or None] = LostReading(boot, lost)
        return out
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        raise UsageError(
            f"{path}: not the agent's kernel counter file ({exc}); remove it (losses while "
            "the agent was down are then not reported once)"
        ) from None
