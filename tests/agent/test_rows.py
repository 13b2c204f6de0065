"""The store's column-wise forms of the bulk replay's records are the per-record ones: for
streams of the recorded corpus's events (``test_bulk.streams``), the items a bulk replay
hands its sink give, through ``store_items``, the log payloads ``encode_record`` makes of
their records and the Parquet rows ``to_table`` makes, partitions included; and a replay
into a store stores what the per-event path stores."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.agent.bulk import BulkReader
from seaudit.agent.parse import EventId
from seaudit.agent.pipeline import Pipeline
from seaudit.agent.rows import Filled, Item, Template, materialize, store_items
from seaudit.log.payload import encode_record
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store.columns import dedup_key, node_of, to_table
from seaudit.store.tree import day_of, node_dir, partition
from tests.agent.synthetic import write_log
from tests.agent.test_bulk import streams


class ItemSink:
    def __init__(self) -> None:
        self.items: list[Item] = []

    def __call__(self, items: list[Item], marks: dict[str | None, EventId]) -> None:
        self.items.extend(items)


def _bulk_items(lines: list[str], node: str | None) -> list[Item]:
    sink = ItemSink()
    pipeline = Pipeline(sink, node=node, source="audit.log", on_reject=lambda m: None)
    BulkReader(pipeline).read(io.BytesIO("\n".join(lines).encode()), "s")
    pipeline.finish()
    return sink.items


def _per_record(records: list[AuditRecord], first: int) -> tuple[list[bytes], pa.Table, pa.Array]:
    entries = [(first + i, r) for i, r in enumerate(records)]
    parts = [partition(day_of(r), node_dir(node_of(r))) for r in records]
    return [encode_record(r) for r in records], to_table(entries), pa.array(parts, pa.string())


@settings(max_examples=60, deadline=None)
@given(streams(), st.sampled_from([None, "db01"]), st.integers(1, 10**6))
def test_store_items_are_the_per_record_forms(
    lines: list[str], node: str | None, first: int
) -> None:
    items = _bulk_items(lines, node)
    if not items:
        return
    payloads, table, parts = store_items(items, first)
    want_payloads, want_table, want_parts = _per_record(materialize(items), first)
    assert payloads == want_payloads
    assert table.equals(want_table) and parts.equals(want_parts)


def test_the_frame_holds_what_it_can_and_the_rest_goes_per_record() -> None:
    """A template whose text a polars string cannot hold (a lone surrogate, from
    undecodable bytes) is stored per record, in its place among framed ones; the import key
    is the per-record one."""
    base = AuditRecord(
        event="resource_access",
        timestamp="2026-11-30 10:00:00",
        status="P",
        user="alice",
        class_="FILE",
        resource="/etc/shadow",
    )
    odd = base.replace(resource="/tmp/\udcff")
    good, bad = Template.of(base, "audit.log"), Template.of(odd, "audit.log")
    assert good.row is not None and bad.row is None
    items: list[Item] = [
        Filled(good, 7, "audit(1.000:7)", "web01"),
        Filled(bad, 8, "audit(1.000:8)", "web01"),
        base.replace(origin=Origin("audit.log", 0, "loss serial 1.000 3", None)),
        Filled(good, 9, "audit(1.000:9)", None),
    ]
    records = materialize(items)
    assert records[1].resource == "/tmp/\udcff" and records[0].origin == Origin(
        "audit.log", 7, "audit(1.000:7)", "web01"
    )
    payloads, table, parts = store_items(items, 100)
    want_payloads, want_table, want_parts = _per_record(records, 100)
    assert payloads == want_payloads
    assert table.equals(want_table) and parts.equals(want_parts)
    assert table.column("key")[0].as_py() == dedup_key("web01", 7, "audit(1.000:7)")


def _store_dump(store: Path) -> tuple[bytes, list[tuple[object, ...]]]:
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "--store", str(store), "--to", "jsonl"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    import duckdb

    rows = duckdb.sql(
        f"select * from read_parquet('{store}/parquet/**/*.parquet', hive_partitioning=false) "
        "order by seq"
    ).fetchall()
    return done.stdout, rows


def test_a_replay_in_bulk_stores_what_the_per_event_path_stores(tmp_path: Path) -> None:
    """``seaudit agent --from-log`` as processes, in bulk (column-wise store) and
    ``--per-event`` (records to the log, Parquet from the log): the same records in the log
    and, once the per-event store caught its Parquet up, the same rows."""
    log = tmp_path / "audit.log"
    write_log(log, 6000)
    dumps = []
    for name, extra in (("bulk", []), ("per", ["--per-event"])):
        store = tmp_path / name
        command = [sys.executable, "-m", "seaudit", "agent", "--from-log", str(log)]
        subprocess.run(
            [*command, "--store", str(store), *extra],
            check=True,
            capture_output=True,
            timeout=300,
            env={**os.environ, "TZ": "UTC"},
        )
        if name == "per":  # its rows reach Parquet when its log rotates: now, here
            from seaudit.store import Store

            s = Store(store)
            with s.open_log():
                s.catch_up()
                s.flush()
        dumps.append(_store_dump(store))
    assert dumps[0][0] == dumps[1][0] and dumps[0][0].count(b"\n") > 3000
    assert dumps[0][1] == dumps[1][1] and len(dumps[0][1]) == dumps[0][0].count(b"\n")
