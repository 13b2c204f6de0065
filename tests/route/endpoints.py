"""Endpoint stores with known records, and what collectors stored, for the routing tests."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from seaudit.log import LogConfig, read_log
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store


def record(node: str, i: int) -> AuditRecord:
    """The i-th record of an endpoint: ``terminal`` says which; every third carries its own
    node (an imported file's), the others none (the collector gives them the sender's)."""
    origin = Origin(f"{node}.audit", i + 1, None, f"{node}-file") if i % 3 == 0 else None
    status = "D" if i % 5 == 0 else "P"
    return AuditRecord(
        event="login",
        timestamp=f"2026-02-{1 + i % 28:02d}T08:{i % 60:02d}:{i % 59:02d}",
        status=status,
        user=f"user{i % 11}",
        terminal=f"{node}/{i}",
        program="/bin/login",
        origin=origin,
    )


def fill(root: Path, node: str, count: int, start: int = 0, batch: int = 5000) -> None:
    """Append records ``start..start+count-1`` of ``node`` to the store at ``root``."""
    store = Store(root)
    with store.open_log() as log:
        for first in range(start, start + count, batch):
            last = min(first + batch, start + count)
            log.append_batch([record(node, i) for i in range(first, last)])


def expected_node(sender: str, i: int) -> str:
    return f"{sender}-file" if i % 3 == 0 else sender


def stored(*roots: Path) -> list[tuple[str, str]]:
    """(node, terminal) of every record in these collectors' logs, in log order per store."""
    out: list[tuple[str, str]] = []
    for root in roots:
        cfg = LogConfig.load(root / "seos.ini")
        for entry in read_log(cfg):
            origin = entry.record.origin
            out.append((origin.node if origin else "", entry.record.terminal or ""))
    return out


def assert_exactly(got: list[tuple[str, str]], senders: dict[str, range]) -> None:
    """Every record of every sender stored once (no loss, no duplicate), and each sender's
    records in their order within each collector's log."""
    want = Counter(
        (expected_node(sender, i), f"{sender}/{i}") for sender, rng in senders.items() for i in rng
    )
    have = Counter(got)
    dups = {k: n for k, n in have.items() if n > 1}
    assert not dups, f"{len(dups)} records stored twice, e.g. {next(iter(dups))}"
    missing = want - have
    extra = have - want
    assert not missing, f"{len(missing)} records lost, e.g. {sorted(missing)[:3]}"
    assert not extra, f"{len(extra)} records not sent were stored, e.g. {sorted(extra)[:3]}"


def assert_in_order(root: Path) -> None:
    """Within one collector's log, each sender's records come in the sender's order."""
    last: dict[str, int] = {}
    for _, terminal in stored(root):
        sender, _, number = terminal.rpartition("/")
        assert int(number) > last.get(sender, -1), f"{terminal} after {last[sender]}"
        last[sender] = int(number)
