"""Every report over a trail with known answers, half in Parquet and half in the live tail."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import seaudit.report
from seaudit.query import TRUE, Filter, parse_where
from seaudit.report import REPORTS, run_report
from seaudit.report.model import Report, Result
from seaudit.store import Store
from tests.report.scenario import scenario
from tests.storefill import fill


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    recs = scenario()
    return fill(tmp_path_factory.mktemp("store"), recs, parquet=len(recs) // 2)


def rows(result: Result, title_start: str) -> list[tuple[object, ...]]:
    table = next(t for t in result.tables if t.title.startswith(title_start))
    return list(table.rows)


def report(store: Store, name: str, where: str = "") -> Result:
    return run_report(store, name, Filter(parse_where(where) if where else TRUE))


def test_every_report_module_is_registered() -> None:
    found = set()
    for info in pkgutil.iter_modules(seaudit.report.__path__):
        module = importlib.import_module(f"seaudit.report.{info.name}")
        if isinstance(getattr(module, "REPORT", None), Report):
            assert module.REPORT.name == info.name
            found.add(info.name)
    assert found == set(REPORTS)
    assert len(REPORTS) == 10


def test_logins(store: Store) -> None:
    result = report(store, "logins")
    by_user = {r[0]: r[1:] for r in rows(result, "By user")}
    assert by_user["eve"] == (0, 5, 5)
    assert by_user["bob"] == (0, 4, 4)
    assert by_user["alice"] == (2, 0, 2)
    bursts = rows(result, "Failure bursts by user")
    # eve's fifth failure is the first within ten minutes of the four before it
    assert bursts == [("eve", 1, "2024-03-04T09:04:00", 5)]
    assert [r[0] for r in rows(result, "Failure bursts by terminal")] == ["tty9"]
    pairs = rows(result, "User and terminal pairs")
    assert [(r[0], r[1], r[2]) for r in pairs] == [
        ("alice", "ws2", "2024-03-05T09:30:00"),
        ("alice", "tty1", "2024-03-04T09:30:00"),
    ]


def test_denials(store: Store) -> None:
    result = report(store, "denials")
    assert rows(result, "Top users")[0] == ("bob", 9)  # 4 logins, 2 reads, rmusr, 2 su
    assert ("FILE", "/etc/shadow", 2) in rows(result, "Top resources")
    stages = {r[0]: (r[1], r[2]) for r in rows(result, "Stage codes")}
    assert stages[59] == (2, "Resource UACC check")
    assert stages[302] == (1, "An attempt to delete user root")
    after = dict(rows(result, "After hours"))  # type: ignore[arg-type]
    # bob's 23:00 read, and mallory's Saturday one; bob's 10-13 h login denials are in hours
    assert after == {"bob": 1, "mallory": 1}


def test_warnings(store: Store) -> None:
    result = report(store, "warnings")
    assert rows(result, "By resource") == [("FILE", "/etc/hosts", 2)]
    assert rows(result, "Would be denied")[0][:5] == ("FILE", "/etc/hosts", "carol", "Write", 2)


def test_admin(store: Store) -> None:
    result = report(store, "admin")
    assert dict(rows(result, "By administrator")) == {"admin1": 2, "bob": 1}  # type: ignore[arg-type]
    failed = rows(result, "Failed and denied")
    assert [(r[1], r[3]) for r in failed] == [("D", "rmusr root"), ("F", "rr FILE /x")]
    assert failed[0][-1] == "An attempt to delete user root"


def test_surrogate(store: Store) -> None:
    result = report(store, "surrogate")
    assert rows(result, "Who became whom") == [("bob", "USER.root", 1, 2, 3)]
    assert len(rows(result, "Denied attempts")) == 2


def test_network(store: Store) -> None:
    result = report(store, "network")
    assert rows(result, "By direction") == [
        ("inbound", "h1", "telnet", 2, 2),
        ("inbound", "h1", "ssh", 0, 1),
    ]


def test_daemons(store: Store) -> None:
    result = report(store, "daemons")
    assert rows(result, "By service and node") == [("seosd", "web01", 2, 1, "2024-03-04T16:30:00")]
    assert rows(result, "Periods with no audit daemon") == [
        ("web01", "2024-03-04T16:00:00", "2024-03-04T16:30:00", 30)
    ]


def test_integrity(store: Store) -> None:
    result = report(store, "integrity")
    chain = dict(rows(result, "Hash chain"))  # type: ignore[arg-type]
    assert chain["state"] == "intact"
    assert chain["records checked"] == len(scenario())
    assert rows(result, "Gaps") == []
    per_node = rows(result, "Records per node")
    assert per_node[0][:4] == ("web01", len(scenario()), 1, len(scenario()))


def test_integrity_reports_a_gap_the_filter_leaves(store: Store) -> None:
    result = report(store, "integrity", "event != shutdown")
    gaps = rows(result, "Gaps")
    assert [g[2] for g in gaps] == [1]


def test_compliance(store: Store) -> None:
    result = report(store, "compliance")
    cover = {r[0]: r[3] for r in rows(result, "Requirement 10.2.1")}
    assert cover == {
        "10.2.1.1": 1,  # mallory's read of /data/cardholder/pan.db
        "10.2.1.2": 3,
        "10.2.1.3": 0,
        "10.2.1.4": 5 + 4 + 3 + 1 + 2 + 2,
        "10.2.1.5": 1 + 1 + 3,  # newusr, rmusr, the three surrogate records
        "10.2.1.6": 3,
        "10.2.1.7": 3,
    }
    state = {r[0]: r[4] for r in rows(result, "Requirement 10.2.1")}
    assert str(state["10.2.1.3"]).startswith("NOT EVIDENCED")
    content = {r[0]: r[2] for r in rows(result, "Requirement 10.2.2")}
    assert content["type of event"] == 0


def test_compliance_takes_cardholder_masks(store: Store) -> None:
    result = run_report(store, "compliance", Filter(TRUE), options={"cardholder": ("/etc/shadow",)})
    assert rows(result, "Requirement 10.2.1")[0][3] == 2


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_takes_filters(store: Store, name: str) -> None:
    """A filter that selects nothing leaves every query-made table empty."""
    result = report(store, name, "user = nobody-at-all")
    for table in result.tables:
        if table.title.startswith(("Hash chain", "Integrity state", "Requirement", "Total")):
            continue
        assert table.rows == (), (name, table.title)
