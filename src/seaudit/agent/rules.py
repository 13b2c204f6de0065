"""The auditctl rules the agent needs: scoped, keyed, never ``-e 2`` (a locked configuration
would outlive the agent until reboot).

Every rule is limited to login sessions (``auid`` set), which leaves out daemons, and with
them the agent itself: auditd starts its plugins without a login uid, so the agent can never
audit its own reading in a loop. A test scopes them to one login uid instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from seaudit.agent.decode import UNSET
from seaudit.policy.model import DEFAULT_RECORD, Policy

#: the account files: a write there is user administration (db_admin records)
ACCOUNT_FILES = ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers")
KEY_PREFIX = "seaudit"
EXEC_SYSCALLS = "execve,execveat"
NET_SYSCALLS = "connect,accept,accept4,bind"
SETUID_SYSCALLS = "setuid,setreuid,setresuid,setfsuid"
OPEN_SYSCALLS = "open,openat,openat2,creat,truncate,ftruncate"
#: characters that make a resource name generic (``seaudit.query.mask``)
WILDCARDS = "*?"
#: a path rule does not see an open the permission check refused: these catch the denials
DENIALS = ("-EACCES", "-EPERM")


@dataclass(frozen=True, slots=True)
class RuleScope:
    """What to watch and for whom. ``files``/``dirs``: FILE resources read and written
    (``perm=rwa``); the account files are watched for writes; ``loginuid`` limits every rule
    to one login uid; ``key`` gives every rule that one key (tests delete by it)."""

    files: tuple[str, ...] = ()
    dirs: tuple[str, ...] = ()
    loginuid: int | None = None
    key: str | None = None
    arch: str = "b64"


def audit_rules(scope: RuleScope = RuleScope()) -> list[list[str]]:
    """auditctl argument lists, one a rule."""
    who = ["-F", f"auid={scope.loginuid}" if scope.loginuid is not None else f"auid!={UNSET}"]
    arch = ["-F", f"arch={scope.arch}"]

    def rule(kind: str, *body: str) -> list[str]:
        key = scope.key or f"{KEY_PREFIX}-{kind}"
        return ["-a", "always,exit", *arch, *body, *who, "-k", key]

    rules = [rule("file", "-F", f"path={path}", "-F", "perm=rwa") for path in scope.files]
    rules += [rule("file", "-F", f"dir={path}", "-F", "perm=rwa") for path in scope.dirs]
    rules += [rule("admin", "-F", f"path={path}", "-F", "perm=wa") for path in ACCOUNT_FILES]
    rules += [rule("denied", "-S", OPEN_SYSCALLS, "-F", f"exit={code}") for code in DENIALS]
    rules.append(rule("exec", "-S", EXEC_SYSCALLS))
    rules.append(rule("net", "-S", NET_SYSCALLS))
    rules.append(rule("setuid", "-S", SETUID_SYSCALLS))
    return rules


def render_rules(rules: list[list[str]]) -> str:
    """The rules as lines of an audit.rules file (``auditctl -R`` reads them)."""
    header = "# seaudit agent: PAM Server Control audit from kernel events (never -e 2)\n"
    return header + "".join(" ".join(r) + "\n" for r in rules)


def policy_scope(policy: Policy, scope: RuleScope = RuleScope()) -> RuleScope:
    """The scope with a watch for each FILE resource of the policy: a path for a plain name,
    the longest fixed directory for a generic one (``/var/log/*.log`` -> ``/var/log``).
    PROGRAM resources need no rule of their own: the execve rule sees every program run."""
    files: list[str] = list(scope.files)
    dirs: list[str] = list(scope.dirs)
    for cls, name in sorted(policy.resources):
        if cls != "FILE" or name == DEFAULT_RECORD:
            continue
        cut = min((i for i, c in enumerate(name) if c in WILDCARDS), default=None)
        if cut is None:
            _add(files, name)
        else:
            _add(dirs, name[:cut].rsplit("/", 1)[0] or "/")
    return replace(scope, files=tuple(files), dirs=tuple(dirs))


def _add(paths: list[str], path: str) -> None:
    if path not in paths:
        paths.append(path)
