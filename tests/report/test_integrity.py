"""The integrity report shows each sender node as ``verify --nodes`` sees it (chain, gaps,
rejected messages) when the store is a collector's, and creates nothing when it is not."""

from __future__ import annotations

from pathlib import Path

from seaudit.query import TRUE, Filter
from seaudit.report import run_report
from seaudit.report.integrity import NODE_STATE
from seaudit.report.model import Result
from seaudit.report.text import render_text
from seaudit.route.nodestate import NodeState, NodeStates
from seaudit.store import Store
from tests.cli.test_commands import run_cli
from tests.report.scenario import scenario
from tests.storefill import fill

HOSTILE = "evil\x1b[31m<script>alert(1)</script>"


def rows(result: Result, title_start: str) -> list[tuple[object, ...]]:
    table = next(t for t in result.tables if t.title.startswith(title_start))
    return list(table.rows)


def collected(tmp_path: Path) -> Store:
    """A store with records, and the node state two collectors left in it."""
    store = fill(tmp_path / "store", scenario()[:20], parquet=10)
    states = NodeStates(store.root / NODE_STATE)
    try:
        states.put(NodeState("web01", last_seq=120, records=118, skipped=2))
        states.put(
            NodeState(
                HOSTILE,
                last_seq=50,
                records=40,
                duplicates=3,
                gaps=((10, 14), (30, 30)),
                break_seq=41,
                break_what="edited",
            )
        )
        states.reject("db01", "not a seaudit record")
        states.reject("db01", "not a seaudit record")
    finally:
        states.close()
    return store


def test_each_collected_node_is_reported_with_its_chain_and_gaps(tmp_path: Path) -> None:
    store = collected(tmp_path)
    result = run_report(store, "integrity", Filter(TRUE))
    nodes = {r[0]: r[1:] for r in rows(result, "Sender nodes")}
    assert nodes["web01"] == (
        "OK", 120, 118, 2, 0, "none", "chain intact"
    )  # fmt: skip
    assert nodes[HOSTILE] == (
        "PROBLEM", 50, 40, 0, 3, "10..14, 30", "chain BROKEN at seq 41: edited"
    )  # fmt: skip
    assert rows(result, "Messages rejected") == [("db01", "not a seaudit record", 2)]
    text = render_text(result)
    assert "\x1b" not in text and "chain BROKEN at seq 41: edited" in text


def test_the_report_and_verify_nodes_say_the_same(tmp_path: Path) -> None:
    store = collected(tmp_path)
    done = run_cli("verify", "--nodes", "--store", str(store.root))
    assert done.returncode == 1
    out = done.stdout.decode()
    assert "PROBLEM evil" in out and "gaps 10..14, 30, chain BROKEN at seq 41: edited" in out
    report = run_cli("report", "integrity", "--store", str(store.root))
    assert report.returncode == 0, report.stderr
    assert b"chain BROKEN at seq 41: edited" in report.stdout
    assert b"\x1b" not in report.stdout


def test_a_store_that_is_not_a_collectors_says_so_and_gets_no_state_file(tmp_path: Path) -> None:
    store = fill(tmp_path / "store", scenario()[:5])
    result = run_report(store, "integrity", Filter(TRUE))
    assert rows(result, "Sender nodes") == []
    assert "not a collector's store: no node state" in render_text(result)
    assert not (store.root / NODE_STATE).exists()
