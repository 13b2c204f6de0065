"""Partition pruning never drops a record the filter selects, and does narrow the files."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.query import And, Cmp, Expr, Not, Or, to_predicate
from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store
from seaudit.store.prune import scope_of
from seaudit.store.tree import day_of, node_dir

STAMPS = [
    "2024-01-01T00:00:00",
    "2024-01-02T10:00:00",
    "2023-12-31T23:59:59",
    "2024-01-02",
    "garbage",
    "",
    "2024-13-45T99:00:00",
]
NODES = [None, "web01", "db01", "bad node/é", "_local"]
EVENTS = ["login", "logout", "resource_access", "trace"]
BOUNDS = [*STAMPS, "2024", "2024-01-02T", "2024-01-01T23:59:59", "z", "2024-01-01*"]


@st.composite
def records(draw: st.DrawFn) -> AuditRecord:
    node = draw(st.sampled_from(NODES))
    return AuditRecord(
        event=draw(st.sampled_from(EVENTS)),
        timestamp=draw(st.sampled_from(STAMPS)),
        status="P",
        user=draw(st.sampled_from(["bob", "ann"])),
        origin=Origin("f.txt", 1, "raw", node),
    )


comparisons = (
    st.builds(
        Cmp,
        st.just("timestamp"),
        st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "~"]),
        st.sampled_from(BOUNDS),
    )
    | st.builds(
        Cmp,
        st.just("node"),
        st.sampled_from(["=", "!=", "~", "!~"]),
        st.sampled_from([n for n in NODES if n] + ["web*", "?b01"]),
    )
    | st.builds(Cmp, st.just("user"), st.just("="), st.sampled_from(["bob", "ann"]))
    | st.builds(
        Cmp,
        st.just("event"),
        st.sampled_from(["=", "!=", "~", "!~"]),
        st.sampled_from([*EVENTS, "log*", "*_*", "?race", "nothing"]),
    )
)
exprs = st.recursive(
    comparisons,
    lambda inner: (
        st.builds(lambda xs: And(tuple(xs)), st.lists(inner, max_size=3))
        | st.builds(lambda xs: Or(tuple(xs)), st.lists(inner, max_size=3))
        | st.builds(Not, inner)
    ),
    max_leaves=6,
)


@settings(max_examples=500)
@given(record=records(), expr=exprs)
def test_a_selected_record_lies_in_an_admitted_partition_and_event(
    record: AuditRecord, expr: Expr
) -> None:
    if to_predicate(expr)(record):
        node = record.origin.node if record.origin else None
        scope = scope_of(expr)
        assert scope.admits(day_of(record), node_dir(node))
        assert scope.events is None or record.event in scope.events


def test_a_day_range_opens_only_its_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    entries = []
    for day in range(1, 6):
        for node in ("web01", "db01"):
            entries.append(
                AuditRecord(
                    event="login",
                    timestamp=f"2024-01-0{day}T12:00:00",
                    status="P",
                    user="bob",
                    origin=Origin("f", day, f"raw {day} {node}", node),
                )
            )
    with store.open_log() as log:
        log.append_batch(entries)
    store.catch_up()
    since = Filter(And((Cmp("timestamp", ">=", "2024-01-04T00:00:00"), Cmp("node", "=", "db01"))))
    snap = store.snapshot(scope_of(since.expr))
    snap.close()
    everything = store.snapshot()
    everything.close()
    assert len(everything.fds) == 10
    assert sorted(f"day={e.day}/node={e.node}" for e in snap.entries) == [
        "day=2024-01-04/node=db01",
        "day=2024-01-05/node=db01",
    ]
    assert [r.timestamp[:10] for _, r in store.select(since)] == ["2024-01-04", "2024-01-05"]
    assert store.count(Filter(Cmp("timestamp", "<", "2024-01-02T00:00:00"))) == 2
