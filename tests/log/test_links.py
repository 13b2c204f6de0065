"""Chain links as a collector sees them: every link of a real log checks against the one
before, across rotations and with records folded away; an edit anywhere is caught."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.log import AuditLog, LogConfig
from seaudit.log.links import ChainState, Link, check_link, links_after, skip_unselected

from .conftest import make_record
from .tamper import edit_block


def walk(links: list[Link], key: bytes | None = None) -> list[tuple[int, str]]:
    state, problems = ChainState(), []
    for link in links:
        why = check_link(state, link, key)
        if why is not None:
            problems.append((link.seq, why))
        state = ChainState(link.seq, link.hash)
    return problems


def write(cfg: LogConfig, count: int) -> None:
    with AuditLog(cfg) as log:
        for i in range(count):
            log.append(make_record(i, pad=200))


def test_links_of_a_rotated_log_all_check(log_cfg: Callable[..., LogConfig]) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0)
    write(cfg, 600)
    links = list(links_after(cfg))
    assert [link.seq for link in links] == list(range(1, 601))
    assert sum(1 for link in links if link.segments) > 2  # several segments crossed
    assert walk(links) == []
    assert [link.seq for link in links_after(cfg, after=450)] == list(range(451, 601))


def test_keyed_links_join_without_the_key_and_check_with_it(
    log_cfg: Callable[..., LogConfig], tmp_path: Path
) -> None:
    key = tmp_path / "k"
    key.write_bytes(b"0123456789abcdef0123")
    cfg = log_cfg(hmac_key_file=key)
    write(cfg, 30)
    links = list(links_after(cfg))
    assert walk(links) == [] and walk(links, b"0123456789abcdef0123") == []
    assert walk(links, b"another key of 16+ bytes")[0][0] == 1


def test_an_edited_payload_is_caught_at_its_seq(log_cfg: Callable[..., LogConfig]) -> None:
    cfg = log_cfg()
    write(cfg, 20)
    links = list(links_after(cfg))
    # write seq 8's block (a record of bob's) again with another user, its CRCs correct and
    # its old link: only the chain can tell
    edit_block(cfg.audit_log, 8, lambda p: p.replace(b"bob", b"eve"))
    assert walk(list(links_after(cfg))) == [(8, "chain hash mismatch (record edited)")]
    assert len(links) == 20


def test_an_edited_record_in_a_block_of_many_is_caught_at_its_seq(
    log_cfg: Callable[..., LogConfig],
) -> None:
    """The router checks each block's link; the records' CRCs say which record was edited."""
    cfg = log_cfg()
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=200) for i in range(30))
    edit_block(cfg.audit_log, 8, lambda p: p.replace(b"bob", b"eve"), recrc=False)
    assert walk(list(links_after(cfg))) == [(8, "chain hash mismatch (record edited)")]


def test_a_deleted_record_breaks_the_link_after_it(log_cfg: Callable[..., LogConfig]) -> None:
    cfg = log_cfg()
    write(cfg, 10)
    links = list(links_after(cfg))
    assert walk(links[:4] + links[5:])[0][0] == 6


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=120), st.integers(50, 60))
def test_folding_unselected_runs_keeps_the_chain_whole(keep: list[bool], size: int) -> None:
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"links-{os.getpid()}-{len(keep)}-{size}"
    cfg = LogConfig(
        audit_log=root / "seos.audit", audit_size=size, backup_date="yes", audit_max_files=0
    )
    try:
        write(cfg, len(keep))
        links = list(links_after(cfg))
        folded = skip_unselected(links, keep)
        assert walk(folded) == []
        assert [x.seq for x in folded if x.payload is not None] == [
            x.seq for x, k in zip(links, keep, strict=True) if k
        ]
        covered = [s for x in folded for s in range(x.first, x.seq + 1)]
        assert covered == list(range(1, len(keep) + 1))  # every seq once, in order
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_reading_on_from_a_remembered_point_sends_what_a_fresh_walk_sends(
    log_cfg: Callable[..., LogConfig],
) -> None:
    """A router reads on from its last seq again and again; the walk starts at the last
    block it checked rather than at the segment's start, and the links are the same."""
    from seaudit.log import links

    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0)
    records = [make_record(i, pad=150) for i in range(400)]
    with AuditLog(cfg) as log:
        for at in range(0, 400, 7):
            log.append_batch(records[at : at + 7])
    for after in (0, 1, 6, 7, 8, 150, 399, 400):
        links._RESUME.clear()
        fresh = list(links_after(cfg, after))
        assert [x.seq for x in fresh] == list(range(after + 1, 401))
        list(links_after(cfg, 0))  # remembers the end of every segment's last block
        assert list(links_after(cfg, after)) == fresh
    assert walk(list(links_after(cfg, 0))) == []
