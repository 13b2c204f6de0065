"""check_access: each step of the engine, its stage code, and the rule it names."""

from __future__ import annotations

import pytest

from seaudit.policy import check_access, parse_policy

POLICY = parse_policy(
    """\
nu bob category(PCI)
nu eve
ng staff
join eve group(staff)
nr FILE /pci defacc(all) category(PCI, SOX)
nr FILE /own defacc(none) owner(staff)
nr FILE /acl defacc(read)
auth FILE /acl uid(bob) acc(none)
auth FILE /acl gid(staff) acc(write)
nr FILE /star defacc(none)
auth FILE /star uid(*) acc(read)
nr FILE /nodef
chres FILE _default defacc(read)
nr TCP ssh defacc(none)
auth TCP ssh uid(*) acc(write)
"""
)

CASES = [
    # (user, class, resource, access, granted, stage, the rule's line named)
    ("bob", "FILE", "/pci", "Read", False, 52, None),  # lacks SOX
    ("eve", "FILE", "/own", "Delete", True, 55, "line 6"),  # her group owns it
    ("bob", "FILE", "/acl", "Read", False, 55, "line 8"),  # his own entry decides first
    ("eve", "FILE", "/acl", "Write", True, 55, "line 9"),
    ("eve", "FILE", "/acl", "Read", False, 55, "line 9"),  # group entry, not defacc
    ("zed", "FILE", "/star", "Read", True, 55, "line 11"),
    ("zed", "FILE", "/acl", "Read", True, 59, "line 7"),
    ("zed", "FILE", "/acl", "Write", False, 69, "line 7"),
    ("zed", "FILE", "/nodef", "Read", True, 1059, "line 13"),
    ("zed", "FILE", "/elsewhere", "Read", True, 1059, "line 13"),
    ("zed", "FILE", "/elsewhere", "Write", False, 69, "line 13"),
    ("zed", "TCP", "ssh", "write", True, 421, "line 15"),
    ("zed", "TCP", "ssh", "read", False, 421, "line 15"),  # the uid(*) entry decides
    ("zed", "TCP", "telnet", "read", True, 1059, None),  # no TCP record, no _default
    ("zed", "PROCESS", "x", "Kill", True, 1059, None),  # no record at all: unprotected
]


@pytest.mark.parametrize(("user", "cls", "name", "access", "granted", "stage", "rule"), CASES)
def test_each_step(
    user: str, cls: str, name: str, access: str, granted: bool, stage: int, rule: str | None
) -> None:
    check = check_access(POLICY, POLICY.accessor(user), user, cls, name, access)
    assert (check.granted, check.stage) == (granted, stage), check.step
    if rule is not None:
        assert rule in check.step
