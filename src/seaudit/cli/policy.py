"""``seaudit policy``: explain a decision, check an audit.cfg.

``seaudit policy explain --policy FILE --class C --resource R --user U --access A`` prints the
decision for one access (or ``--event login|logout|connect_out|...``) and why, rule by rule;
``seaudit policy check audit.cfg`` reads a filter file and lists the rules that can never
match (exit 1 when there are any), ``--policy FILE`` checks a policy file too.
"""

from __future__ import annotations

import argparse
import sys

from seaudit.cli.output import terminal_safe

HELP = "explain an audit decision, or check an audit.cfg (rules that can never match)"
#: the Event fields explain takes as --NAME options (--class fills ``cls``)
EVENT_OPTIONS = (
    "class",
    "resource",
    "user",
    "access",
    "terminal",
    "host",
    "service",
    "object",
    "command",
    "file",
    "session",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("explain", "check"), help="what to do")
    parser.add_argument("cfg_file", nargs="?", metavar="AUDIT_CFG", help="check: the audit.cfg")
    parser.add_argument("--policy", metavar="FILE", help="the selang policy file")
    parser.add_argument("--auditcfg", metavar="FILE", help="explain: apply this audit.cfg too")
    parser.add_argument(
        "--event", default="access", metavar="KIND", help="explain: the event kind (access)"
    )
    for name in EVENT_OPTIONS:  # dests prefixed: "command" and "file" are taken
        parser.add_argument(
            f"--{name}", dest=f"ev_{name}", metavar=name.upper(), help=f"explain: the {name}"
        )
    parser.add_argument("--code", type=int, help="explain: password-quality or untrust code")
    parser.add_argument(
        "--program", metavar="PROGRAM", help="explain: the program (access: default /bin/sh)"
    )
    parser.add_argument("--time", default="2024-01-01T00:00:00", help="explain: the timestamp")


def run(args: argparse.Namespace) -> int:
    from seaudit.errors import UsageError

    if args.action == "check":
        if args.cfg_file is None and args.policy is None:
            raise UsageError("policy check needs an audit.cfg file (or --policy FILE)")
        return _check(args)
    if args.policy is None:
        raise UsageError("policy explain needs --policy FILE")
    return _explain(args)


def _check(args: argparse.Namespace) -> int:
    from seaudit.policy import load_auditcfg, load_policy

    if args.policy is not None:
        load_policy(args.policy)
        print(f"{args.policy}: policy OK")
    if args.cfg_file is None:
        return 0
    cfg = load_auditcfg(args.cfg_file)
    findings = cfg.findings()
    name = terminal_safe(args.cfg_file)
    for rule, why in findings:
        print(f"{name}:{rule.line}: never matches: {why}: {terminal_safe(rule.text)}")
    print(f"{name}: {len(cfg.rules)} rules, {len(findings)} that can never match")
    return 1 if findings else 0


def _explain(args: argparse.Namespace) -> int:
    from datetime import datetime

    from seaudit.errors import UsageError
    from seaudit.policy import KINDS, Event, decide, load_auditcfg, load_policy
    from seaudit.text.short import render_short

    if args.event not in KINDS:
        raise UsageError(f"--event is one of {', '.join(KINDS)}, not {args.event!r}")
    try:
        stamp = datetime.fromisoformat(args.time).strftime("%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise UsageError(f"--time takes YYYY-MM-DDTHH:MM:SS, not {args.time!r}") from None
    policy = load_policy(args.policy)
    if args.auditcfg:
        policy = policy.with_auditcfg(load_auditcfg(args.auditcfg))
    given = {("cls" if n == "class" else n): getattr(args, f"ev_{n}") for n in EVENT_OPTIONS}
    given["session_id"] = given.pop("session")
    program = args.program or ("/bin/sh" if args.event == "access" else None)
    event = Event(args.event, stamp, program=program, code=args.code, **given)
    missing = event.missing()
    if missing is not None:
        raise UsageError(
            f"a {args.event!r} event needs --{'class' if missing == 'cls' else missing}"
        )
    decision = decide(event, policy)
    print(f"status: {decision.status}  stage: {decision.stage}  reason: {decision.reason}")
    for step in decision.steps:
        print(f"  {terminal_safe(step)}")
    for record in decision.records:
        print(f"record: {render_short(record)}")
    if not decision.records:
        print("record: none")
    for note in decision.notifications:
        print(f"notify: {terminal_safe(note.recipient)}")
    sys.stdout.flush()
    return 0
