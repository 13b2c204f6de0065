"""audit.cfg: the product's filter of records kept out of the log, one rule a line.

Five rule kinds, told apart by the first field (REFERENCE.md §5); every value is a ``*``/``?``
mask, ``*`` alone meaning any value (also none at all)::

    resource  CLASS;Object;User;ProgramPath;Access;Result
    network   HOST|TCP;Object;Host;ProgramPath;Access;Result     Access R incoming, W outgoing
    login     LOGIN;User;UserId;Terminal;LoginProgram;ResultOrLoginType   (D P W O I E A)
    admin     ADMIN;Class;Object;User;EffectiveUser;Terminal;Command;Result   (S F D)
    trace     TRACE;Class;Object;RealUser;EffectiveUser;ACUser;Result;TraceMessage

A record that matches any rule is not written. Each rule is also a query filter expression
(``Rule.expr``), so "apply audit.cfg" and "select with ``not (rule or rule ...)``" are one
meaning, held equal by a property test. Blank lines and lines starting with ``#`` are skipped.
Masks are case-sensitive, as the query's are.

Fields a seaudit record does not carry (the login UserId, the admin EffectiveUser) match only
``*``; ``check`` reports a rule that uses them, with every other rule that can never match.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from seaudit.errors import PolicyError
from seaudit.policy.textfile import read_text
from seaudit.query.expr import Cmp, Expr, Not, Or, all_of, any_of
from seaudit.query.mask import Matcher, mask_matcher
from seaudit.query.spec import Filter
from seaudit.schema.events import LOGIN_EVENTS
from seaudit.schema.fields import FIELD_BY_KEY
from seaudit.schema.record import AuditRecord

#: a rule's field tests: (record attribute, the mask, its pattern or None when it is exact)
_Tests = tuple[tuple[str, str, "Matcher | None"], ...]

#: rule kind -> (its field names after the first, the record key each tests or None)
KINDS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "resource": (
        ("Object", "resource"),
        ("User", "user"),
        ("ProgramPath", "program"),
        ("Access", "access"),
        ("Result", "status"),
    ),
    "network": (
        ("Object", "service"),
        ("Host", "host"),
        ("ProgramPath", "program"),
        ("Access", None),  # R: inbound, W: outbound
        ("Result", "status"),
    ),
    "login": (
        ("User", "user"),
        ("UserId", None),
        ("Terminal", "terminal"),
        ("LoginProgram", "program"),
        ("ResultOrLoginType", "status"),
    ),
    "admin": (
        ("Class", "class"),
        ("Object", "object"),
        ("User", "user"),
        ("EffectiveUser", None),
        ("Terminal", "terminal"),
        ("Command", "command"),
        ("Result", "status"),
    ),
    "trace": (
        ("Class", "class"),
        ("Object", "resource"),
        ("RealUser", "real_user"),
        ("EffectiveUser", "effective_user"),
        ("ACUser", "user"),
        ("Result", "status"),
        ("TraceMessage", "trace"),
    ),
}
#: the status letters each kind's records can have (C, a product error, is possible for all)
RESULTS: dict[str, str] = {
    "resource": "PDWNFC",
    "network": "PDWC",
    "login": "PDWOIEAC",
    "admin": "SFDC",
    "trace": "PDWC",
}
#: the events each kind filters
EVENTS: dict[str, tuple[str, ...]] = {
    "resource": ("resource_access",),
    "network": ("inbound_network", "outbound_network"),
    "login": LOGIN_EVENTS,
    "admin": ("db_admin",),
    "trace": ("trace",),
}
_NETWORK_DIRECTION = {"R": "inbound_network", "W": "outbound_network"}
#: the expression no record matches
FALSE_EXPR: Expr = Or(())
_FIRST = {"HOST": "network", "TCP": "network", "LOGIN": "login", "ADMIN": "admin", "TRACE": "trace"}


@dataclass(frozen=True, slots=True)
class Rule:
    """One audit.cfg line: its kind, class (resource and network rules) and field masks."""

    kind: str
    cls: str | None
    values: tuple[str, ...]  # the masks after the first field, in file order
    line: int
    text: str

    @property
    def fields(self) -> tuple[tuple[str, str | None], ...]:
        return KINDS[self.kind]

    def expr(self) -> Expr:
        """The query filter that selects exactly the records this rule filters out."""
        parts: list[Expr] = []
        events = EVENTS[self.kind]
        if self.kind == "network":
            access = self.values[3]
            events = tuple(
                e for letter, e in _NETWORK_DIRECTION.items() if _mask_matches(access, letter)
            )
        if not events:
            return FALSE_EXPR
        parts.append(any_of([Cmp("event", "=", e) for e in events]))
        if self.cls is not None:
            parts.append(Cmp("class", "~", self.cls))
        for (_, key), mask in zip(self.fields, self.values, strict=True):
            if mask == "*":
                continue
            if key is None:
                if self.kind == "network":
                    continue  # the direction, handled above
                return FALSE_EXPR  # a field no record carries matches only "*"
            parts.append(Cmp(key, "~", mask))
        return all_of(parts)

    def tests(self) -> tuple[tuple[str, ...], _Tests] | None:
        """The events this rule reaches and its field tests as (attribute, exact value or
        None, pattern or None), the same meaning as ``expr()``; None when nothing matches."""
        events = EVENTS[self.kind]
        if self.kind == "network":
            access = self.values[3]
            events = tuple(
                e for letter, e in _NETWORK_DIRECTION.items() if _mask_matches(access, letter)
            )
        pairs: list[tuple[str, str]] = [] if self.cls is None else [("class", self.cls)]
        for (_, key), mask in zip(self.fields, self.values, strict=True):
            if key is None:
                if self.kind != "network" and mask != "*":
                    return None
                continue
            pairs.append((key, mask))
        tests: list[tuple[str, str, Matcher | None]] = []
        for key, mask in pairs:
            if mask == "*":
                continue
            attr = FIELD_BY_KEY[key].attr
            wild = "*" in mask or "?" in mask
            tests.append((attr, mask, mask_matcher(mask) if wild else None))
        return (events, tuple(tests)) if events else None

    def never_matches(self) -> str | None:
        """Why no record can ever match this rule, or None."""
        for (name, key), mask in zip(self.fields, self.values, strict=True):
            if key is None and self.kind != "network" and mask != "*":
                return f"{name} is not in seaudit's records: only '*' can match it"
            if name.startswith("Result") and not any(
                _mask_matches(mask, letter) for letter in RESULTS[self.kind]
            ):
                return (
                    f"{name} {mask!r} matches no result of a {self.kind} record "
                    f"({' '.join(RESULTS[self.kind])})"
                )
            if (
                self.kind == "network"
                and name == "Access"
                and not any(_mask_matches(mask, letter) for letter in _NETWORK_DIRECTION)
            ):
                return f"Access {mask!r} is neither R (incoming) nor W (outgoing)"
        return None

    def covers(self, other: Rule) -> bool:
        """Whether every record ``other`` filters is already filtered by this rule."""
        if self.kind != other.kind or not _covers(self.cls, other.cls):
            return False
        return all(_covers(a, b) for a, b in zip(self.values, other.values, strict=True))


def _mask_matches(mask: str, value: str) -> bool:
    return mask_matcher(mask)(value)


def _covers(general: str | None, specific: str | None) -> bool:
    if general is None or general == "*":
        return True
    if specific is None:
        return False
    return general == specific or (
        "*" not in specific and "?" not in specific and _mask_matches(general, specific)
    )


@dataclass(frozen=True, slots=True)
class AuditCfg:
    """The rules of a file, and the one predicate that applies them all."""

    rules: tuple[Rule, ...]
    source: str = "<audit.cfg>"
    #: per event type, the rules that can reach it with their field tests (the fast index)
    _by_event: dict[str, tuple[tuple[Rule, _Tests], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        out: dict[str, list[tuple[Rule, _Tests]]] = {}
        for rule in self.rules:
            compiled = rule.tests()
            if compiled is None:
                continue
            events, tests = compiled
            for event in events:
                out.setdefault(event, []).append((rule, tests))
        index = {event: tuple(rules) for event, rules in out.items()}
        object.__setattr__(self, "_by_event", index)

    def filter_expr(self) -> Expr:
        """The records the file keeps out, as one query expression."""
        return any_of([r.expr() for r in self.rules]) if self.rules else FALSE_EXPR

    def rule_dropping(self, record: AuditRecord) -> Rule | None:
        """The first rule that keeps this record out of the log, or None: the fast twin of
        ``as_filter()`` (a property test holds the two equal)."""
        for rule, tests in self._by_event.get(record.event, ()):
            for attr, exact, pattern in tests:
                value = getattr(record, attr)
                if value is None:
                    break
                if pattern is None:
                    if value != exact:
                        break
                elif not pattern(value):
                    break
            else:
                return rule
        return None

    def drops(self, record: AuditRecord) -> bool:
        """Whether the file keeps this record out of the log."""
        return self.rule_dropping(record) is not None

    def apply(self, records: Iterable[AuditRecord]) -> Iterator[AuditRecord]:
        """The records the log keeps."""
        for record in records:
            if not self.drops(record):
                yield record

    def as_filter(self) -> Filter:
        """The query filter that keeps what this file keeps (``not (rule or rule...)``)."""
        return Filter(Not(self.filter_expr()))

    def findings(self) -> list[tuple[Rule, str]]:
        """Rules that can never match a record, or that an earlier rule already covers."""
        out: list[tuple[Rule, str]] = []
        for i, rule in enumerate(self.rules):
            why = rule.never_matches()
            if why is None:
                earlier = next((r for r in self.rules[:i] if r.covers(rule)), None)
                if earlier is not None:
                    why = f"line {earlier.line} already filters every record this rule does"
            if why is not None:
                out.append((rule, why))
        return out


def parse_auditcfg(text: str, *, source: str = "<audit.cfg>") -> AuditCfg:
    rules: list[Rule] = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        rules.append(_rule(line, number, source))
    return AuditCfg(tuple(rules), source)


def _rule(line: str, number: int, source: str) -> Rule:
    stripped = line.strip()
    offset = len(line) - len(line.lstrip())
    parts = stripped.split(";")
    columns = [offset + 1]
    for part in parts[:-1]:
        columns.append(columns[-1] + len(part) + 1)
    first = parts[0].strip()
    kind = _FIRST.get(first.upper(), "resource")
    cls = first.upper() if kind in ("resource", "network") else None
    names = KINDS[kind]
    if len(parts) != len(names) + 1:
        shape = ";".join(["CLASS" if kind == "resource" else first.upper(), *(n for n, _ in names)])
        raise PolicyError(
            f"a {kind} rule has {len(names) + 1} fields ({shape}), this one has {len(parts)}",
            source=source,
            line=number,
            column=offset + 1,
        )
    values: list[str] = []
    for (name, _), text, column in zip(names, parts[1:], columns[1:], strict=True):
        value = text.strip()
        if not value:
            raise PolicyError(
                f"{name} is empty (write * for any value)",
                source=source,
                line=number,
                column=column,
            )
        if not value.isprintable():
            raise PolicyError(
                f"{name} holds a control character", source=source, line=number, column=column
            )
        values.append(value)
    if not first or (kind == "resource" and not first.replace("_", "").isalnum() and first != "*"):
        raise PolicyError(
            f"{first!r} is not a class name", source=source, line=number, column=offset + 1
        )
    return Rule(kind, cls, tuple(values), number, stripped)


def load_auditcfg(path: str | Path) -> AuditCfg:
    return parse_auditcfg(read_text(path), source=str(path))
