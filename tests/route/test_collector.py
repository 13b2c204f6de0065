"""The collector's decisions, on links of a real log: what is new, a duplicate, a gap, a
message that must wait, a broken chain; claims settled after a crash; and ``plan``, which
judges a batch without a ``Link`` per record, judging exactly as ``check_link`` and
``with_node`` do link by link (property-tested over damaged, reordered, partly routed,
rotated and keyed logs)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seaudit.log import AuditLog, LogConfig
from seaudit.log.links import ChainState, Link, check_link, links_after, skip_unselected
from seaudit.log.payload import decode_record, with_node
from seaudit.route.collector import Plan, _follows_whole, plan
from seaudit.route.nodestate import SCHEMA, Claim, NodeState, NodeStates
from seaudit.route.wire import Batch
from tests.route.endpoints import record


def real_links(tmp_path: Path, count: int) -> list[Link]:
    cfg = LogConfig(audit_log=tmp_path / "ep" / "seos.audit")
    with AuditLog(cfg) as log:
        log.append_batch([record("n", i) for i in range(count)])
    return list(links_after(cfg))


def test_in_order_then_duplicate_then_overlap(tmp_path: Path) -> None:
    links = real_links(tmp_path, 30)
    first = plan(NodeState("n"), Batch.of(0, links[:10]), "n")
    assert not first.wait and len(first.payloads) == 10 and first.state.last_seq == 10
    stored = [decode_record(p) for p in first.payloads]
    assert [r.origin.node if r.origin else None for r in stored[:4]] == [
        "n-file",
        "n",
        "n",
        "n-file",
    ]
    assert stored == [record("n", i) for i in range(10)]
    again = plan(first.state, Batch.of(0, links[:10]), "n")
    assert again.payloads == () and again.state.duplicates == 10
    overlap = plan(first.state, Batch.of(5, links[5:20]), "n")
    assert list(overlap.seqs) == list(range(11, 21))
    assert overlap.hashes == b"".join(k.hash for k in links[10:20])
    assert overlap.state.duplicates == 5 and overlap.state.intact


def test_a_message_ahead_of_what_is_stored_waits(tmp_path: Path) -> None:
    links = real_links(tmp_path, 30)
    first = plan(NodeState("n"), Batch.of(0, links[:10]), "n")
    ahead = plan(first.state, Batch.of(20, links[20:]), "n")
    assert ahead.wait and ahead.state == first.state


def test_a_record_missing_from_the_sender_is_a_gap_and_a_break(tmp_path: Path) -> None:
    links = real_links(tmp_path, 30)
    got = plan(NodeState("n"), Batch.of(0, links[:12] + links[13:]), "n")
    assert got.state.gaps == ((13, 13),)
    assert got.state.break_seq == 14 and "does not chain" in (got.state.break_what or "")
    assert len(got.payloads) == 29


def test_an_edited_record_in_transit_is_a_break(tmp_path: Path) -> None:
    links = real_links(tmp_path, 5)
    bad = links[2]
    assert bad.payload is not None
    edited = Link(bad.first, bad.seq, bad.prev, bad.hash, bad.payload.replace(b"user2", b"user9"))
    got = plan(NodeState("n"), Batch.of(0, [*links[:2], edited, *links[3:]]), "n")
    assert (
        got.state.break_seq == 3 and got.state.break_what == "chain hash mismatch (record edited)"
    )


@pytest.mark.parametrize("seqs", [(1, 2, 3), (1, 2, 5)])
def test_claims_settle_by_what_landed(tmp_path: Path, seqs: tuple[int, ...]) -> None:
    """A claim of seqs that follow each other is kept as a range, others as a list; both
    settle to the state at the last record that landed."""
    states = NodeStates(tmp_path / "nodes.sqlite")
    after = NodeState("n", seqs[-1], b"\x03" * 32, records=3)
    hashes = bytes([1] * 32 + [2] * 32 + [3] * 32)
    for log_last, want in ((100, 0), (101, 1), (102, 2), (110, 3)):
        with states.transaction():
            states.hold(Claim("n", 101, seqs, hashes, after), "me")
        states.settle("me", log_last)
        state, holder = states.get("n")
        assert holder is None and state.last_seq == (0, *seqs)[want]
        assert state.last_hash == (b"", bytes([1] * 32), bytes([2] * 32), after.last_hash)[want]
        assert state.records == want
        with states.transaction():
            states.put(NodeState("n"))
    states.close()


@pytest.mark.parametrize("form", ["steps", "hex"])
def test_a_claim_left_by_a_previous_collector_version_is_settled(tmp_path: Path, form: str) -> None:
    """Claims written before (seq and hex hash pairs; then a seq list and all hashes in
    hex, in a file without the ``pending_hashes`` column) settle as they did."""
    import sqlite3

    path = tmp_path / "nodes.sqlite"
    old = sqlite3.connect(path)
    old.executescript(SCHEMA.replace(",\n    pending_hashes BLOB", ""))
    assert "pending_hashes" not in {row[1] for row in old.execute("PRAGMA table_info(nodes)")}
    old.close()
    states = NodeStates(path)
    after = NodeState("n", 2, b"\x02" * 32, records=2)
    pending: dict[str, object] = {"log_first": 5, "after": after.to_json()}
    if form == "steps":
        pending["steps"] = [[1, "01" * 32], [2, "02" * 32]]
    else:
        pending |= {"seqs": [1, 2], "hashes": "01" * 32 + "02" * 32}
    with states.transaction() as db:
        db.execute(
            "INSERT INTO nodes (node, pending_by, pending) VALUES ('n', 'me', ?)",
            (json.dumps(pending),),
        )
    states.settle("me", 5)
    state, holder = states.get("n")
    assert holder is None and (state.last_seq, state.last_hash, state.records) == (
        1,
        b"\x01" * 32,
        1,
    )
    states.close()


def reference_plan(state: NodeState, prev_seq: int, links: list[Link], key: bytes | None) -> Plan:
    """The collector's judgement made link by link with the library's own checks."""
    if prev_seq > state.last_seq:
        return Plan(state, wait=True)
    payloads: list[bytes] = []
    seqs: list[int] = []
    hashes: list[bytes] = []
    gaps = list(state.gaps)
    broken = (state.break_seq, state.break_what)
    chain = ChainState(state.last_seq, state.last_hash)
    skipped = duplicates = 0
    for link in links:
        if link.seq <= chain.seq:
            duplicates += link.payload is not None
            continue
        expected = chain.seq + 1
        if link.first > expected:
            gaps.append((expected, link.first - 1))
        if broken[0] is None:
            why = check_link(chain, link, key)
            if why is not None:
                broken = (max(link.first, expected), why)
        if link.payload is None:
            skipped += link.seq - max(link.first, expected) + 1
        else:
            try:
                payloads.append(with_node(link.payload, "n"))
                seqs.append(link.seq)
                hashes.append(link.hash)
            except ValueError as exc:
                if broken[0] is None:
                    broken = (link.seq, f"payload is not a record: {exc}")
        chain = ChainState(link.seq, link.hash)
    after = replace(
        state,
        last_seq=chain.seq,
        last_hash=chain.hash,
        records=state.records + len(payloads),
        skipped=state.skipped + skipped,
        duplicates=state.duplicates + duplicates,
        gaps=tuple(gaps),
        break_seq=broken[0],
        break_what=broken[1],
    )
    return Plan(after, tuple(payloads), tuple(seqs), b"".join(hashes))


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, list[Link]]:
    """Links of two real logs of 400 records in segments of 50 KB: unkeyed and keyed."""
    out: dict[bool, list[Link]] = {}
    for keyed in (False, True):
        folder = tmp_path_factory.mktemp("keyed" if keyed else "plain")
        key_file = None
        if keyed:
            key_file = folder / "hmac.key"
            key_file.write_bytes(b"k" * 32)
        cfg = LogConfig(
            audit_log=folder / "seos.audit",
            audit_size=50,
            backup_date="yes",
            hmac_key_file=key_file,
        )
        with AuditLog(cfg) as log:
            for i in range(0, 400, 40):
                log.append_batch(
                    [replace(record("n", k), resource="r" * 300) for k in range(i, i + 40)]
                )
        out[keyed] = list(links_after(cfg))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_plan_judges_as_the_per_link_checks(
    logs: dict[bool, list[Link]], data: st.DataObject
) -> None:
    keyed = data.draw(st.booleans())
    links = list(logs[keyed])
    assert any(k.segments for k in links[1:])  # rotations: segment headers travel
    start = data.draw(st.integers(0, len(links) - 1))
    end = data.draw(st.integers(start + 1, min(len(links), start + 120)))
    chosen = links[start:end]
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(chosen) - 1))
        link = chosen[i]
        damage = data.draw(st.sampled_from(["drop", "edit", "junk", "swap", "again", "prev"]))
        if damage == "drop" and len(chosen) > 1:
            del chosen[i]
        elif damage == "edit" and link.payload is not None:
            chosen[i] = replace(link, payload=link.payload.replace(b"user", b"usEr", 1))
        elif damage == "junk":
            chosen[i] = replace(link, payload=b"[1,2")
        elif damage == "swap" and i + 1 < len(chosen):
            chosen[i], chosen[i + 1] = chosen[i + 1], chosen[i]
        elif damage == "again":
            chosen.insert(i, link)
        elif damage == "prev":
            chosen[i] = replace(link, prev=bytes(32))
    if data.draw(st.booleans()):
        keep = data.draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
        chosen = skip_unselected(chosen, keep)
    before = links[start - 1] if start else None
    state = NodeState(
        "n",
        before.seq if before else 0,
        before.hash if before else b"",
    )
    if data.draw(st.booleans()):
        state = replace(state, break_seq=3, break_what="earlier")
    prev_seq = data.draw(st.integers(0, state.last_seq + 1))
    key = data.draw(st.sampled_from([b"k" * 32, None])) if keyed else None
    got = plan(state, Batch.of(prev_seq, chosen), "n", key)
    want = reference_plan(state, prev_seq, chosen, key)
    assert (got.state, got.payloads, got.seqs, got.hashes, got.wait) == (
        want.state,
        want.payloads,
        want.seqs,
        want.hashes,
        want.wait,
    )


@pytest.mark.parametrize("keyed", [False, True])
def test_a_message_that_continues_the_node_is_judged_whole(
    logs: dict[bool, list[Link]], keyed: bool
) -> None:
    """The usual message takes ``_follows_whole`` and plans as link by link; one damaged
    link (an edit, a wrong key) takes the loop, which names the break."""
    links = logs[keyed]
    start = next(i for i in range(1, len(links)) if not any(k.segments for k in links[i : i + 30]))
    chosen = links[start : start + 30]
    state = NodeState("n", links[start - 1].seq, links[start - 1].hash)
    key = b"k" * 32 if keyed else None
    assert _follows_whole(state, Batch.of(0, chosen), key)
    got = plan(state, Batch.of(0, chosen), "n", key)
    want = reference_plan(state, 0, chosen, key)
    assert (got.state, got.payloads, got.seqs, got.hashes) == (
        want.state,
        want.payloads,
        want.seqs,
        want.hashes,
    )
    assert got.state.intact and got.state.records == 30
    edited = [*chosen]
    assert edited[7].payload is not None
    edited[7] = replace(edited[7], payload=edited[7].payload.replace(b"user", b"usEr", 1))
    assert not _follows_whole(state, Batch.of(0, edited), key)
    assert plan(state, Batch.of(0, edited), "n", key).state.break_seq == chosen[7].seq
    if keyed:
        assert not _follows_whole(state, Batch.of(0, chosen), b"j" * 32)
