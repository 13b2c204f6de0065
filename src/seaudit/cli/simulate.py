"""``seaudit simulate``: a seeded, realistic stream of a site's audit records.

Events of user sessions, cron jobs, admin sessions, services, network connections and the
named attack scenarios are run through a policy (``--policy``, else the bundled example policy
and its audit.cfg) and the records written as non-detailed text (``--to`` another format), or
appended to a store's audit log (``--store``, node = the host). Same options, same bytes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING

from seaudit.cli.output import add_output_arguments
from seaudit.errors import UsageError
from seaudit.schema.record import AuditRecord, Origin

if TYPE_CHECKING:
    from seaudit.policy.model import Policy

HELP = "generate a realistic audit stream from a policy (seeded: same seed, same bytes)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from seaudit.policy.simulate import SCENARIOS

    parser.add_argument("--policy", metavar="FILE", help="selang policy (default: the example)")
    parser.add_argument(
        "--auditcfg",
        metavar="FILE",
        help="audit.cfg applied before output (default: the example's, without --policy: none)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--days", type=int, default=1, help="days to simulate (default 1)")
    parser.add_argument("--hosts", type=int, default=1, help="hosts (default 1)")
    parser.add_argument("--users", type=int, default=12, help="users (default 12, at least 3)")
    parser.add_argument(
        "--rate", type=float, default=40.0, help="intercepted events per host and hour (40)"
    )
    parser.add_argument("--start", default="2024-03-04", help="first day, YYYY-MM-DD")
    parser.add_argument(
        "--scenarios",
        default="all",
        metavar="LIST",
        help=f"comma-separated attack scenarios, all or none ({', '.join(SCENARIOS)})",
    )
    parser.add_argument("--store", metavar="PATH", help="append to this store instead of output")
    add_output_arguments(parser, default="short")


def run(args: argparse.Namespace) -> int:
    from seaudit.policy.simulate import SimConfig, simulate

    policy = load_run_policy(args.policy, args.auditcfg)
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        raise UsageError(f"--start takes YYYY-MM-DD, not {args.start!r}") from None
    try:
        cfg = SimConfig(
            seed=args.seed,
            days=args.days,
            hosts=args.hosts,
            users=args.users,
            rate=args.rate,
            start=start,
            scenarios=_scenarios(args.scenarios),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    stream = simulate(cfg, policy)
    if args.store:
        count = _to_store(args.store, stream)
        print(f"appended {count} records to {args.store}", file=sys.stderr)
        return 0
    from seaudit.cli.output import write_output

    write_output((record for _, record in stream), args)
    return 0


def load_run_policy(path: str | None, auditcfg: str | None) -> Policy:
    """The policy to run (the bundled example without ``path``), with its audit.cfg."""
    from seaudit.policy import load_auditcfg, load_policy, parse_auditcfg, parse_policy
    from seaudit.policy.simulate import example_auditcfg_text, example_policy_text

    if path is None:
        policy = parse_policy(example_policy_text(), source="example.selang")
        cfg = parse_auditcfg(example_auditcfg_text(), source="example_audit.cfg")
    else:
        policy, cfg = load_policy(path), None
    if auditcfg is not None:
        cfg = load_auditcfg(auditcfg)
    return policy.with_auditcfg(cfg)


def _scenarios(text: str) -> tuple[str, ...]:
    from seaudit.policy.simulate import SCENARIOS

    if text == "all":
        return SCENARIOS
    if text == "none":
        return ()
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _to_store(root: str, stream: Iterator[tuple[str, AuditRecord]]) -> int:
    from pathlib import Path

    from seaudit.store import Store

    store = Store(Path(root))
    count = 0
    batch: list[AuditRecord] = []
    with store.open_log() as log:
        for host, record in stream:
            count += 1
            batch.append(record.replace(origin=Origin("simulate", count, None, host)))
            if len(batch) >= 4096:
                log.append_batch(batch)
                batch.clear()
        log.append_batch(batch)
    store.catch_up()
    store.flush()
    return count
