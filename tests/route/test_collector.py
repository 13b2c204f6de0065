"""The collector's decisions, on links of a real log: what is new, a duplicate, a gap, a
message that must wait, a broken chain; and claims settled after a crash."""

from __future__ import annotations

from pathlib import Path

from seaudit.log import AuditLog, LogConfig
from seaudit.log.links import Link, links_after
from seaudit.log.payload import decode_record
from seaudit.route.collector import plan
from seaudit.route.nodestate import Claim, NodeState, NodeStates
from seaudit.route.wire import Batch
from tests.route.endpoints import record


def real_links(tmp_path: Path, count: int) -> list[Link]:
    cfg = LogConfig(audit_log=tmp_path / "ep" / "seos.audit")
    with AuditLog(cfg) as log:
        log.append_batch([record("n", i) for i in range(count)])
    return list(links_after(cfg))


def test_in_order_then_duplicate_then_overlap(tmp_path: Path) -> None:
    links = real_links(tmp_path, 30)
    first = plan(NodeState("n"), Batch(0, links[:10]), "n")
    assert not first.wait and len(first.payloads) == 10 and first.state.last_seq == 10
    stored = [decode_record(p) for p in first.payloads]
    assert [r.origin.node if r.origin else None for r in stored[:4]] == [
        "n-file",
        "n",
        "n",
        "n-file",
    ]
    assert stored == [record("n", i) for i in range(10)]
    again = plan(first.state, Batch(0, links[:10]), "n")
    assert again.payloads == () and again.state.duplicates == 10
    overlap = plan(first.state, Batch(5, links[5:20]), "n")
    assert [s for s, _ in overlap.steps] == list(range(11, 21))
    assert overlap.state.duplicates == 5 and overlap.state.intact


def test_a_message_ahead_of_what_is_stored_waits(tmp_path: Path) -> None:
    links = real_links(tmp_path, 30)
    first = plan(NodeState("n"), Batch(0, links[:10]), "n")
    ahead = plan(first.state, Batch(20, links[20:]), "n")
    assert ahead.wait and ahead.state == first.state


def test_a_record_missing_from_the_sender_is_a_gap_and_a_break(tmp_path: Path) -> None:
    links = real_links(tmp_path, 30)
    got = plan(NodeState("n"), Batch(0, links[:12] + links[13:]), "n")
    assert got.state.gaps == ((13, 13),)
    assert got.state.break_seq == 14 and "does not chain" in (got.state.break_what or "")
    assert len(got.payloads) == 29


def test_an_edited_record_in_transit_is_a_break(tmp_path: Path) -> None:
    links = real_links(tmp_path, 5)
    bad = links[2]
    assert bad.payload is not None
    edited = Link(bad.first, bad.seq, bad.prev, bad.hash, bad.payload.replace(b"user2", b"user9"))
    got = plan(NodeState("n"), Batch(0, [*links[:2], edited, *links[3:]]), "n")
    assert (
        got.state.break_seq == 3 and got.state.break_what == "chain hash mismatch (record edited)"
    )


def test_claims_settle_by_what_landed(tmp_path: Path) -> None:
    states = NodeStates(tmp_path / "nodes.sqlite")
    after = NodeState("n", 3, b"\x03" * 32, records=3)
    steps = ((1, "01" * 32), (2, "02" * 32), (3, "03" * 32))
    for log_last, want in ((100, 0), (101, 1), (102, 2), (110, 3)):
        with states.transaction():
            states.hold(Claim("n", 101, steps, after), "me")
        states.settle("me", log_last)
        state, holder = states.get("n")
        assert holder is None and state.last_seq == want
        assert state.records == want
        with states.transaction():
            states.put(NodeState("n"))
    states.close()
