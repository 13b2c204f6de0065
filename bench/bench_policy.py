"""Decisions per second of ``decide`` and records per second of ``simulate``.

Events come from the simulator (the example policy's site: sessions, cron, admin work, attack
scenarios) and are decided against the bundled example policy and its audit.cfg, as
``seaudit simulate`` does. The same-run baseline is ``json.dumps`` of each event's fields with
the standard library: the cost of touching every event once in Python.

    PYTHONPATH=src python bench/bench_policy.py [--events 300000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict

from seaudit.export import write_records
from seaudit.policy import decide, parse_auditcfg, parse_policy
from seaudit.policy.model import Policy
from seaudit.policy.simulate import (
    SimConfig,
    example_auditcfg_text,
    example_policy_text,
    simulate,
    simulate_events,
)


def best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    """(fastest seconds, the count fn returned) over ``repeat`` runs."""
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = fn()
        times.append(time.perf_counter() - start)
    return min(times), count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    policy: Policy = parse_policy(example_policy_text()).with_auditcfg(
        parse_auditcfg(example_auditcfg_text())
    )
    hours = 24 * 7
    cfg = SimConfig(seed=1, days=7, hosts=4, users=200, rate=args.events / hours / 4)
    events = [e for _, e in simulate_events(cfg)][: args.events]
    n = len(events)
    fields = [asdict(e) for e in events]

    def decide_all() -> int:
        recorded = 0
        for event in events:
            if decide(event, policy).record is not None:
                recorded += 1
        return recorded

    def baseline() -> int:
        return sum(len(json.dumps(f)) for f in fields)

    def simulate_all() -> int:
        return sum(1 for _ in simulate(cfg, policy))

    def simulate_text() -> int:
        sink = io.BytesIO()
        return write_records((r for _, r in simulate(cfg, policy)), sink, "short")

    t_base, _ = best(baseline, args.repeat)
    t_decide, recorded = best(decide_all, args.repeat)
    t_sim, records = best(simulate_all, args.repeat)
    t_text, _ = best(simulate_text, args.repeat)
    sim_events = sum(1 for _ in simulate_events(cfg))
    print(f"{n} events ({recorded} recorded) from {cfg}")
    print(f"baseline json.dumps per event : {n / t_base / 1e3:8.0f} k events/s")
    print(f"decide                        : {n / t_decide / 1e3:8.0f} k decisions/s "
          f"({t_decide / t_base:.2f}x the baseline's time)")  # fmt: skip
    print(f"simulate (events + decide)    : {records / t_sim / 1e3:8.0f} k records/s "
          f"({sim_events / t_sim / 1e3:.0f} k events/s)")  # fmt: skip
    print(f"simulate to short text        : {records / t_text / 1e3:8.0f} k records/s")


if __name__ == "__main__":
    main()
