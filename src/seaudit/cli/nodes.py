"""``seaudit verify --nodes``: each sender node's state at this collector."""

from __future__ import annotations

import sys
from pathlib import Path

from seaudit.errors import UsageError


def report_nodes(path: Path, *, quiet: bool = False) -> int:
    """Print one line per node; 1 when a node has a gap or a broken chain."""
    from seaudit.cli.verify import _safe
    from seaudit.route.nodestate import NodeStates

    if not path.is_file():
        raise UsageError(f"no node state at {path}: nothing was collected into this store")
    states = NodeStates(path)
    try:
        nodes = states.all()
        rejected = states.rejected()
    finally:
        states.close()
    bad = 0
    for node in nodes:
        if node.intact and quiet:
            continue
        gaps = ", ".join(f"{a}..{b}" if a != b else str(a) for a, b in node.gaps) or "none"
        chain = (
            "chain intact"
            if node.break_seq is None
            else f"chain BROKEN at seq {node.break_seq}: {node.break_what}"
        )
        bad += not node.intact
        print(
            _safe(
                f"{'OK' if node.intact else 'PROBLEM'} {node.node}: last seq {node.last_seq}, "
                f"{node.records} records, {node.skipped} not routed, "
                f"{node.duplicates} duplicates dropped, gaps {gaps}, {chain}"
            ),
            file=sys.stdout,
        )
    for sender, reason, count in rejected:
        print(_safe(f"rejected from {sender}: {count} messages: {reason}"), file=sys.stdout)
    if not nodes:
        print("no node has routed anything here yet", file=sys.stdout)
    return 1 if bad else 0
