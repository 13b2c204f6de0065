"""A big audit.log made of the recorded corpus's events with fresh serials and times (for the
crash test and the bench): the same record types, in the mix they came in."""

from __future__ import annotations

import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd" / "basic.log"
STAMP = re.compile(r"msg=audit\((\d+)\.(\d+):(\d+)\)")


def corpus_events() -> list[list[str]]:
    """The corpus's lines grouped by event, in first-seen order; auditd's own DAEMON_* events
    (numbered apart from the kernel's serials) left out."""
    events: dict[str, list[str]] = {}
    for line in CORPUS.read_text().splitlines():
        m = STAMP.search(line)
        if m and "type=DAEMON_" not in line:
            events.setdefault(m.group(0), []).append(line)
    return list(events.values())


def restamp(lines: list[str], when: float, serial: int) -> list[str]:
    stamp = f"msg=audit({int(when)}.{int(when * 1000) % 1000:03d}:{serial})"
    return [STAMP.sub(stamp, line, count=1) for line in lines]


def write_log(path: Path, count: int, start: float = 1_700_000_000.0) -> int:
    """``count`` events, serials 1.., 1,000 a second of event time; returns the lines."""
    events = corpus_events()
    lines = 0
    with open(path, "w") as out:
        for n in range(count):
            chunk = restamp(events[n % len(events)], start + n / 1000, n + 1)
            out.write("\n".join(chunk) + "\n")
            lines += len(chunk)
    return lines
