"""The policy as data: users, groups, resources with their access rules, and class options.

``PolicyBuilder`` takes the facts one command at a time (the selang reader drives it) and
``build()`` freezes them into a ``Policy`` whose lookups are precomputed for ``decide``: every
user's AUDIT mode resolved once, each resource's ACL indexed by user and by group, generic
(masked) resource names sorted most specific first. Every fact keeps the ``Source`` (line and
command) that set it, so a decision can say which rule decided it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from seaudit.policy.auditcfg import AuditCfg
from seaudit.policy.modes import DEFAULT_RESOURCE_AUDIT, DEFAULT_USER_AUDIT, Audit, mode_text
from seaudit.query.mask import Matcher, mask_matcher

#: classes the engine intercepts when the policy does not say (``setoptions class+/-`` changes it)
DEFAULT_ACTIVE_CLASSES: frozenset[str] = frozenset(
    {"FILE", "PROGRAM", "TERMINAL", "SURROGATE", "SUDO", "PROCESS", "TCP", "HOST", "CONNECT"}
)
#: the record of a class that holds its defaults (UACC, audit) for resources without their own
DEFAULT_RECORD = "_default"
#: short access names -> the access words they stand for (selang accepts both)
ACCESS_ALIASES: dict[str, str] = {
    "r": "read",
    "w": "write",
    "x": "execute",
    "exec": "execute",
    "u": "update",
    "c": "control",
    "d": "delete",
    "n": "none",
}
ALL_ACCESS = "all"


def grants(accesses: frozenset[str], word: str) -> bool:
    """Whether an access list (``defacc``, an ACL entry) allows the access named ``word``."""
    return word in accesses or (ALL_ACCESS in accesses and "none" not in accesses)


def access_word(text: str) -> str:
    """The canonical access name: lower case, short forms expanded (``R`` -> ``read``)."""
    word = text.lower()
    return ACCESS_ALIASES.get(word, word)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact was declared: the policy file's line and the command as written."""

    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


@dataclass(frozen=True, slots=True)
class User:
    name: str
    defined: Source
    audit: Audit | None = None
    audit_from: Source | None = None
    profile: str | None = None
    groups: tuple[str, ...] = ()
    categories: frozenset[str] = frozenset()
    admin: bool = False


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    defined: Source
    audit: Audit | None = None
    audit_from: Source | None = None


@dataclass(frozen=True, slots=True)
class AclEntry:
    """One ``authorize`` entry: an accessor (user or group) and the accesses it is given."""

    accessor: str
    is_group: bool
    access: frozenset[str]
    source: Source

    def grants(self, access: str) -> bool:
        return grants(self.access, access)


@dataclass(frozen=True, slots=True)
class Resource:
    cls: str
    name: str
    defined: Source
    defacc: frozenset[str] | None = None
    defacc_from: Source | None = None
    audit: Audit | None = None
    audit_from: Source | None = None
    owner: str | None = None
    owner_from: Source | None = None
    warning: Source | None = None  # the command that set Warning mode, None when off
    notify: tuple[str, ...] = ()
    notify_from: Source | None = None
    categories: frozenset[str] = frozenset()
    acl: tuple[AclEntry, ...] = ()
    # derived by the builder: the ACL indexed (last entry per accessor wins)
    user_acl: Mapping[str, AclEntry] = field(default_factory=dict, compare=False)
    group_acl: Mapping[str, AclEntry] = field(default_factory=dict, compare=False)
    audit_bits: int = int(DEFAULT_RESOURCE_AUDIT)  # ``audit_mode`` as a plain int (hot path)

    @property
    def generic(self) -> bool:
        return "*" in self.name or "?" in self.name

    @property
    def audit_mode(self) -> Audit:
        return DEFAULT_RESOURCE_AUDIT if self.audit is None else self.audit


@dataclass(frozen=True, slots=True)
class Accessor:
    """A user as ``decide`` needs it: the resolved AUDIT mode and why, groups, flags."""

    name: str
    mode: int  # the resolved ``Audit`` flags, as a plain int (cheap to test on the hot path)
    mode_why: str
    groups: frozenset[str]
    categories: frozenset[str]
    admin: bool
    audit_flags: str  # "" for a database user, "(OS user)" for an enterprise (OS) user
    traced: bool


@dataclass(frozen=True, slots=True)
class Policy:
    users: Mapping[str, User]
    groups: Mapping[str, Group]
    resources: Mapping[tuple[str, str], Resource]
    active_classes: frozenset[str]
    warning_classes: Mapping[str, Source]
    system_audit: Audit
    system_audit_from: Source | None
    audit_only: Source | None
    #: precomputed for decide
    accessors: Mapping[str, Accessor]
    os_user: Accessor
    generic: Mapping[str, tuple[tuple[Matcher, Resource], ...]]
    auditcfg: AuditCfg | None = None  # applied to every record before the log
    _cache: dict[tuple[str, str], Resource | None] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: decide's memo: the verdict (outcome, stage, reason, why) of each distinct event shape
    verdicts: dict[tuple[object, ...], object] = field(
        default_factory=dict, compare=False, repr=False
    )

    def with_auditcfg(self, auditcfg: AuditCfg | None) -> Policy:
        """This policy with an audit.cfg applied before the log."""
        return replace(self, auditcfg=auditcfg, _cache={}, verdicts={})

    def accessor(self, name: str) -> Accessor:
        """The database user of that name, else the shared OS (enterprise) user."""
        return self.accessors.get(name, self.os_user)

    def resource(self, cls: str, name: str) -> Resource | None:
        """The record protecting ``name``: its own, else the most specific generic one, else
        the class's ``_default``, else None (unprotected)."""
        key = (cls, name)
        cache = self._cache
        if key in cache:
            return cache[key]
        found = self.resources.get(key)
        if found is None:
            for matches, res in self.generic.get(cls, ()):
                if matches(name):
                    found = res
                    break
        if found is None:
            found = self.resources.get((cls, DEFAULT_RECORD))
        if len(cache) > 1 << 16:
            cache.clear()
        cache[key] = found
        return found


class PolicyFault(ValueError):
    """A command that cannot apply (unknown user, duplicate definition...): the reader adds
    where it is."""


@dataclass
class PolicyBuilder:
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    resources: dict[tuple[str, str], Resource] = field(default_factory=dict)
    active_classes: set[str] = field(default_factory=lambda: set(DEFAULT_ACTIVE_CLASSES))
    warning_classes: dict[str, Source] = field(default_factory=dict)
    system_audit: Audit = DEFAULT_USER_AUDIT
    system_audit_from: Source | None = None
    audit_only: Source | None = None

    # --- users and groups ------------------------------------------------------------------

    def new_user(self, name: str, src: Source) -> None:
        if name in self.users:
            raise PolicyFault(f"user {name!r} is already defined ({self.users[name].defined})")
        self.users[name] = User(name, src)

    def user(self, name: str) -> User:
        if name not in self.users:
            raise PolicyFault(f"no user {name!r} (define it with newusr first)")
        return self.users[name]

    def change_user(self, name: str, **changes: object) -> None:
        self.users[name] = replace(self.user(name), **changes)  # type: ignore[arg-type]

    def new_group(self, name: str, src: Source) -> None:
        if name in self.groups:
            raise PolicyFault(f"group {name!r} is already defined ({self.groups[name].defined})")
        self.groups[name] = Group(name, src)

    def group(self, name: str) -> Group:
        if name not in self.groups:
            raise PolicyFault(f"no group {name!r} (define it with newgrp first)")
        return self.groups[name]

    def change_group(self, name: str, **changes: object) -> None:
        self.groups[name] = replace(self.group(name), **changes)  # type: ignore[arg-type]

    def join(self, user: str, group: str) -> None:
        self.group(group)
        current = self.user(user)
        if group not in current.groups:
            self.users[user] = replace(current, groups=(*current.groups, group))

    # --- resources -------------------------------------------------------------------------

    def new_resource(self, cls: str, name: str, src: Source) -> None:
        key = (cls, name)
        if key in self.resources:
            raise PolicyFault(f"{cls} {name!r} is already defined ({self.resources[key].defined})")
        self.resources[key] = Resource(cls, name, src)

    def resource(self, cls: str, name: str, src: Source) -> Resource:
        key = (cls, name)
        if key not in self.resources:
            if name != DEFAULT_RECORD:  # every class has its _default record
                raise PolicyFault(f"no {cls} resource {name!r} (define it with newres first)")
            self.resources[key] = Resource(cls, name, src)
        return self.resources[key]

    def change_resource(self, cls: str, name: str, src: Source, **changes: object) -> None:
        current = self.resource(cls, name, src)
        self.resources[(cls, name)] = replace(current, **changes)  # type: ignore[arg-type]

    def authorize(self, cls: str, name: str, entry: AclEntry) -> None:
        if entry.is_group:
            self.group(entry.accessor)
        current = self.resource(cls, name, entry.source)
        self.resources[(cls, name)] = replace(current, acl=(*current.acl, entry))

    def unauthorize(self, cls: str, name: str, accessor: str, src: Source) -> None:
        current = self.resource(cls, name, src)
        kept = tuple(e for e in current.acl if e.accessor != accessor)
        self.resources[(cls, name)] = replace(current, acl=kept)

    # --- freezing --------------------------------------------------------------------------

    def build(self) -> Policy:
        resources = {key: _indexed(res) for key, res in self.resources.items()}
        generic: dict[str, list[tuple[Matcher, Resource]]] = {}
        for res in resources.values():
            if res.generic:
                generic.setdefault(res.cls, []).append((mask_matcher(res.name), res))
        for items in generic.values():  # most literal characters first: the closest match
            items.sort(key=lambda item: (-_literal_length(item[1].name), item[1].name))
        system_why = (
            f"the system-wide mode {mode_text(self.system_audit)} ({self.system_audit_from})"
            if self.system_audit_from
            else f"the system-wide default {mode_text(self.system_audit)} (lang.ini DefaultAudit)"
        )
        accessors = {name: self._accessor(user, system_why) for name, user in self.users.items()}
        os_user = Accessor(
            "",
            int(self.system_audit),
            f"not a database user: {system_why}",
            frozenset(),
            frozenset(),
            False,
            "(OS user)",
            bool(self.system_audit & Audit.TRACE),
        )
        return Policy(
            users=MappingProxyType(dict(self.users)),
            groups=MappingProxyType(dict(self.groups)),
            resources=MappingProxyType(resources),
            active_classes=frozenset(self.active_classes),
            warning_classes=MappingProxyType(dict(self.warning_classes)),
            system_audit=self.system_audit,
            system_audit_from=self.system_audit_from,
            audit_only=self.audit_only,
            accessors=MappingProxyType(accessors),
            os_user=os_user,
            generic=MappingProxyType({c: tuple(v) for c, v in generic.items()}),
        )

    def _accessor(self, user: User, system_why: str) -> Accessor:
        mode, why = resolve_mode(user, self.groups, self.system_audit, system_why)
        return Accessor(
            user.name,
            int(mode),
            why,
            frozenset(user.groups),
            user.categories,
            user.admin,
            "",
            bool(mode & Audit.TRACE),
        )


def resolve_mode(
    user: User, groups: Mapping[str, Group], system: Audit, system_why: str
) -> tuple[Audit, str]:
    """The documented order: the user's own AUDIT, else its profile group's, else the sum
    of its groups' modes, else the system-wide mode."""
    if user.audit is not None:
        return (
            user.audit,
            f"user {user.name}'s own AUDIT {mode_text(user.audit)} ({user.audit_from})",
        )
    if user.profile is not None:
        profile = groups.get(user.profile)
        if profile is not None and profile.audit is not None:
            return profile.audit, (
                f"profile group {profile.name}'s AUDIT {mode_text(profile.audit)} "
                f"({profile.audit_from})"
            )
    summed = Audit.NONE
    named: list[str] = []
    for name in user.groups:
        group = groups[name]
        if group.audit is not None:
            summed |= group.audit
            named.append(f"{name} {mode_text(group.audit)} ({group.audit_from})")
    if named:
        return summed, f"the sum of {user.name}'s groups' AUDIT: " + "; ".join(named)
    return system, system_why


def _indexed(res: Resource) -> Resource:
    users: dict[str, AclEntry] = {}
    groups: dict[str, AclEntry] = {}
    for entry in res.acl:
        (groups if entry.is_group else users)[entry.accessor] = entry
    return replace(
        res,
        user_acl=MappingProxyType(users),
        group_acl=MappingProxyType(groups),
        audit_bits=int(res.audit_mode),
    )


def _literal_length(name: str) -> int:
    return sum(1 for ch in name if ch not in "*?")
