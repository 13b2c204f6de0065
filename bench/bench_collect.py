"""The collector's work per message, column-wise against the per-record way, in one process:
decode the message, judge each chain link, give each payload the sender's node, make the
Parquet rows. CPU time (``process_time``), so the machine's other load stretches it less.

    PYTHONPATH=src python bench/bench_collect.py [--records N]

The baseline (same run) is the library's per-record path: a ``Link`` per record,
``check_link``, ``with_node``, ``decode_record`` and ``to_table`` with each row's partition.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from seaudit.log import AuditLog, LogConfig
from seaudit.log.links import ChainState, Link, check_link, links_after
from seaudit.log.payload import decode_record, with_node
from seaudit.route.collector import plan
from seaudit.route.nodestate import NodeState
from seaudit.route.rows import partitions, table_of
from seaudit.route.wire import decode_links, encode_links
from seaudit.store.columns import node_of, to_table
from seaudit.store.tree import day_of, node_dir, partition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_route import records

PER_MESSAGE = 1000


def column_wise(messages: list[bytes]) -> int:
    state, parts = NodeState("ep"), []
    for body in messages:
        step = plan(state, decode_links(body), "ep")
        state = step.state
        assert step.rows is not None
        parts.append(step.rows)
    table = table_of(parts)
    partitions(table)
    return int(table.num_rows)


def per_record(messages: list[bytes]) -> int:
    chain, entries, parts = ChainState(), [], []
    for body in messages:
        for link in decode_links(body).links:
            assert check_link(chain, link) is None and link.payload is not None
            chain = ChainState(link.seq, link.hash)
            record = decode_record(with_node(link.payload, "ep"))
            entries.append((len(entries), record))
            parts.append(partition(day_of(record), node_dir(node_of(record))))
    return int(to_table(entries).num_rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        cfg = LogConfig(
            audit_log=Path(directory) / "seos.audit", audit_size=16384, backup_date="yes"
        )
        with AuditLog(cfg) as log:
            log.append_batch(records(args.records, 1))
        links: list[Link] = list(links_after(cfg))
    messages = [
        encode_links(links[i : i + PER_MESSAGE], links[i - 1].seq if i else 0)
        for i in range(0, len(links), PER_MESSAGE)
    ]
    print(f"load average {os.getloadavg()[0]:.1f}; {args.records:,} records")
    results: dict[str, list[float]] = {"per-record (baseline)": [], "column-wise": []}
    for _ in range(3):
        for name, work in (("per-record (baseline)", per_record), ("column-wise", column_wise)):
            started = time.process_time()
            assert work(messages) == args.records
            results[name].append(time.process_time() - started)
    best = {name: min(times) for name, times in results.items()}
    for name, seconds in best.items():
        print(f"{name:>22}: {seconds / args.records * 1e6:6.2f} us/record (best of 3, CPU)")
    ratio = best["per-record (baseline)"] / best["column-wise"]
    print(f"column-wise is {ratio:.2f}x the per-record way")


if __name__ == "__main__":
    main()
