"""The audit policy: who and what is audited, and why (REFERENCE.md §5-§6), and the simulator.

from seaudit.policy import load_policy, decide, Event
policy = load_policy("site.selang").with_auditcfg(load_auditcfg("audit.cfg"))
decision = decide(Event("access", "2024-03-04T10:00:00", user="bob", cls="FILE",
                        resource="/etc/shadow", access="Read", program="/bin/cat"), policy)
decision.record, decision.why
"""

from __future__ import annotations

from seaudit.policy.access import AccessCheck, check_access
from seaudit.policy.auditcfg import AuditCfg, Rule, load_auditcfg, parse_auditcfg
from seaudit.policy.decide import Decision, Notification, decide
from seaudit.policy.event import KINDS, Event
from seaudit.policy.model import Policy
from seaudit.policy.modes import ALL, DEFAULT_USER_AUDIT, Audit
from seaudit.policy.selang import load_policy, parse_policy

__all__ = [
    "ALL",
    "DEFAULT_USER_AUDIT",
    "KINDS",
    "AccessCheck",
    "Audit",
    "AuditCfg",
    "Decision",
    "Event",
    "Notification",
    "Policy",
    "Rule",
    "check_access",
    "decide",
    "load_auditcfg",
    "load_policy",
    "parse_auditcfg",
    "parse_policy",
]
