"""``seaudit agent``: kernel audit events (auditd) become PAM Server Control records.

``seaudit agent [--policy FILE [--auditcfg FILE]] (--plugin | --from-log FILE... | -)
[--store PATH] [--node NAME] [--to FORMAT]`` runs the agent, deciding each access through the
policy when one is given; ``seaudit agent rules [--policy FILE]`` prints the auditctl rules it
needs;
``seaudit agent --status`` shows the kernel's counters and the losses recorded. Exit status:
0 done, 1 some lines were not audit records (reported as ``FILE:LINE: reason``), 2 usage
error or unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from seaudit.agent.access import Access
    from seaudit.policy import Policy

from seaudit.cli.output import terminal_safe
from seaudit.store.location import add_store_argument

HELP = "the Linux host agent: auditd events into records (rules, --status, --plugin, --from-log)"
PLUGIN_CONF = """\
# /etc/audit/plugins.d/seaudit.conf: auditd hands every event to the seaudit agent
active = yes
direction = out
path = {path}
type = always
args = agent --plugin
format = string
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "what",
        nargs="?",
        metavar="rules|plugin-conf|-",
        help="rules: print the auditctl rules; plugin-conf: print the auditd plugin file; "
        "-: read audit text on stdin",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--plugin", action="store_true", help="read auditd's plugin stream")
    source.add_argument("--from-log", nargs="+", metavar="FILE", help="replay audit.log files")
    source.add_argument("--status", action="store_true", help="kernel counters, losses recorded")
    parser.add_argument(
        "--policy", metavar="FILE", help="the audit policy (selang) that decides each access"
    )
    parser.add_argument(
        "--auditcfg", metavar="FILE", help="audit.cfg filters applied before the log (--policy)"
    )
    add_store_argument(parser)
    parser.add_argument("--node", metavar="NAME", help="the host the events come from")
    parser.add_argument("--to", metavar="FORMAT", help="write records to stdout in this format")
    parser.add_argument(
        "--timeout", type=float, default=2.0, help="seconds of event time an event stays open"
    )
    parser.add_argument(
        "--per-event",
        action="store_true",
        help="replay line by line through the per-event path (the reference the bulk path "
        "is held equal to; slower)",
    )


def run(args: argparse.Namespace) -> int:
    if args.auditcfg is not None and args.policy is None:
        print("seaudit agent: --auditcfg needs --policy FILE", file=sys.stderr)
        return 2
    policy = _load_policy(args)
    if args.what == "rules":
        from seaudit.agent.rules import RuleScope, audit_rules, policy_scope, render_rules

        scope = RuleScope() if policy is None else policy_scope(policy)
        sys.stdout.write(render_rules(audit_rules(scope)))
        return 0
    if args.what == "plugin-conf":
        sys.stdout.write(PLUGIN_CONF.format(path=_seaudit_path()))
        return 0
    if args.status:
        return _status(args)
    if args.what not in (None, "-"):
        print(
            f"seaudit agent: unknown action {args.what!r} (rules, plugin-conf, -)", file=sys.stderr
        )
        return 2
    if not (args.plugin or args.from_log or args.what == "-"):
        print(
            "seaudit agent: say where events come from: --plugin, --from-log FILE... or -",
            file=sys.stderr,
        )
        return 2
    return _run(args, policy)


def _load_policy(args: argparse.Namespace) -> Policy | None:
    """The policy file and its audit.cfg; their errors (line and column) reach the CLI's
    handler, which prints them and exits 2."""
    if args.policy is None:
        return None
    from seaudit.policy import load_auditcfg, load_policy

    policy = load_policy(args.policy)
    return policy.with_auditcfg(load_auditcfg(args.auditcfg)) if args.auditcfg else policy


def _notify(recipient: str, access: Access) -> None:
    """A ``notify(user)`` of the policy: the agent sends no mail, it says so on stderr."""
    print(
        terminal_safe(
            f"seaudit agent: notify {recipient}: {access.class_} {access.resource} "
            f"{access.access or access.event} by {access.user} at {access.timestamp}"
        ),
        file=sys.stderr,
    )


def _run(args: argparse.Namespace, policy: Policy | None) -> int:
    from seaudit.agent import run as agent
    from seaudit.agent.checkpoint import Checkpoint
    from seaudit.agent.lostmark import LostMarks, boot_id
    from seaudit.agent.pipeline import Pipeline
    from seaudit.agent.policy import PolicyJudge
    from seaudit.store.location import check_node, resolve_root

    if args.node:
        check_node(args.node)
    if args.timeout <= 0:
        print("seaudit agent: --timeout must be positive", file=sys.stderr)
        return 2
    if args.from_log:
        for path in args.from_log:
            if not Path(path).is_file():
                print(f"seaudit agent: cannot read {path}: not a file", file=sys.stderr)
                return 2
    judge = None if policy is None else PolicyJudge.of(policy, _notify)
    source = "<auditd>" if args.plugin else "<stdin>" if args.what == "-" else "audit.log"

    marks: LostMarks | None = None

    def feed(pipeline: Pipeline) -> None:
        if args.plugin:
            agent.run_plugin(pipeline, sys.stdin.buffer, marks=marks, boot=boot_id())
        elif args.from_log:
            agent.replay(pipeline, args.from_log, bulk=not args.per_event)
        else:
            agent.read_text(pipeline, sys.stdin.buffer, bulk=not args.per_event)

    if args.to:
        from seaudit.export import get_format

        fmt = get_format(args.to)
        sink = agent.ListSink()
        pipeline = Pipeline(sink, node=args.node, source=source, policy=judge, timeout=args.timeout)
        fmt.write(agent.stream_records(pipeline, sink, feed), sys.stdout.buffer)
        sys.stdout.flush()
    else:
        from seaudit.store import Store

        root = resolve_root(args.store)
        store = Store(root)
        checkpoint = Checkpoint(
            agent.checkpoint_path(root)
        )  # shared: a replay resumes after the plugin
        marks = LostMarks(agent.lost_marks_path(root))
        replaying = not args.plugin
        with store.open_log(read_back=not replaying) as log:
            store_sink = agent.StoreSink(store, log, dedup=bool(args.from_log), ingest=replaying)
            pipeline = Pipeline(
                store_sink,
                node=args.node,
                source=source,
                policy=judge,
                checkpoint=checkpoint,
                timeout=args.timeout,
            )
            feed(pipeline)
            store_sink.close()
    print(f"seaudit agent: {pipeline.tally.summary(pipeline.grouper.duplicates)}", file=sys.stderr)
    return 1 if pipeline.tally.rejects else 0


def _status(args: argparse.Namespace) -> int:
    from seaudit.agent.kernel import AuditUnavailable, read_status
    from seaudit.agent.run import loss_records
    from seaudit.store import Store
    from seaudit.store.location import resolve_root

    try:
        status = read_status()
        print(
            f"kernel audit: enabled {status.enabled}, daemon pid {status.pid}, "
            f"lost {status.lost}, backlog {status.backlog} of {status.backlog_limit}"
        )
    except AuditUnavailable as exc:
        print(f"kernel audit: not available here: {exc}")
    losses = loss_records(Store(resolve_root(args.store)))
    total = sum(_count(r.trace) for r in losses)
    print(f"losses recorded: {len(losses)} records, {total} events lost")
    for record in losses:
        print(f"  {record.timestamp} {record.resource}: {terminal_safe(record.trace or '')}")
    return 0


def _count(text: str | None) -> int:
    head = (text or "").split(" ", 1)[0]
    return int(head) if head.isdigit() else 0


def _seaudit_path() -> str:
    import shutil

    return shutil.which("seaudit") or str(Path(sys.executable).with_name("seaudit"))
